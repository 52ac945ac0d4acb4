"""A Redis lock store for Rasa replicas without the open-source RedisLockStore's race: tickets are issued and served by atomic Redis scripts.

Named in endpoints.cluster.yml (`lock_store: type: channels.lock_store.RedisTicketLockStore`).
Rasa takes a conversation's lock around every message (`async with lock_store.lock(sender_id)`),
so one conversation's messages are handled one at a time, in the order their tickets were
issued, whichever replica received them.

Why not Rasa's RedisLockStore: it reads the whole lock (a JSON list of tickets), changes it in
Python and writes it back. Two replicas doing that at once overwrite each other's tickets, and
two messages of one conversation run at the same time (rasa #9213, the fixes in #11256 and
#11428; the fixed store is not open source). It also calls Redis synchronously, on the event
loop, and a ticket's lifetime counts from when it was issued, so a message that waited behind a
slow one can find its own ticket expired.

Here, per conversation, Redis holds a counter (INCR: every ticket gets a new number, atomically),
a sorted set of the waiting tickets by number, and each ticket's expiry time (Redis's clock).
Every step is one Lua script, atomic in Redis:

- issue: INCR, add the ticket, set its expiry to now + lifetime;
- try: drop expired tickets ahead of ours; ours is served when it is first. A waiting ticket's
  expiry is pushed back at every try, and the served ticket's every lifetime/3 by a heartbeat,
  so only a replica that stopped (killed, frozen) lets its tickets expire, after at most
  TICKET_LOCK_LIFETIME seconds (60 by default, 5 in the cluster): then the next one is served;
- release: remove the ticket (and the conversation's keys when nobody waits).

A ticket is a random token with its number as the sort key, so a replica never releases another
one's ticket, even after Redis lost its data (a restart) and numbers start again from 1.

The lock is reentrant within one task (channels/dedup.py takes it to look for a retried message
in the tracker, then lets Rasa handle the message, which takes it again). Redis calls are
asynchronous with short timeouts: when Redis is down, taking a lock fails within about a second
(the channel then says the bot is having trouble) instead of blocking the server.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, FrozenSet, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as aioredis

from cers.settings import redis_url, ticket_lock_lifetime

logger = logging.getLogger(__name__)

KEY_PREFIX = "cers:lock:"
# (conversation, task) of the locks the current task holds: the lock is reentrant within the task
# that took it, not in tasks it starts (they copy its context, and must wait like anyone else).
_held: contextvars.ContextVar[FrozenSet[Tuple[Text, Any]]] = contextvars.ContextVar(
    "cers_locks_held", default=frozenset()
)

# Redis's clock, in milliseconds, so that replicas' clocks do not matter.
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: counter, queue (token by number), expiries (token -> ms); ARGV: token, lifetime ms, keys' TTL ms.
ISSUE = (
    _NOW
    + """
local number = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], number, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return number
"""
)

# KEYS: queue, expiries; ARGV: token, lifetime ms, keys' TTL ms.
# 1: served (expiry pushed back); 0: waiting behind a live ticket (expiry pushed back);
# -1: this ticket is gone (it expired, or Redis lost it).
TRY = (
    _NOW
    + """
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine <= now or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return -1
end
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ARGV[1] then return 1 end
  local expires = tonumber(redis.call('HGET', KEYS[2], head) or '0')
  if expires > now then return 0 end
  redis.call('ZREM', KEYS[1], head)
  redis.call('HDEL', KEYS[2], head)
end
"""
)

# KEYS: queue, expiries; ARGV: token.
RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
"""


LOCK_WAIT_WARNING = 2.0  # seconds a message waits for its conversation's lock before a warning is logged


class RedisTicketLockStore(LockStore):
    """Ticket locks in Redis, issued and served atomically (see the module docstring)."""

    reentrant = True  # channels/dedup.py relies on it

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        *,
        url: Optional[Text] = None,
        lock_lifetime: Optional[float] = None,
        socket_timeout: float = 1.0,
        max_wait: Optional[float] = None,
        **_: Any,
    ) -> None:
        """url: the Redis (endpoints' `url`, else REDIS_URL); lock_lifetime: seconds (else
        TICKET_LOCK_LIFETIME); max_wait: how long a message may wait for its turn before it fails
        (default: ten lifetimes, at least a minute)."""
        config = endpoint_config.kwargs if endpoint_config else {}
        self.url = url or (endpoint_config.url if endpoint_config else None) or redis_url()
        if not self.url:
            raise ValueError("RedisTicketLockStore needs a Redis: set REDIS_URL (or `url:` in the endpoints file)")
        self.lifetime = float(lock_lifetime or config.get("lock_lifetime") or ticket_lock_lifetime())
        self.max_wait = float(max_wait or config.get("max_wait") or max(60.0, 10 * self.lifetime))
        timeout = float(config.get("socket_timeout") or socket_timeout)
        self.redis = aioredis.Redis.from_url(
            self.url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self._issue = self.redis.register_script(ISSUE)
        self._try = self.redis.register_script(TRY)
        self._release = self.redis.register_script(RELEASE)
        super().__init__()

    # Rasa's synchronous ticket API (get_lock/save_lock/...) is what races: it is not used.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("RedisTicketLockStore only takes locks through `async with lock()`")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("RedisTicketLockStore only takes locks through `async with lock()`")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("RedisTicketLockStore only takes locks through `async with lock()`")

    def _keys(self, conversation_id: Text) -> tuple:
        base = KEY_PREFIX + conversation_id
        return base + ":next", base + ":queue", base + ":expires"

    def _ms(self, seconds: float) -> int:
        return max(1, int(seconds * 1000))

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: Optional[float] = None, wait_time_in_seconds: float = 0.05
    ) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for the `async with` block; reentrant within a task.

        Raises LockError when Redis cannot be reached, when this message's ticket expired, or
        after waiting `max_wait` seconds."""
        held, mine = _held.get(), (conversation_id, asyncio.current_task())
        if mine in held:
            yield TicketLock(conversation_id)
            return
        lifetime = self.lifetime  # one lifetime for every ticket: Rasa's per-call default is ignored
        counter, queue, expires = self._keys(conversation_id)
        token = uuid.uuid4().hex
        ttl = self._ms(max(60.0, 3 * lifetime))
        try:
            number = await self._issue(keys=[counter, queue, expires], args=[token, self._ms(lifetime), ttl])
        except Exception as error:  # Redis down or unreachable
            raise LockError(f"Could not issue a ticket for conversation '{conversation_id}': {error}") from error
        heartbeat = None
        try:
            await self._wait_for_turn(conversation_id, token, number, lifetime, ttl, wait_time_in_seconds)
            heartbeat = asyncio.create_task(self._heartbeat(conversation_id, token, lifetime, ttl))
            reset = _held.set(held | {mine})
            try:
                yield TicketLock(conversation_id)
            finally:
                _held.reset(reset)
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
            try:
                await self._release(keys=[queue, expires], args=[token])
            except Exception as error:  # the ticket expires by itself
                logger.warning(f"Could not release the lock of conversation '{conversation_id}': {error}")

    async def _wait_for_turn(
        self, conversation_id: Text, token: Text, number: int, lifetime: float, ttl: int, poll: float
    ) -> None:
        _, queue, expires = self._keys(conversation_id)
        started = time.monotonic()
        poll = max(0.01, min(poll, 0.05))
        while True:
            try:
                state = await self._try(keys=[queue, expires], args=[token, self._ms(lifetime), ttl])
            except Exception as error:
                raise LockError(f"Could not take the lock of conversation '{conversation_id}': {error}") from error
            if state == 1:
                waited = time.monotonic() - started
                if waited > 0.5:
                    # Over LOCK_WAIT_WARNING (a replica died holding the lock, or messages pile up) it is
                    # worth an alert: docs/deploy.md, "What to monitor".
                    (logger.warning if waited > LOCK_WAIT_WARNING else logger.debug)(
                        f"lock wait: ticket {number} of conversation '{conversation_id}' served after {waited:.1f} s"
                    )
                return
            if state == -1:
                raise LockError(f"Ticket {number} of conversation '{conversation_id}' expired while waiting")
            if time.monotonic() - started > self.max_wait:
                raise LockError(
                    f"Ticket {number} of conversation '{conversation_id}' waited more than {self.max_wait:g} s"
                )
            await asyncio.sleep(poll)
            poll = min(poll * 1.5, 0.25)

    async def _heartbeat(self, conversation_id: Text, token: Text, lifetime: float, ttl: int) -> None:
        """Pushes the served ticket's expiry back while its message is being handled."""
        _, queue, expires = self._keys(conversation_id)
        while True:
            await asyncio.sleep(max(0.2, lifetime / 3))
            try:
                state = await self._try(keys=[queue, expires], args=[token, self._ms(lifetime), ttl])
            except Exception as error:
                logger.warning(f"Could not renew the lock of conversation '{conversation_id}': {error}")
                continue
            if state != 1:
                # Redis lost it (a restart) or this replica stalled past the lifetime. The tracker
                # store refuses to save over another replica's events (channels/tracker_store.py).
                logger.error(f"The lock of conversation '{conversation_id}' was lost while in use")
                return
