"""50 conversations at once through haproxy over both replicas, then the same with a replica killed: every message stored once, in order, each answered."""

from __future__ import annotations

import asyncio
import time

from tests.cluster.cluster import LOCK_LIFETIME
from tests.cluster.load import Load, check_trackers, run_load

CONVERSATIONS = 50
HANG_LIMIT = 240  # seconds for the whole load: a hang limit, not a speed target
ACTIONS_DOWN = 8  # seconds an action server stays killed: longer than haproxy takes to see it (3 s)


def test_fifty_conversations_over_both_replicas_each_message_once_in_order(whole_cluster):
    cluster = whole_cluster
    before = cluster.served()
    load = Load()
    started = time.monotonic()
    senders = asyncio.run(run_load(cluster.url, CONVERSATIONS, load, HANG_LIMIT))
    seconds = time.monotonic() - started
    served = {name: count - before.get(name, 0) for name, count in cluster.served().items()}
    print(
        f"\n{len(load.answers())} messages in {seconds:.1f} s ({len(load.answers()) / seconds:.1f}/s), "
        f"longest wait {load.longest_wait():.2f} s, per replica {served}"
    )
    assert len(load.answers()) == CONVERSATIONS * 10
    assert not load.failures()  # with every replica up, nothing needed a retry
    assert all(served.get(name, 0) > 50 for name in cluster.replicas), served  # both replicas took a share
    check_trackers(cluster, senders)


def test_a_replica_killed_under_load_loses_and_repeats_nothing(whole_cluster):
    cluster = whole_cluster
    load = Load()
    marks = {}

    async def kill_a_replica(load: Load) -> None:
        while len(load.answers()) < 150:
            await asyncio.sleep(0.02)
        marks["killed"] = time.monotonic()
        cluster.kill("rasa-1")  # SIGKILL: no goodbye, its locks stay until they expire

    senders = asyncio.run(run_load(cluster.url, CONVERSATIONS, load, HANG_LIMIT, during=kill_a_replica))
    killed = marks["killed"]
    after = load.answers_between(killed, killed + LOCK_LIFETIME)
    print(
        f"\nkilled rasa-1 after 150 answers; {after} answers in the {LOCK_LIFETIME} s after; "
        f"longest wait for an answer {load.longest_wait():.2f} s; failed attempts {load.failures()}"
    )
    assert len(load.answers()) == CONVERSATIONS * 10
    # Clients noticed (connections cut, 502s from haproxy) and retried with the same message_id ...
    assert load.failures()
    # ... other conversations went on being answered meanwhile ...
    assert after > 20
    # ... and those in flight on the dead replica resumed once its locks expired.
    assert load.longest_wait() < LOCK_LIFETIME + 10
    # Nothing lost, nothing twice, in order.
    check_trackers(cluster, senders)


def test_an_action_server_killed_under_load_costs_no_answer(whole_cluster):
    """Issue 24: while actions-1 is down the replicas' action calls go to actions-2 (haproxy in front of
    the action servers), so a message sent then is answered at the first attempt. Only a call in flight
    at the kill may fail: its turn says "having trouble" (never an empty reply) and the client's retry
    with the same message_id gets a real answer, once."""
    cluster = whole_cluster
    load = Load()
    marks = {}

    async def kill_an_action_server(load: Load) -> None:
        while len(load.answers()) < 150:
            await asyncio.sleep(0.02)
        marks["killed"] = time.monotonic()
        cluster.kill("actions-1")  # SIGKILL
        await asyncio.sleep(ACTIONS_DOWN)
        marks["answers while down"] = len(load.answers())
        await asyncio.get_running_loop().run_in_executor(None, cluster.start)
        marks["back"] = time.monotonic()

    senders = asyncio.run(run_load(cluster.url, CONVERSATIONS, load, HANG_LIMIT, during=kill_an_action_server))
    killed, back = marks["killed"], marks["back"]
    outcomes: dict = {}
    for attempt in load.attempts:
        outcomes[attempt.outcome] = outcomes.get(attempt.outcome, 0) + 1
    # Sent after the kill (and half a second more for what was on its way): the dead server refused at once.
    sent_while_down = [a for a in load.attempts if killed + 0.5 <= a.sent and a.done < back]
    print(
        f"\nkilled actions-1 after 150 answers, back {back - killed:.1f} s later; attempts {outcomes}; "
        f"{len(sent_while_down)} attempts sent while it was down, {marks['answers while down'] - 150} answers then"
    )
    assert len(load.answers()) == CONVERSATIONS * 10
    assert "empty" not in outcomes  # never an empty reply
    assert len(sent_while_down) > 50  # the conversations went on meanwhile ...
    assert [a.outcome for a in sent_while_down if a.outcome != "answer"] == []  # ... each answered at once
    check_trackers(cluster, senders)  # every message once (a silent turn is rewound), in order, answered
