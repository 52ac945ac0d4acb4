"""Limits on public status checks that hold across conversations: failed CERS ID + ZIP pairs counted per CERS ID and per client, and the locks they cause."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import List, Optional, Protocol

from sqlalchemy import Column, DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.engine import Engine

from cers.facilities.store import Base, aware_utc, naive_utc
from cers.settings import whole_number_setting

logger = logging.getLogger(__name__)

CERS_ID = "cers_id"
CLIENT = "client"


@dataclass(frozen=True)
class Limits:
    """Failures allowed within `window` before a lock of `lock` (0 turns a limit off)."""

    per_cers_id: int = 10
    per_client: int = 20
    window: dt.timedelta = dt.timedelta(hours=1)
    lock: dt.timedelta = dt.timedelta(hours=1)


def limits_from_settings() -> Limits:
    """VERIFY_LIMIT_PER_CERS_ID (10), VERIFY_LIMIT_PER_CLIENT (20), VERIFY_WINDOW_MINUTES (60), VERIFY_LOCK_MINUTES (60)."""

    return Limits(
        whole_number_setting("VERIFY_LIMIT_PER_CERS_ID", 10),
        whole_number_setting("VERIFY_LIMIT_PER_CLIENT", 20),
        dt.timedelta(minutes=max(whole_number_setting("VERIFY_WINDOW_MINUTES", 60), 1)),
        dt.timedelta(minutes=max(whole_number_setting("VERIFY_LOCK_MINUTES", 60), 1)),
    )


@dataclass(frozen=True)
class Lock:
    kind: str  # CERS_ID or CLIENT
    key: str  # the CERS ID, or the client's fingerprint (never the IP or phone itself)
    until: dt.datetime  # UTC
    failures: int = 0


def client_key(client: str) -> str:
    """A client (IP address or phone number) as stored: a fingerprint, so the table holds no phone numbers."""
    return hashlib.sha256(client.strip().lower().encode("utf-8")).hexdigest()[:32]


class Ledger(Protocol):
    """Where failures and locks are kept: the database, or Redis when replicas share one."""

    def record_failure(self, cers_id: str, client: str, now: dt.datetime) -> List[Lock]: ...
    def lock_on(self, kind: str, key: str, now: dt.datetime) -> Optional[Lock]: ...
    def unlock(self, kind: str, key: str) -> bool: ...


class FailedCheck(Base):
    """One failed public check (a wrong pair or an unknown CERS ID), under each key it counts for."""

    __tablename__ = "verification_failures"
    id = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(10), nullable=False)
    key = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_verification_failures_key_at", "kind", "key", "at"),)


class CheckLock(Base):
    """A CERS ID or client that may not be checked until `until`."""

    __tablename__ = "verification_locks"
    kind = Column(String(10), primary_key=True)
    key = Column(String(64), primary_key=True)
    until = Column(DateTime, nullable=False)
    failures = Column(Integer, nullable=False)


class SqlLedger:
    """Failures and locks in the facility database (its migrations create the two tables)."""

    def __init__(self, engine: Engine, limits: Limits):
        self.engine = engine
        self.limits = limits

    def record_failure(self, cers_id: str, client: str, now: dt.datetime) -> List[Lock]:
        moment = naive_utc(now)
        since = moment - self.limits.window
        locks = []
        with self.engine.begin() as conn:
            conn.execute(delete(FailedCheck).where(FailedCheck.at < moment - self.limits.window * 24))
            for kind, key, limit in (
                (CERS_ID, cers_id, self.limits.per_cers_id),
                (CLIENT, client_key(client), self.limits.per_client),
            ):
                if not limit:
                    continue
                conn.execute(FailedCheck.__table__.insert().values(kind=kind, key=key, at=moment))
                count = conn.execute(
                    select(func.count())
                    .select_from(FailedCheck)
                    .where(FailedCheck.kind == kind, FailedCheck.key == key, FailedCheck.at > since)
                ).scalar_one()
                if count >= limit and self._locked_until(conn, kind, key, moment) is None:
                    until = moment + self.limits.lock
                    conn.execute(delete(CheckLock).where(CheckLock.kind == kind, CheckLock.key == key))
                    conn.execute(CheckLock.__table__.insert().values(kind=kind, key=key, until=until, failures=count))
                    locks.append(Lock(kind, key, aware_utc(until), count))
        return locks

    @staticmethod
    def _locked_until(conn, kind: str, key: str, moment: dt.datetime) -> Optional[dt.datetime]:
        until = conn.execute(select(CheckLock.until).where(CheckLock.kind == kind, CheckLock.key == key)).scalar()
        return until if until is not None and until > moment else None

    def lock_on(self, kind: str, key: str, now: dt.datetime) -> Optional[Lock]:
        key = client_key(key) if kind == CLIENT else key
        with self.engine.connect() as conn:
            row = conn.execute(
                select(CheckLock.until, CheckLock.failures).where(CheckLock.kind == kind, CheckLock.key == key)
            ).first()
        if row is None or row.until <= naive_utc(now):
            return None
        return Lock(kind, key, aware_utc(row.until), row.failures)

    def unlock(self, kind: str, key: str) -> bool:
        key = client_key(key) if kind == CLIENT else key
        with self.engine.begin() as conn:
            conn.execute(delete(FailedCheck).where(FailedCheck.kind == kind, FailedCheck.key == key))
            return conn.execute(delete(CheckLock).where(CheckLock.kind == kind, CheckLock.key == key)).rowcount > 0


class RedisLedger:
    """Failures and locks in Redis (REDIS_URL), shared by every replica: a sorted set of failure
    times per key, and a lock key that expires by itself."""

    PREFIX = "cers:verify"

    def __init__(self, url: str, limits: Limits):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.limits = limits

    def _keys(self, kind: str, key: str):
        return f"{self.PREFIX}:failures:{kind}:{key}", f"{self.PREFIX}:lock:{kind}:{key}"

    def record_failure(self, cers_id: str, client: str, now: dt.datetime) -> List[Lock]:
        stamp = now.timestamp()
        window = self.limits.window.total_seconds()
        locks = []
        for kind, key, limit in (
            (CERS_ID, cers_id, self.limits.per_cers_id),
            (CLIENT, client_key(client), self.limits.per_client),
        ):
            if not limit:
                continue
            failures, lock = self._keys(kind, key)
            pipe = self.redis.pipeline()
            pipe.zadd(failures, {f"{stamp}:{id(pipe)}": stamp})
            pipe.zremrangebyscore(failures, "-inf", stamp - window)
            pipe.zcard(failures)
            pipe.expire(failures, int(window) + 60)
            count = pipe.execute()[2]
            if count >= limit:
                until = now + self.limits.lock
                # SET NX: only the failure that crosses the limit makes the lock (and its notice).
                if self.redis.set(
                    lock, f"{until.timestamp()}:{count}", nx=True, ex=int(self.limits.lock.total_seconds())
                ):
                    locks.append(Lock(kind, key, until.astimezone(dt.timezone.utc), count))
        return locks

    def lock_on(self, kind: str, key: str, now: dt.datetime) -> Optional[Lock]:
        key = client_key(key) if kind == CLIENT else key
        value = self.redis.get(self._keys(kind, key)[1])
        if not value:
            return None
        until, failures = value.decode().split(":")
        moment = dt.datetime.fromtimestamp(float(until), dt.timezone.utc)
        return Lock(kind, key, moment, int(failures)) if moment > now else None

    def unlock(self, kind: str, key: str) -> bool:
        key = client_key(key) if kind == CLIENT else key
        return bool(self.redis.delete(*self._keys(kind, key)) > 0)


class Verification:
    """The questions a public status check asks of the ledger."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def refused(self, cers_id: str, client: str, now: Optional[dt.datetime] = None) -> Optional[Lock]:
        """The lock that stops this check (the client's first), or None."""
        now = now or dt.datetime.now(dt.timezone.utc)
        return self.ledger.lock_on(CLIENT, client, now) or self.ledger.lock_on(CERS_ID, cers_id, now)

    def failed(self, cers_id: str, client: str, now: Optional[dt.datetime] = None) -> List[Lock]:
        """Count a failed pair; the locks it causes, each logged (the caller tells the office)."""
        locks = self.ledger.record_failure(cers_id, client, now or dt.datetime.now(dt.timezone.utc))
        for lock in locks:
            logger.warning(
                "status checks locked: %s %s until %s UTC after %d failed tries",
                lock.kind,
                lock.key,
                lock.until.strftime("%Y-%m-%d %H:%M"),
                lock.failures,
            )
        return locks

    def lock_of(self, cers_id: str, now: Optional[dt.datetime] = None) -> Optional[Lock]:
        return self.ledger.lock_on(CERS_ID, cers_id, now or dt.datetime.now(dt.timezone.utc))

    def unlock(self, cers_id: str) -> bool:
        return self.ledger.unlock(CERS_ID, cers_id)
