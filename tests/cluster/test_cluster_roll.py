"""A rolling upgrade under load (scripts/cluster.sh roll: each replica drained, stopped, started again with its action server): conversations go on throughout, no client sees an error, and every message is stored once, in order, answered."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp

from tests.cluster.load import MESSAGES, Load, check_trackers, converse

WORKERS = 8  # conversations at once, each followed by another until the roll is done
HANG_LIMIT = 300  # seconds: a hang limit for the whole test, not a speed target


def test_a_rolling_upgrade_under_load_keeps_every_message(whole_cluster):
    cluster = whole_cluster
    old_pids = {name: cluster.pid(name) for name in cluster.replicas}
    load = Load()
    senders: list = []
    marks: dict = {}

    async def worker(session: aiohttp.ClientSession, deadline: float) -> None:
        while "rolled" not in marks:
            sender = f"roll-{uuid.uuid4().hex[:10]}"
            senders.append(sender)
            await converse(session, cluster.url, sender, load, deadline)

    async def roll() -> None:
        while len(load.answers()) < 30:
            await asyncio.sleep(0.05)
        marks["rolling"] = time.monotonic()
        await asyncio.to_thread(cluster.script, "roll")
        marks["rolled"] = time.monotonic()

    async def main() -> None:
        deadline = time.monotonic() + HANG_LIMIT
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(roll(), *(worker(session, deadline) for _ in range(WORKERS)))

    asyncio.run(main())
    rolling, rolled = marks["rolling"], marks["rolled"]
    during = load.answers_between(rolling, rolled)
    print(
        f"\nroll took {rolled - rolling:.0f} s; {during} answers during it "
        f"({during / (rolled - rolling):.1f}/s); {len(senders)} conversations, {len(load.answers())} answers; "
        f"longest wait {load.longest_wait():.2f} s; failed attempts {load.failures()}"
    )
    # Each replica was replaced (new processes) ...
    assert all(cluster.pid(name) != pid for name, pid in old_pids.items())
    # ... conversations were answered all along ...
    assert during > 20
    # ... nobody saw an error or a "having trouble" (drained first: nothing in flight was cut) ...
    assert not load.failures(), load.failures()
    # ... and every message is stored once, in order, each followed by its reply.
    assert len(load.answers()) == len(senders) * len(MESSAGES)
    check_trackers(cluster, senders)
