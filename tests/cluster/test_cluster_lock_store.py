"""channels.lock_store.RedisTicketLockStore on the cluster's Redis: one message at a time per conversation across replicas, in ticket order; a dead holder's lock expires, a live one's does not; Redis down fails fast."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from rasa.core.lock_store import LockError

from channels.lock_store import RedisTicketLockStore


def store(cluster, lifetime: float = 5) -> RedisTicketLockStore:
    return RedisTicketLockStore(url=cluster.redis_url, lock_lifetime=lifetime)


def conversation() -> str:
    return f"lock-test-{uuid.uuid4().hex[:10]}"


def test_two_replicas_serve_a_conversation_one_message_at_a_time_in_ticket_order(cluster):
    async def main():
        replicas = [store(cluster), store(cluster)]  # two stores: two replicas' connections
        cid = conversation()
        inside, order, most = [], [], 0

        async def message(number: int) -> None:
            nonlocal most
            async with replicas[number % 2].lock(cid):
                inside.append(number)
                most = max(most, len(inside))
                order.append(number)
                await asyncio.sleep(0.005)
                inside.remove(number)

        # Tickets issued one after the other while the conversation is busy: served in that order.
        queue = replicas[0]._keys(cid)[1]
        tasks = []
        async with replicas[0].lock(cid):
            for number in range(30):
                tasks.append(asyncio.create_task(message(number)))
                while await replicas[0].redis.zcard(queue) < number + 2:
                    await asyncio.sleep(0.001)
        await asyncio.gather(*tasks)
        assert order == list(range(30))
        # And a free-for-all: never two at once.
        order.clear()
        await asyncio.gather(*(message(number) for number in range(60)))
        assert most == 1 and sorted(order) == list(range(60))

    asyncio.run(main())


def test_a_dead_replicas_lock_expires_after_its_lifetime(cluster):
    async def main():
        dead, alive = store(cluster, lifetime=2), store(cluster, lifetime=2)
        cid = conversation()
        counter, queue, expires = dead._keys(cid)
        # A replica takes the lock and dies: no heartbeat, no release.
        await dead._issue(keys=[counter, queue, expires], args=["dead", 2000, 60000])
        assert await dead._try(keys=[queue, expires], args=["dead", 2000, 60000]) == 1
        started = time.monotonic()
        async with alive.lock(cid):
            return time.monotonic() - started

    waited = asyncio.run(main())
    assert 1.0 < waited < 2 + 3


def test_a_live_replica_keeps_its_lock_past_the_lifetime(cluster):
    async def main():
        busy, other = store(cluster, lifetime=1), store(cluster, lifetime=1)
        cid = conversation()
        events = []

        async def long_turn():
            async with busy.lock(cid):
                events.append("busy in")
                await asyncio.sleep(3.5)  # three lifetimes and a half: heartbeats keep it
                events.append("busy out")

        task = asyncio.create_task(long_turn())
        await asyncio.sleep(0.2)
        async with other.lock(cid):  # waits longer than its own ticket's lifetime, and is served
            events.append("other in")
        await task
        return events

    assert asyncio.run(main()) == ["busy in", "busy out", "other in"]


def test_the_lock_is_reentrant_within_a_task(cluster):
    async def main():
        lock_store = store(cluster)
        cid = conversation()
        async with lock_store.lock(cid):
            async with lock_store.lock(cid):
                return True

    assert asyncio.run(asyncio.wait_for(main(), 5))


def test_redis_down_fails_within_two_seconds():
    async def main():
        lock_store = RedisTicketLockStore(url="redis://127.0.0.1:1/0")
        started = time.monotonic()
        with pytest.raises(LockError):
            async with lock_store.lock(conversation()):
                pass
        return time.monotonic() - started

    assert asyncio.run(main()) < 2
