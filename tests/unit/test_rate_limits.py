"""Rate limits per sender and per address (cers/rate_limits.py), counted in the process."""

from __future__ import annotations

import asyncio

import pytest

from cers.rate_limits import MemoryCounter, RateLimiter, limiter_from_settings


class Clock:
    """A MemoryCounter whose clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.counter = MemoryCounter()

    async def count(self, keys, window):
        return self.counter.count_now(keys, window, self.now)


def run(coroutine):
    return asyncio.run(coroutine)


def sends(limiter, count, channel="rest", sender="alice", client="198.18.0.1"):
    async def go():
        return [await limiter.check(channel, sender, client) for _ in range(count)]

    return run(go())


def test_the_31st_message_of_a_minute_is_refused_with_the_time_left():
    clock = Clock()
    limiter = RateLimiter(per_sender=30, per_ip=300, counter=clock)
    verdicts = sends(limiter, 30)
    assert all(v.allowed for v in verdicts)
    clock.now += 20
    refused = sends(limiter, 2)
    assert [v.allowed for v in refused] == [False, False]
    assert refused[0].retry_after == 40  # the window began with the first message
    assert refused[0].first_refusal and not refused[1].first_refusal


def test_a_sender_may_write_again_once_the_window_has_passed():
    clock = Clock()
    limiter = RateLimiter(per_sender=3, per_ip=0, counter=clock)
    assert [v.allowed for v in sends(limiter, 4)] == [True, True, True, False]
    clock.now += 60
    assert [v.allowed for v in sends(limiter, 3)] == [True, True, True]


def test_senders_are_counted_apart_but_share_their_address_limit():
    clock = Clock()
    limiter = RateLimiter(per_sender=30, per_ip=5, counter=clock)
    verdicts = [run(limiter.check("rest", f"person-{n}", "198.18.0.9")) for n in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    # Another address is not affected.
    assert run(limiter.check("rest", "person-0", "198.18.0.10")).allowed


def test_the_same_id_on_two_channels_is_two_senders():
    limiter = RateLimiter(per_sender=1, per_ip=0, counter=Clock())
    assert run(limiter.check("twilio", "+15305550100")).allowed
    assert run(limiter.check("slack", "+15305550100")).allowed
    assert not run(limiter.check("twilio", "+15305550100")).allowed


def test_zero_turns_a_limit_off():
    limiter = RateLimiter(per_sender=0, per_ip=0, counter=Clock())
    assert not limiter.on
    assert all(v.allowed for v in sends(limiter, 1000))
    only_ip = RateLimiter(per_sender=0, per_ip=2, counter=Clock())
    assert [v.allowed for v in sends(only_ip, 3)] == [True, True, False]


def test_a_message_without_an_address_is_counted_only_per_sender():
    limiter = RateLimiter(per_sender=2, per_ip=1, counter=Clock())
    assert [v.allowed for v in sends(limiter, 3, client="")] == [True, True, False]


def test_when_the_counter_fails_messages_go_through():
    class Down:
        async def count(self, keys, window):
            raise ConnectionError("Redis is down")

    limiter = RateLimiter(per_sender=1, per_ip=1, counter=Down())
    assert all(v.allowed for v in sends(limiter, 5))


def test_old_windows_are_forgotten_and_the_memory_is_bounded():
    counter = MemoryCounter(max_keys=100)
    for n in range(1000):
        counter.count_now([f"key-{n}"], 60, 1000.0 + n)
    assert len(counter._windows) <= 100
    counter.count_now(["late"], 60, 5000.0)
    assert list(counter._windows) == ["late"]


def test_settings_give_the_defaults_and_refuse_nonsense(monkeypatch):
    monkeypatch.delenv("RATE_LIMIT_PER_SENDER", raising=False)
    monkeypatch.delenv("RATE_LIMIT_PER_IP", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    limiter = limiter_from_settings()
    assert (limiter.per_sender, limiter.per_ip) == (30, 300)
    monkeypatch.setenv("RATE_LIMIT_PER_IP", "0")
    assert limiter_from_settings().per_ip == 0
    from cers.settings import SettingsError

    for bad in ("-1", "lots"):
        monkeypatch.setenv("RATE_LIMIT_PER_SENDER", bad)
        with pytest.raises(SettingsError):
            limiter_from_settings()
