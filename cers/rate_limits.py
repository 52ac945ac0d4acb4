"""Rate limits on the public channels: messages counted per sender and per client address in one-minute windows, in the process or in Redis so that they hold across replicas.

A window starts with the first message a key (a sender, an address) sends and lasts WINDOW_SECONDS;
a message beyond the limit within it is refused, and Retry-After is the time left in the window.
Refused messages are counted too (an over-eager client does not get a new window sooner), and
the first refusal in a window is marked, so a channel can say "slow down" once and then stay
silent (SMS, Slack). Keys are stored as fingerprints: no phone number or address is kept.

With REDIS_URL set (replicas), the counts are in Redis: one Lua script counts every key of a
message in one round trip, so the limit is the same whichever replica a message reaches. When
Redis cannot be reached, messages are let through (a turn then fails with the "having trouble"
reply anyway): a limit must never be what silences someone in an emergency.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, List, Optional, Protocol, Sequence, Tuple

from cers.settings import rate_limit_per_ip, rate_limit_per_sender, redis_url

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_PREFIX = "cers:rate:"


@dataclass(frozen=True)
class Verdict:
    """Whether a message may go on; when not, how long until it may, and whether it is the first refused."""

    allowed: bool
    retry_after: int = 0  # whole seconds, at least 1 when refused
    first_refusal: bool = False


ALLOWED = Verdict(True)


class Counter(Protocol):
    async def count(self, keys: Sequence[str], window: float) -> List[Tuple[int, float]]:
        """Adds one to each key's count in its current window; each key's (count, seconds left)."""
        ...


class MemoryCounter:
    """Counts in this process (one server). Old windows are dropped as new ones start."""

    def __init__(self, max_keys: int = 200_000) -> None:
        self.max_keys = max_keys
        # key -> [count, end of window]; ordered by the start of the window (oldest first).
        self._windows: "OrderedDict[str, List[float]]" = OrderedDict()

    async def count(self, keys: Sequence[str], window: float) -> List[Tuple[int, float]]:
        return self.count_now(keys, window, time.monotonic())

    def count_now(self, keys: Sequence[str], window: float, now: float) -> List[Tuple[int, float]]:
        windows = self._windows
        while windows:
            oldest = next(iter(windows.values()))
            if oldest[1] > now and len(windows) < self.max_keys:
                break
            windows.popitem(last=False)
        counts = []
        for key in keys:
            entry = windows.get(key)
            if entry is None or entry[1] <= now:
                entry = windows[key] = [0, now + window]
                windows.move_to_end(key)
            entry[0] += 1
            counts.append((int(entry[0]), entry[1] - now))
        return counts


# INCR each key; a new key's window is set with PEXPIRE; returns count and milliseconds left per key.
_COUNT_SCRIPT = """
local out = {}
for _, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if n == 1 or left < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    left = tonumber(ARGV[1])
  end
  table.insert(out, n)
  table.insert(out, left)
end
return out
"""


class RedisCounter:
    """Counts in Redis (REDIS_URL): every replica sees the same counts."""

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self.redis: Any = aioredis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self.redis.register_script(_COUNT_SCRIPT)

    async def count(self, keys: Sequence[str], window: float) -> List[Tuple[int, float]]:
        values = await self._script(keys=list(keys), args=[int(window * 1000)])
        return [(int(values[i]), int(values[i + 1]) / 1000) for i in range(0, len(values), 2)]


def fingerprint(kind: str, value: str) -> str:
    """A key's name: its kind and a fingerprint of the sender or address (no phone numbers kept)."""
    return KEY_PREFIX + kind + ":" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:24]


class RateLimiter:
    """Per-sender and per-address limits (0 turns one off) over a counter."""

    def __init__(
        self, per_sender: int, per_ip: int, counter: Optional[Counter] = None, window: float = WINDOW_SECONDS
    ) -> None:
        self.per_sender = per_sender
        self.per_ip = per_ip
        self.window = window
        self.counter: Counter = counter or MemoryCounter()
        self._last_warning = 0.0

    @property
    def on(self) -> bool:
        return bool(self.per_sender or self.per_ip)

    async def check(self, channel: str, sender: str, client: str = "") -> Verdict:
        """Counts one message of `sender` on `channel` from address `client` ("": not counted per address)."""
        checks: List[Tuple[str, int]] = []
        if self.per_sender and sender:
            checks.append((fingerprint("sender:" + channel, sender), self.per_sender))
        if self.per_ip and client:
            checks.append((fingerprint("ip", client), self.per_ip))
        if not checks:
            return ALLOWED
        try:
            counts = await self.counter.count([key for key, _ in checks], self.window)
        except Exception as error:  # Redis down: let the message through (see the module docstring)
            now = time.monotonic()
            if now - self._last_warning > 60:
                self._last_warning = now
                logger.warning(f"Rate limits not checked (messages let through): {error}")
            return ALLOWED
        over = [(count, left, limit) for (count, left), (_, limit) in zip(counts, checks) if count > limit]
        if not over:
            return ALLOWED
        return Verdict(
            allowed=False,
            retry_after=max(1, math.ceil(max(left for _, left, _ in over))),
            first_refusal=any(count == limit + 1 for count, _, limit in over),
        )


def limiter_from_settings() -> RateLimiter:
    """RATE_LIMIT_PER_SENDER and RATE_LIMIT_PER_IP, counted in Redis with REDIS_URL, else in this process."""
    url = redis_url()
    return RateLimiter(rate_limit_per_sender(), rate_limit_per_ip(), RedisCounter(url) if url else MemoryCounter())
