"""Rate limits counted in Redis (REDIS_URL): the same limit whichever replica a message reaches."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time

import pytest

from cers.rate_limits import RateLimiter, RedisCounter

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway Redis on a free port, no persistence."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_two_replicas_share_one_limit_and_its_window(redis_url):
    async def go():
        # Two replicas: two limiters, two connections, one Redis; a 1-second window for the test.
        first = RateLimiter(per_sender=3, per_ip=0, counter=RedisCounter(redis_url), window=1)
        second = RateLimiter(per_sender=3, per_ip=0, counter=RedisCounter(redis_url), window=1)
        sender = f"shared-{time.time_ns()}"
        verdicts = [await (first if n % 2 else second).check("rest", sender) for n in range(5)]
        await asyncio.sleep(1.1)
        after = await first.check("rest", sender)
        return verdicts, after

    verdicts, after = asyncio.run(go())
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[3].first_refusal and not verdicts[4].first_refusal
    assert verdicts[3].retry_after == 1
    assert after.allowed


def test_the_address_limit_counts_every_sender_of_the_address(redis_url):
    async def go():
        limiter = RateLimiter(per_sender=30, per_ip=4, counter=RedisCounter(redis_url))
        client = f"198.18.{time.time_ns() % 250}.{time.time_ns() % 251}"
        return [await limiter.check("socketio", f"s{n}", client) for n in range(5)]

    verdicts = asyncio.run(go())
    assert [v.allowed for v in verdicts] == [True] * 4 + [False]
    assert 55 <= verdicts[-1].retry_after <= 60


def test_redis_down_lets_messages_through():
    async def go():
        limiter = RateLimiter(per_sender=1, per_ip=1, counter=RedisCounter("redis://127.0.0.1:1/0"))
        return [await limiter.check("rest", "someone", "198.18.0.1") for _ in range(3)]

    assert all(v.allowed for v in asyncio.run(go()))
