"""Rasa's SQL tracker store, same `events` table, without re-reading every conversation per message.

Configured in endpoints.yml (`type: channels.tracker_store.CachedSQLTrackerStore`, `url: ...`);
a SQLite file or PostgreSQL, exactly as with `type: SQL`.

Rasa's SQLTrackerStore, for every message, reads the conversation's whole latest session back
from the database and parses every event's JSON again (retrieve), then counts those rows again
to know which events are new (save), and does all of it, commit and fsync included, on the
server's event loop, so every other conversation waits meanwhile. This subclass writes the same
rows and returns the same trackers, and:

1. Remembers, per conversation, the events of its latest session exactly as Rasa would read them
   back (parsed from the JSON it stored), with the number of the sender's rows and their highest
   id. Before using them it checks, with one small indexed query, that the database still holds
   exactly those rows; otherwise it reads them from the database as Rasa does. The database stays
   the truth: after a restart, when another server writes to the same database, or when a
   conversation is deleted, the next message reads it again. (Rows are only ever appended, never
   rewritten in place: neither Rasa nor this project updates events.)
2. Does the database work in a worker thread, so the event loop keeps serving other requests.
3. On SQLite, puts the file in write-ahead-log mode: one fsync per commit instead of several,
   and readers never wait for a writer. `synchronous` stays FULL, so as before a reply is sent
   only once its events are on disk. (WAL mode is a property of the file; it needs the
   -wal/-shm files beside it, which SQLite manages.)

Messages for one conversation are handled one at a time (Rasa's lock store), so a conversation
never has two saves in flight; if it had (e.g. through the HTTP API), the check in (1) notices
that the rows differ from what was remembered and reads them again.

Replicas (`make cluster`, endpoints.cluster.yml): several Rasa servers share the database, and
one conversation's messages may reach any of them, one at a time (channels/lock_store.py). Each
retrieve() runs under the conversation's lock and makes the check in (1) first, so a replica
re-reads a conversation another replica wrote to since. A save checks again that the database
still holds exactly the rows the tracker was read from: if another replica wrote in between
(only possible when a lock was lost: Redis restarted, or a replica froze past the lock's
lifetime), the save is refused (TrackerConflict) rather than storing events on top of the
other's, and the channel tells the person to try again. On PostgreSQL, connections are checked
before use (a restarted database costs no failed message) and give up connecting after 2 s.

When the database cannot be reached, the turn fails (the channel says the assistant is having
trouble, channels/dedup.py) instead of going on from an empty tracker: see fail_loudly().

`python -m channels.tracker_store --create-tables URL` creates the events table (scripts/cluster.sh
runs it once, before the replicas start).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from cers.dashboard.summary import begin_when_asked

logger = logging.getLogger(__name__)

T = TypeVar("T")
POSTGRES_CONNECT_TIMEOUT = 2  # seconds (libpq's minimum)


class TrackerConflict(RuntimeError):
    """The conversation's rows changed since its tracker was read: another server wrote to it."""


@dataclass(frozen=True)
class StoredSession:
    """What the database holds for one sender, as far as retrieve() and save() need it."""

    rows: int  # the sender's rows in the events table, all sessions
    last_id: Optional[int]  # the highest of their ids
    session_start: Optional[float]  # the latest SessionStarted timestamp (Rasa's subquery)
    # The latest session's rows, in order: each row's timestamp and its event as Rasa's
    # retrieve() parses it (None if Rasa drops it: an unknown event type).
    session: List[Tuple[Optional[float], Optional[Event]]]

    @property
    def events(self) -> List[Event]:
        return [event for _, event in self.session if event is not None]


def in_session(timestamp: Optional[float], session_start: Optional[float]) -> bool:
    """Rasa's filter for the latest session (in SQL): timestamp >= the latest SessionStarted
    timestamp, or any row when there is no SessionStarted."""
    return session_start is None or (timestamp is not None and timestamp >= session_start)


def parsed(data: Text) -> Optional[Event]:
    """A row's event, as SQLTrackerStore.retrieve() makes it (json, then deserialise_events)."""
    events = deserialise_events([json.loads(data)])
    return events[0] if events else None


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that remembers conversations (checked against the database) and keeps
    database work off the event loop. See the module docstring."""

    engine: sa.engine.Engine  # SQLTrackerStore's, replaced below for SQLite and PostgreSQL

    def __init__(self, *args: Any, cache_size: int = 200, db_threads: Optional[int] = None, **kwargs: Any) -> None:
        """Takes SQLTrackerStore's arguments, and (both optional, in endpoints.yml):

        cache_size: how many conversations to remember, the most recently used (an event takes
            about 2 KB, a 20-message conversation about 200 KB); the others are read from the
            database when they come back.
        db_threads: threads for database work (default 1 for SQLite, 4 for other databases).
        """
        fail_loudly()
        super().__init__(*args, **kwargs)
        self._sessions: "OrderedDict[Text, StoredSession]" = OrderedDict()
        self._cache_size = int(cache_size)
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite and self.engine.url.database not in (None, "", ":memory:"):
            # Keep one open connection per thread instead of opening and closing one per
            # query (SQLAlchemy's default for SQLite files): closing the last connection to a
            # WAL database checkpoints it, an fsync each time.
            url = self.engine.url
            self.engine.dispose()
            # One connection per thread: the store's own threads and, in the Rasa server, the
            # dashboard's (it reads its summary through this engine: channels/extensions.py).
            self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool, pool_size=16)
            begin_when_asked(self.engine)  # the summary's writers begin IMMEDIATE; others as before
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            with self.engine.connect() as connection:
                mode = connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
            logger.debug(f"SQLite tracker store journal mode: {mode}")
        elif self.engine.dialect.name == "postgresql":
            # Check a pooled connection before using it (after a database restart every pooled
            # connection is dead), and give up connecting when the database is down.
            url, options = self.engine.url, create_engine_kwargs(self.engine.url)
            connect_args = dict(options.pop("connect_args", {}), connect_timeout=POSTGRES_CONNECT_TIMEOUT)
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # SQLite takes one writer at a time anyway; PostgreSQL serves several connections.
        self._executor = ThreadPoolExecutor(
            max_workers=int(db_threads or (1 if sqlite else 4)), thread_name_prefix="tracker-store"
        )

    # ---------------------------------------------------------------- helpers
    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _remember(self, sender_id: Text, stored: StoredSession) -> None:
        self._sessions[sender_id] = stored
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self._cache_size:
            self._sessions.popitem(last=False)

    def _rows_and_last_id(self, db: Any, sender_id: Text) -> tuple:
        table = self.SQLEvent
        return tuple(
            db.query(sa.func.count(table.id), sa.func.max(table.id)).filter(table.sender_id == sender_id).one()
        )

    def _read(self, db: Any, sender_id: Text) -> StoredSession:
        """All the sender's rows in one statement (one consistent snapshot), filtered as Rasa does."""
        table = self.SQLEvent
        rows = (
            db.query(table.id, table.type_name, table.timestamp, table.data)
            .filter(table.sender_id == sender_id)
            .order_by(table.id)
            .all()
        )
        starts = [
            row.timestamp for row in rows if row.type_name == SessionStarted.type_name and row.timestamp is not None
        ]
        session_start = max(starts) if starts else None
        session = [(row.timestamp, parsed(row.data)) for row in rows if in_session(row.timestamp, session_start)]
        return StoredSession(len(rows), max((row.id for row in rows), default=None), session_start, session)

    def _current(self, db: Any, sender_id: Text, known: Optional[StoredSession]) -> StoredSession:
        """`known` if the database still holds exactly those rows, else what it holds."""
        if known is not None and self._rows_and_last_id(db, sender_id) == (known.rows, known.last_id):
            return known
        return self._read(db, sender_id)

    # ---------------------------------------------------------------- retrieve
    def _retrieve_sync(self, sender_id: Text, known: Optional[StoredSession]) -> StoredSession:
        with self.session_scope() as db:
            return self._current(db, sender_id, known)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Tracker for the latest conversation session (as SQLTrackerStore.retrieve)."""
        stored = await self._in_thread(self._retrieve_sync, sender_id, self._sessions.get(sender_id))
        self._remember(sender_id, stored)
        if self.domain and stored.events:
            return DialogueStateTracker.from_events(sender_id, stored.events, self.domain.slots)
        return None

    def _retrieve_full_sync(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.session_scope() as db:  # SQLTrackerStore._retrieve, all sessions
            rows = self._event_query(db, sender_id, fetch_events_from_all_sessions=True).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """Tracker with the events of all sessions (rarely used: read from the database)."""
        return await self._in_thread(self._retrieve_full_sync, conversation_id)

    def _keys_sync(self) -> List[Text]:
        with self.session_scope() as db:
            return [sender_id for (sender_id,) in db.query(self.SQLEvent.sender_id).distinct()]

    async def keys(self) -> Iterable[Text]:
        """Sender ids of all conversations."""
        return await self._in_thread(self._keys_sync)

    # ---------------------------------------------------------------- save
    def _save_sync(self, tracker: DialogueStateTracker, known: Optional[StoredSession]) -> StoredSession:
        sender_id = tracker.sender_id
        with self.session_scope() as db:
            if known is None:
                stored = self._read(db, sender_id)
            elif self._rows_and_last_id(db, sender_id) == (known.rows, known.last_id):
                stored = known  # one look at the rows: they are as read (else another server wrote)
            else:
                raise TrackerConflict(f"conversation '{sender_id}' changed since it was read: not saved")
            # As SQLTrackerStore: the tracker's events past the latest stored session's rows.
            rows = []
            for event in list(tracker.events)[len(stored.session) :]:
                data = event.as_dict()
                row = self.SQLEvent(
                    sender_id=sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
                db.add(row)
                rows.append(row)
            db.flush()  # gives the rows their ids
            new_rows = [(row.id, row.type_name, row.timestamp, row.data) for row in rows]
            db.commit()
        if not new_rows:
            return stored
        # What reading the rows back would give, without reading them: Rasa's session filter
        # over the rows known plus the new ones, the new ones parsed from the JSON just stored.
        starts = [stored.session_start] + [
            timestamp for (_, type_name, timestamp, _) in new_rows if type_name == SessionStarted.type_name
        ]
        session_start = max((start for start in starts if start is not None), default=None)
        session = [
            (timestamp, event) for (timestamp, event) in stored.session if in_session(timestamp, session_start)
        ]  # all of them unless a new session began
        session += [
            (timestamp, parsed(data)) for (_, _, timestamp, data) in new_rows if in_session(timestamp, session_start)
        ]
        last_id = max(row_id for (row_id, *_) in new_rows)  # ids only grow
        if stored.last_id is not None:
            last_id = max(last_id, stored.last_id)
        return StoredSession(stored.rows + len(new_rows), last_id, session_start, session)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the tracker's new events (as SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        try:
            stored = await self._in_thread(self._save_sync, tracker, self._sessions.get(sender_id))
        except BaseException:
            self._sessions.pop(sender_id, None)  # unknown state: read it again next time
            raise
        self._remember(sender_id, stored)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")


PATCHED_RASA_VERSION = "3.6.21"


def _raise(error: Exception) -> None:
    raise error


def fail_loudly() -> None:
    """Database errors of this store reach the channel instead of an empty in-memory tracker.

    Rasa 3.6's Agent wraps every tracker store in a FailSafeTrackerStore which, when the
    database fails, retrieves an empty tracker and saves the turn to memory only: the person
    gets an answer out of context, and the message never reaches the database (in a cluster,
    never reaches the other replicas). The wrapper has a hook for this, on_tracker_store_error,
    which Rasa's Agent never sets: for this store it is set to re-raise. Rasa 3.6.21 only (the
    hook and Agent._create_tracker_store may change); applied once, when the store is created.
    """
    import rasa
    from rasa.core.agent import Agent

    original = Agent._create_tracker_store
    if getattr(original, "cers_fails_loudly", False):
        return
    if rasa.__version__ != PATCHED_RASA_VERSION:
        logger.warning(
            f"Rasa {rasa.__version__}, not {PATCHED_RASA_VERSION}: tracker store errors fall back "
            f"to Rasa's in-memory tracker store (channels/tracker_store.py, fail_loudly)"
        )
        return

    def create_tracker_store(store: Any, domain: Any) -> Any:
        wrapped = original(store, domain)
        if isinstance(store, CachedSQLTrackerStore) and isinstance(wrapped, FailSafeTrackerStore):
            wrapped._on_tracker_store_error = _raise
        return wrapped

    create_tracker_store.cers_fails_loudly = True  # type: ignore[attr-defined]
    create_tracker_store.original = original  # type: ignore[attr-defined]  # to undo: put it back
    Agent._create_tracker_store = staticmethod(create_tracker_store)


def create_tables(url: Text) -> None:
    """Creates the events table (and its index) when missing, as SQLTrackerStore does at start-up."""
    engine = sa.create_engine(url)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def main(argv: Optional[List[Text]] = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m channels.tracker_store", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--create-tables",
        metavar="URL",
        required=True,
        help="the tracker store's database (SQLAlchemy URL): create its table when missing",
    )
    args = parser.parse_args(argv)
    create_tables(args.create_tables)
    print(f"tracker store table ready in {sa.engine.make_url(args.create_tables).render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main()
