"""Redis restarted, then PostgreSQL restarted, under load: while one is down the bot says it is having trouble (with the phone) within 3 s, and replies resume once it is back, nothing lost."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.cluster.cluster import PHONE
from tests.cluster.load import Load, check_trackers, run_load

DOWN_FOR = 4  # seconds


@pytest.mark.parametrize("store", ["redis", "postgres"])
def test_replies_resume_after_a_restart_and_trouble_is_said_meanwhile(whole_cluster, store):
    cluster = whole_cluster
    load = Load()
    marks = {}

    async def outage(load: Load) -> None:
        while len(load.answers()) < 40:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(cluster.stop, store)
        marks["down"] = time.monotonic()
        await asyncio.sleep(DOWN_FOR)
        marks["restarting"] = time.monotonic()
        await asyncio.to_thread(cluster.start)
        marks["up"] = time.monotonic()

    senders = asyncio.run(run_load(cluster.url, 20, load, hang_limit=240, during=outage, prefix=store))
    down, restarting, up = marks["down"], marks["restarting"], marks["up"]
    while_down = [a for a in load.attempts if down <= a.sent and a.done <= restarting]
    troubles = [a for a in while_down if a.outcome == "trouble"]
    slowest = max((a.done - a.sent for a in while_down), default=0)
    print(
        f"\n{store} down {restarting - down:.1f} s, back after {up - restarting:.1f} s: "
        f"{len(while_down)} attempts while down ({len(troubles)} 'having trouble', slowest {slowest:.2f} s); "
        f"{load.answers_between(restarting, float('inf'))} answers after; outcomes {load.failures()}"
    )
    assert troubles, "nobody was told the assistant is having trouble"
    assert all(PHONE in " ".join(a.texts) for a in troubles)
    assert slowest < 3, "a message hung while the store was down"
    assert not [a for a in while_down if a.outcome not in ("trouble", "answer")]
    assert load.answers_between(restarting, float("inf")) > 0  # replies resumed
    assert len(load.answers()) == 20 * 10
    check_trackers(cluster, senders)
