"""The dashboard's figures: summary tables derived from the tracker store's `events` (rebuildable at any time), and the queries over them.

Rasa's SQL tracker store keeps every event of every conversation in one table, `events`
(TRACKER_STORE_URL). Counting over it for each page would read gigabytes of JSON, so this module
keeps small tables beside it, in the same database, derived from those events alone:

  dashboard_conversations   one row per conversation (a Rasa session of one sender): when it
                            started (office time: day, hour, inside or outside office hours),
                            its channel, how many messages, how it ended (outcome)
  dashboard_topics          per conversation, how many messages had each intent
  dashboard_unsure          the id of each message the bot was unsure about (its text and
                            guesses stay in `events` and are read from there)
  dashboard_status_checks   the outcome of each public facility-status check
  dashboard_meta            the last event folded in (cursor), the summary's version and the
                            office hours it was computed with, and a generation (new at each rebuild)
  dashboard_day_versions    per office day, a number that goes up whenever a row of that day is
                            written or deleted: each server keeps the figures of every day it has
                            read, and reads a day again only when its number changed (a year's
                            page then costs a look at 365 numbers and today's rows)

They are never edited by hand: refresh() folds in the events written since the last refresh
(each sender with new events is summarised again from all its events, so a refresh is
idempotent), and a change of SUMMARY_VERSION or of the office's hours rebuilds them from
scratch (`python -m cers.dashboard.summary --rebuild` does it on demand). Deleting them loses
nothing. Retention (retention.py) deletes old events and their summary rows together.

Definitions (the dashboard says them too):
- A conversation is one Rasa session (a new one starts after 60 idle minutes, domain.yml) with
  at least one message from the person; its day and hour are those of its first message, in
  the office's time zone.
- Unanswered: the person's last message was not understood (nlu_fallback: the bot offered "Did
  you mean" or said it did not understand) or was "Something else" after "Did you mean"
  (none_of_these: the bot gave the office's phone), and they wrote nothing after it.
- Asked for a person: not unanswered, not handed off, and the person asked for a human at some
  point (the bot offered a chat with staff or a callback request).
- Handed off: the person said yes to a chat with staff (action_start_handoff ran, HANDOFF_ACTIONS;
  the handoffs themselves, with who answered and when, are in queue.py).
- Finished by the bot: every other conversation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cers.conversation.channels import display_name, is_staff_channel
from cers.conversation.events import ACTION, BOT, SESSION_STARTED, SLOT, USER, StoredEvent
from cers.conversation.names import (
    ASK_FOR_PERSON_INTENT,
    BLOCKED,
    ENGLISH,
    LOCKED,
    MAX_STATUS_FAILURES,
    NOT_FOUND,
    SESSION_START_ACTION,
    SHOWN,
    SLOT_STATUS_FAILURES,
    START_HANDOFF_ACTION,
    STATUS_ACTION,
    STATUS_OUTCOME,
    UNANSWERED_INTENTS,
    UNAVAILABLE,
    UNSURE_INTENT,
)
from cers.settings import OfficeHours

logger = logging.getLogger(__name__)

SUMMARY_VERSION = "4"  # bump when what is summarised changes: the tables are rebuilt

# What the bot writes: the conversation's vocabulary (cers/conversation/).
HANDOFF_ACTIONS: frozenset = frozenset({START_HANDOFF_ACTION})

OUTCOMES = (  # key, label
    ("bot", "Finished by the bot"),
    ("asked_for_person", "Asked for a person (given the office's phone)"),
    ("handed_off", "Handed off to staff"),
    ("unanswered", "Left unanswered"),
)
# The dashboard's own outcomes of a status check, read from the failure count beside what the
# action recorded (SHOWN, NOT_FOUND, LOCKED, BLOCKED, UNAVAILABLE in the vocabulary).
NOT_AN_ID, LOCKED_OUT, REFUSED_LOCKED = "not_an_id", "locked_out", "refused_locked"
STATUS_OUTCOMES = (
    (SHOWN, "Status shown"),
    (NOT_FOUND, "Wrong pair or unknown ID"),
    (LOCKED, "Refused: that CERS ID or client is locked"),
    (NOT_AN_ID, "Not a CERS ID or ZIP code"),
    (LOCKED_OUT, "Locked out (third failed try)"),
    (REFUSED_LOCKED, "Asked again after a lock-out"),
    (UNAVAILABLE, "Records unavailable (database down)"),
)
BATCH_EVENTS = 5000  # new events read per refresh step
SENDERS_PER_QUERY = 200
# PostgreSQL hands out ids before commit: an event with a lower id can become visible after a
# higher one. Each refresh looks this many ids back, so such late events are still summarised.
POSTGRES_LOOKBACK_IDS = 2000

metadata = sa.MetaData()

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), read only: never created here.
events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

meta_table = sa.Table(
    "dashboard_meta",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
conversations = sa.Table(
    "dashboard_conversations",
    metadata,
    sa.Column("first_event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_event_id", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("hour", sa.Integer, nullable=False),
    sa.Column("outside_hours", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("user_messages", sa.Integer, nullable=False),
    sa.Column("unsure_messages", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    # The conversation's language at its end ("en", "es"): the last one its messages made clear.
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    sa.Index("ix_dashboard_conversations_day_channel", "day", "channel", "user_messages"),
    sa.Index("ix_dashboard_conversations_day_hour", "day", "hour", "outside_hours", "user_messages"),
    sa.Index("ix_dashboard_conversations_day_outcome", "day", "outcome", "user_messages"),
    sa.Index("ix_dashboard_conversations_sender", "sender_id"),
    sa.Index("ix_dashboard_conversations_ended_at", "ended_at"),
)
topics = sa.Table(
    "dashboard_topics",
    metadata,
    sa.Column("conversation", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("intent", sa.String(255), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("messages", sa.Integer, nullable=False),
    sa.Index("ix_dashboard_topics_day_intent", "day", "intent", "messages"),
    sa.Index("ix_dashboard_topics_sender", "sender_id"),
)
unsure = sa.Table(
    "dashboard_unsure",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("conversation", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    sa.Index("ix_dashboard_unsure_day_event", "day", "event_id"),
    sa.Index("ix_dashboard_unsure_sender", "sender_id"),
)
status_checks = sa.Table(
    "dashboard_status_checks",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("conversation", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Index("ix_dashboard_status_checks_day_outcome", "day", "outcome"),
    sa.Index("ix_dashboard_status_checks_sender", "sender_id"),
)
CHILD_TABLES = (topics, unsure, status_checks)
day_versions = sa.Table(
    "dashboard_day_versions",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
DAY_TABLES = (conversations, *CHILD_TABLES)  # the tables whose rows have a day
MAX_CACHED_DAYS = 2000


# ---------------------------------------------------------------- summarising one sender

Row = Tuple[int, str, Optional[float], Optional[str], Optional[str], Optional[str]]


@dataclass
class Conversation:
    """What the dashboard keeps of one conversation (a session of one sender)."""

    sender_id: str
    first_event_id: int
    last_event_id: int = 0
    started_at: Optional[float] = None  # the first message from the person
    ended_at: float = 0.0
    channel: str = ""
    user_messages: int = 0
    unsure_messages: int = 0
    last_intent: Optional[str] = None
    asked_for_person: bool = False
    handed_off: bool = False
    intents: Dict[str, int] = field(default_factory=dict)
    unsure_events: List[Tuple[int, float]] = field(default_factory=list)
    status_checks: List[Tuple[int, float, str]] = field(default_factory=list)
    language: str = ENGLISH
    unsure_languages: List[str] = field(default_factory=list)  # the language of each unsure message

    @property
    def outcome(self) -> str:
        if self.handed_off:
            return "handed_off"
        if self.last_intent in UNANSWERED_INTENTS:
            return "unanswered"
        if self.asked_for_person:
            return "asked_for_person"
        return "bot"


def status_outcome(failures: Optional[float], bots: Sequence[StoredEvent]) -> Optional[str]:
    """The outcome of one run of action_facility_status (public channels), from what it wrote; None for a prompt.

    A wrong CERS ID / ZIP pair and an unknown CERS ID get the same reply and the same events by
    design (nobody can probe which IDs exist), so they are one outcome here too."""
    recorded = next((str(bot.metadata[STATUS_OUTCOME]) for bot in bots if bot.metadata.get(STATUS_OUTCOME)), None)
    locked_out = failures is not None and failures >= MAX_STATUS_FAILURES
    if recorded == BLOCKED:
        return LOCKED_OUT if failures is not None else REFUSED_LOCKED
    if recorded in (NOT_FOUND, LOCKED):
        return LOCKED_OUT if locked_out else recorded
    if recorded in (SHOWN, UNAVAILABLE):
        return recorded
    if failures is not None:
        # A failed try the action did not mark (a malformed ID or ZIP, asked again).
        return LOCKED_OUT if locked_out else NOT_AN_ID
    return None


def summarise(sender_id: str, rows: Iterable[Row]) -> List[Conversation]:
    """The conversations of one sender, from all its events (id, type_name, timestamp, intent_name, action_name, data) in id order.

    action_session_start (or a session_started without it) begins a new conversation; events
    before the first one form one too.
    `data` is needed only for user events, bot events and status_failures slot events."""
    result: List[Conversation] = []
    current: Optional[Conversation] = None
    status: Optional[Tuple[int, float]] = None  # the status action being read: (event id, time)
    failures: Optional[float] = None
    bots: List[StoredEvent] = []

    def close_status() -> None:
        nonlocal status, failures, bots
        if status is not None and current is not None and not is_staff_channel(current.channel):
            outcome = status_outcome(failures, bots)
            if outcome:
                current.status_checks.append((status[0], status[1], outcome))
        status, failures, bots = None, None, []

    just_started = False  # the last event was action_session_start: its session_started follows
    for event_id, type_name, timestamp, intent, name, data in rows:
        event = StoredEvent.from_row(type_name, timestamp, intent, name, data)
        if event.kind in (USER, ACTION, SESSION_STARTED):
            close_status()
        session_start = event.kind == ACTION and event.name == SESSION_START_ACTION
        if current is None or session_start or (event.kind == SESSION_STARTED and not just_started):
            current = Conversation(sender_id, event_id)
            result.append(current)
        just_started = session_start
        current.last_event_id = event_id
        current.ended_at = max(current.ended_at, event.timestamp)
        if event.kind == USER:
            if current.started_at is None:
                current.started_at = event.timestamp
                current.channel = event.input_channel
            current.user_messages += 1
            current.language = event.language or current.language
            current.last_intent = event.intent
            if event.intent:
                current.intents[event.intent] = current.intents.get(event.intent, 0) + 1
            if event.intent == UNSURE_INTENT:
                current.unsure_messages += 1
                current.unsure_events.append((event_id, event.timestamp))
                current.unsure_languages.append(current.language)
            if event.intent == ASK_FOR_PERSON_INTENT:
                current.asked_for_person = True
        elif event.kind == ACTION:
            if event.name == STATUS_ACTION:
                status = (event_id, event.timestamp)
            if event.name in HANDOFF_ACTIONS:
                current.handed_off = True
        elif status is not None and event.kind == SLOT and event.name == SLOT_STATUS_FAILURES:
            try:
                failures = float(event.value or 0)
            except (TypeError, ValueError):
                failures = None
        elif status is not None and event.kind == BOT:
            bots.append(event)
    close_status()
    return result


# ---------------------------------------------------------------- the store of summaries


def hours_fingerprint(hours: OfficeHours) -> str:
    described = json.dumps(
        [
            hours.time_zone,
            sorted((day, [[str(a), str(b)] for a, b in periods]) for day, periods in hours.weekly.items()),
            sorted(str(day) for day in hours.closed_dates),
        ]
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Progress:
    """How far the summary is: the last event folded in, and the last event stored."""

    cursor: int
    last_event_id: int

    @property
    def caught_up(self) -> bool:
        return self.cursor >= self.last_event_id


@dataclass
class Figures:
    """Everything the dashboard's charts show, for a range of days (office time)."""

    start: dt.date
    end: dt.date
    conversations: int = 0
    messages: int = 0
    channels: List[str] = field(default_factory=list)
    per_day: List[Tuple[str, List[int], int]] = field(default_factory=list)  # day, per channel, total
    per_channel: List[Tuple[str, int]] = field(default_factory=list)
    per_hour: List[Tuple[int, int, int]] = field(default_factory=list)  # hour, conversations, outside hours
    outside_hours: int = 0
    hours_listed: bool = False
    outcomes: List[Tuple[str, str, int]] = field(default_factory=list)
    topics: List[Tuple[str, str, int, int]] = field(default_factory=list)  # intent, title, messages, conversations
    status: List[Tuple[str, str, int]] = field(default_factory=list)
    unsure: int = 0
    # language, conversations, messages the bot was unsure about: most conversations first
    per_language: List[Tuple[str, int, int]] = field(default_factory=list)

    def share(self, count: int) -> str:
        return f"{100.0 * count / self.conversations:.0f}%" if self.conversations else "–"


@dataclass
class DayFigures:
    """One office day's counts, as figures() adds them up over a range."""

    channels: Dict[str, Tuple[int, int]] = field(default_factory=dict)  # channel -> conversations, messages
    hours: Dict[int, Tuple[int, int]] = field(default_factory=dict)  # hour -> conversations, outside hours
    outcomes: Dict[str, int] = field(default_factory=dict)
    topics: Dict[str, Tuple[int, int]] = field(default_factory=dict)  # intent -> messages, conversations
    status: Dict[str, int] = field(default_factory=dict)
    unsure: int = 0
    languages: Dict[str, Tuple[int, int]] = field(default_factory=dict)  # language -> conversations, unsure


@dataclass(frozen=True)
class UnsureMessage:
    event_id: int
    time: dt.datetime  # office time
    channel: str
    text: str  # as stored: mask it before showing it (masking.mask)
    guesses: Tuple[Tuple[str, float], ...]  # (intent, confidence), best first, nlu_fallback left out
    language: str = ENGLISH  # the conversation's language when it was sent


def channel_name(channel: str) -> str:
    return display_name(channel)


class SummaryStore:
    """The summary tables in the tracker store's database: refresh() folds new events in, the rest reads."""

    def __init__(self, url: str, hours: OfficeHours, *, engine: Optional[Engine] = None):
        self.url = url
        self.hours = hours
        self.zone = ZoneInfo(hours.time_zone)
        self.engine = engine or make_engine(url)
        self.backend = self.engine.dialect.name
        self._lock = threading.Lock()
        self._ready = False
        # day -> ((generation, version), DayFigures): figures() reads a day again when its key changed.
        self._days: Dict[str, Tuple[Tuple[str, int], DayFigures]] = {}

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ schema

    def has_events(self, connection: Connection) -> bool:
        return sa.inspect(connection).has_table("events")

    def ensure_tables(self) -> None:
        """Creates the summary tables, or rebuilds them when their version or the office hours changed."""
        if self._ready:
            return
        with self._write() as connection:
            metadata.create_all(connection, checkfirst=True)
            wanted = {"version": SUMMARY_VERSION, "hours": hours_fingerprint(self.hours)}
            found = dict(connection.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
            if any(found.get(key) != value for key, value in wanted.items()):
                if found:
                    logger.info("dashboard summary: version or office hours changed, rebuilding from the events")
                if found.get("version") != SUMMARY_VERSION:
                    # What is kept may have new columns: the summary tables are made again (they
                    # hold nothing the events do not).
                    for table in (*DAY_TABLES, day_versions):
                        table.drop(connection, checkfirst=True)
                    metadata.create_all(connection, checkfirst=True)
                self._clear(connection)
                for key, value in {**wanted, "cursor": "0"}.items():
                    self._set_meta(connection, key, value)
        self._ready = True

    def rebuild(self) -> None:
        """Empties the summary tables: the next refresh() builds them again from all the events."""
        self.ensure_tables()
        with self._write() as connection:
            self._clear(connection)
            self._set_meta(connection, "cursor", "0")

    def _clear(self, connection: Connection) -> None:
        for table in (*DAY_TABLES, day_versions):
            connection.execute(table.delete())
        # Days numbered from scratch again: a new generation, so no server mistakes them for old ones.
        self._set_meta(connection, "generation", uuid.uuid4().hex)

    @staticmethod
    def _days_of(connection: Connection, senders: Sequence[str]) -> set:
        """The days of every summary row of these senders."""
        queries = [sa.select(table.c.day).where(table.c.sender_id.in_(list(senders))) for table in DAY_TABLES]
        return {day for (day,) in connection.execute(sa.union(*queries))}

    @staticmethod
    def _touch(connection: Connection, days: Iterable[str]) -> None:
        """Each day's version goes up (figures() reads those days again)."""
        days = sorted(set(days))
        if not days:
            return
        v = day_versions.c
        connection.execute(day_versions.update().where(v.day.in_(days)).values(version=v.version + 1))
        known = {day for (day,) in connection.execute(sa.select(v.day).where(v.day.in_(days)))}
        new = [{"day": day, "version": 1} for day in days if day not in known]
        if new:
            connection.execute(day_versions.insert(), new)

    @staticmethod
    def _set_meta(connection: Connection, key: str, value: str) -> None:
        updated = connection.execute(meta_table.update().where(meta_table.c.key == key).values(value=value))
        if not updated.rowcount:
            connection.execute(meta_table.insert().values(key=key, value=value))

    def meta(self, key: str) -> Optional[str]:
        self.ensure_tables()
        with self.engine.connect() as connection:
            return connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).scalar()

    def _write(self):
        """A write transaction, one at a time across processes and replicas (the cursor row is the lock)."""
        return _WriteTransaction(self)

    # ------------------------------------------------------------ refresh

    def progress(self) -> Progress:
        self.ensure_tables()
        with self.engine.connect() as connection:
            cursor = int(
                connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "cursor")).scalar() or 0
            )
            last = (
                connection.execute(sa.select(sa.func.max(events.c.id))).scalar()
                if self.has_events(connection)
                else None
            )
        return Progress(cursor, int(last or 0))

    def refresh(self, max_seconds: Optional[float] = None, wait: bool = True) -> Progress:
        """Folds the events stored since the last refresh into the summary; within max_seconds when given.

        wait=False returns at once when another thread of this process is refreshing."""
        self.ensure_tables()
        if not self._lock.acquire(blocking=wait):
            return self.progress()
        try:
            started = time.monotonic()
            while True:
                more = self._refresh_step()
                if not more or (max_seconds is not None and time.monotonic() - started >= max_seconds):
                    break
        finally:
            self._lock.release()
        return self.progress()

    def _refresh_step(self) -> bool:
        """One batch of new events; True when there may be more."""
        with self._write() as connection:
            if not self.has_events(connection):
                return False
            cursor = int(
                connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "cursor")).scalar() or 0
            )
            since = max(0, cursor - POSTGRES_LOOKBACK_IDS) if self.backend == "postgresql" else cursor
            rows = connection.execute(
                sa.select(events.c.id, events.c.sender_id)
                .where(events.c.id > since)
                .order_by(events.c.id)
                .limit(BATCH_EVENTS + (cursor - since))
            ).all()
            if not rows or rows[-1][0] <= cursor:
                return False
            senders = list(dict.fromkeys(sender for _, sender in rows))
            self._summarise_senders(connection, senders)
            self._set_meta(connection, "cursor", str(rows[-1][0]))
            return len(rows) >= BATCH_EVENTS + (cursor - since)

    def _summarise_senders(self, connection: Connection, senders: Sequence[str]) -> None:
        for start in range(0, len(senders), SENDERS_PER_QUERY):
            chunk = list(senders[start : start + SENDERS_PER_QUERY])
            needs_data = sa.or_(
                events.c.type_name.in_(("user", "bot")),
                sa.and_(events.c.type_name == "slot", events.c.action_name == SLOT_STATUS_FAILURES),
            )
            query = (
                sa.select(
                    events.c.sender_id,
                    events.c.id,
                    events.c.type_name,
                    events.c.timestamp,
                    events.c.intent_name,
                    events.c.action_name,
                    sa.case((needs_data, events.c.data), else_=sa.null()),
                )
                .where(events.c.sender_id.in_(chunk))
                .where(events.c.type_name.in_(("user", "bot", "action", "slot", "session_started")))
                .order_by(events.c.sender_id, events.c.id)
            )
            by_sender: Dict[str, List[Row]] = {sender: [] for sender in chunk}
            for sender, *row in connection.execute(query):
                by_sender[sender].append(tuple(row))
            touched = self._days_of(connection, chunk)
            for table in DAY_TABLES:
                connection.execute(table.delete().where(table.c.sender_id.in_(chunk)))
            touched |= self._insert(connection, [c for sender in chunk for c in summarise(sender, by_sender[sender])])
            self._touch(connection, touched)

    def _local(self, timestamp: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp, self.zone)

    def _insert(self, connection: Connection, found: List[Conversation]) -> set:
        """Writes the conversations' summary rows; the days they are on."""
        conversation_rows, topic_rows, unsure_rows, status_rows = [], [], [], []
        for c in found:
            started = c.started_at if c.started_at is not None else c.ended_at
            local = self._local(started)
            day = local.date().isoformat()
            conversation_rows.append(
                dict(
                    first_event_id=c.first_event_id,
                    last_event_id=c.last_event_id,
                    sender_id=c.sender_id,
                    started_at=started,
                    ended_at=c.ended_at,
                    day=day,
                    hour=local.hour,
                    outside_hours=0 if self.hours.is_open(local) else 1,
                    channel=c.channel[:40],
                    user_messages=c.user_messages,
                    unsure_messages=c.unsure_messages,
                    outcome=c.outcome,
                    language=c.language,
                )
            )
            topic_rows += [
                dict(conversation=c.first_event_id, intent=intent, sender_id=c.sender_id, day=day, messages=count)
                for intent, count in c.intents.items()
            ]
            unsure_rows += [
                dict(
                    event_id=event_id,
                    conversation=c.first_event_id,
                    sender_id=c.sender_id,
                    timestamp=at,
                    day=self._local(at).date().isoformat(),
                    channel=c.channel[:40],
                    language=language,
                )
                for (event_id, at), language in zip(c.unsure_events, c.unsure_languages)
            ]
            status_rows += [
                dict(
                    event_id=event_id,
                    conversation=c.first_event_id,
                    sender_id=c.sender_id,
                    timestamp=at,
                    day=self._local(at).date().isoformat(),
                    outcome=outcome,
                )
                for event_id, at, outcome in c.status_checks
            ]
        for table, rows in (
            (conversations, conversation_rows),
            (topics, topic_rows),
            (unsure, unsure_rows),
            (status_checks, status_rows),
        ):
            if rows:
                connection.execute(table.insert(), rows)
        return {row["day"] for rows in (conversation_rows, topic_rows, unsure_rows, status_rows) for row in rows}

    # ------------------------------------------------------------ retention

    def purge(self, cutoff: float, batch: int = 500) -> Tuple[int, int]:
        """Deletes the conversations whose last event is older than cutoff (a UNIX time), events and
        summary rows together; (conversations with a message from the person, events) deleted.

        A sender's conversations are in id order, so the old ones are those up to the newest old
        one: its events and every earlier one of that sender go."""
        self.refresh()
        conversations_deleted = events_deleted = 0
        c = conversations.c
        while True:
            with self._write() as connection:
                old = connection.execute(
                    sa.select(
                        c.sender_id,
                        sa.func.max(c.last_event_id),
                        sa.func.sum(sa.case((c.user_messages > 0, 1), else_=0)),
                    )
                    .where(c.ended_at < cutoff)
                    .group_by(c.sender_id)
                    .limit(batch)
                ).all()
                if not old:
                    break
                self._touch(connection, self._days_of(connection, [sender for sender, _, _ in old]))
                for sender, last_id, talked in old:
                    if self.has_events(connection):
                        events_deleted += connection.execute(
                            events.delete().where(events.c.sender_id == sender, events.c.id <= last_id)
                        ).rowcount
                    connection.execute(conversations.delete().where(c.sender_id == sender, c.first_event_id <= last_id))
                    for table in CHILD_TABLES:
                        connection.execute(
                            table.delete().where(table.c.sender_id == sender, table.c.conversation <= last_id)
                        )
                    conversations_deleted += int(talked or 0)
        return conversations_deleted, events_deleted

    def record_purge(self, summary: Dict[str, object]) -> None:
        with self._write() as connection:
            self._set_meta(connection, "last_purge", json.dumps(summary))

    def last_purge(self) -> Optional[Dict[str, object]]:
        value = self.meta("last_purge")
        return json.loads(value) if value else None

    # ------------------------------------------------------------ reading

    def figures(self, start: dt.date, end: dt.date, titles: Dict[str, str]) -> Figures:
        """The charts' figures for conversations that started from start to end (inclusive, office days).

        titles: intent -> title (cers/topics.yml); only those intents are topics. Each day's counts
        come from this server's memory while the day's version is unchanged (see the module docstring)."""
        self.ensure_tables()
        days = []
        day = start
        while day <= end:
            days.append(day.isoformat())
            day += dt.timedelta(days=1)
        if not days:
            return self._add_up(start, end, {}, titles)
        with self.engine.connect() as connection:
            # The versions first, then the rows: a change in between is read again next time.
            generation = connection.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "generation")
            ).scalar()
            v = day_versions.c
            versions = dict(
                connection.execute(sa.select(v.day, v.version).where(v.day >= days[0], v.day <= days[-1])).all()
            )
            keys = {d: (str(generation), int(versions.get(d, 0))) for d in days}
            per_day: Dict[str, DayFigures] = {}
            for d in days:
                kept = self._days.get(d)
                if kept is not None and kept[0] == keys[d]:
                    per_day[d] = kept[1]
            stale = [d for d in days if d not in per_day]
            if stale:
                read = self._day_figures(connection, stale[0], stale[-1])
                for d in stale:
                    per_day[d] = read.get(d) or DayFigures()
        # Kept for the next page (other threads may read the cache meanwhile: it is only added to,
        # or emptied when it grows too big).
        if len(self._days) + len(stale) > MAX_CACHED_DAYS:
            self._days = {}
        for d in stale:
            self._days[d] = (keys[d], per_day[d])
        per_day = {d: per_day[d] for d in days}
        return self._add_up(start, end, per_day, titles)

    def _day_figures(self, connection: Connection, a: str, b: str) -> Dict[str, DayFigures]:
        """Each day's counts from a to b (inclusive), for the days that have any."""
        found: Dict[str, DayFigures] = {}

        def day(d: str) -> DayFigures:
            return found.setdefault(d, DayFigures())

        c = conversations.c
        in_range = sa.and_(c.day >= a, c.day <= b, c.user_messages > 0)
        for d, channel, count, messages in connection.execute(
            sa.select(c.day, c.channel, sa.func.count(), sa.func.sum(c.user_messages))
            .where(in_range)
            .group_by(c.day, c.channel)
        ):
            day(d).channels[channel] = (int(count), int(messages or 0))
        for d, hour, count, outside in connection.execute(
            sa.select(c.day, c.hour, sa.func.count(), sa.func.sum(c.outside_hours))
            .where(in_range)
            .group_by(c.day, c.hour)
        ):
            day(d).hours[int(hour)] = (int(count), int(outside or 0))
        for d, outcome, count in connection.execute(
            sa.select(c.day, c.outcome, sa.func.count()).where(in_range).group_by(c.day, c.outcome)
        ):
            day(d).outcomes[outcome] = int(count)
        for d, language, count in connection.execute(
            sa.select(c.day, c.language, sa.func.count()).where(in_range).group_by(c.day, c.language)
        ):
            day(d).languages[language] = (int(count), day(d).languages.get(language, (0, 0))[1])
        t = topics.c
        for d, intent, messages, count in connection.execute(
            sa.select(t.day, t.intent, sa.func.sum(t.messages), sa.func.count())
            .where(t.day >= a, t.day <= b)
            .group_by(t.day, t.intent)
        ):
            day(d).topics[intent] = (int(messages or 0), int(count))
        s = status_checks.c
        for d, outcome, count in connection.execute(
            sa.select(s.day, s.outcome, sa.func.count()).where(s.day >= a, s.day <= b).group_by(s.day, s.outcome)
        ):
            day(d).status[outcome] = int(count)
        u = unsure.c
        for d, language, count in connection.execute(
            sa.select(u.day, u.language, sa.func.count()).where(u.day >= a, u.day <= b).group_by(u.day, u.language)
        ):
            day(d).unsure += int(count)
            day(d).languages[language] = (day(d).languages.get(language, (0, 0))[0], int(count))
        return found

    def _add_up(self, start: dt.date, end: dt.date, per_day: Dict[str, DayFigures], titles: Dict[str, str]) -> Figures:
        figures = Figures(start, end, hours_listed=self.hours.listed)
        channel_totals: Dict[str, int] = {}
        hours: Dict[int, List[int]] = {}
        outcomes: Dict[str, int] = {}
        topic_totals: Dict[str, List[int]] = {}
        status: Dict[str, int] = {}
        languages: Dict[str, List[int]] = {}
        for counts in per_day.values():
            for language, (count, unsure_count) in counts.languages.items():
                total = languages.setdefault(language, [0, 0])
                total[0] += count
                total[1] += unsure_count
            for channel, (count, messages) in counts.channels.items():
                channel_totals[channel] = channel_totals.get(channel, 0) + count
                figures.messages += messages
            for hour, (count, outside) in counts.hours.items():
                total = hours.setdefault(hour, [0, 0])
                total[0] += count
                total[1] += outside
            for outcome, count in counts.outcomes.items():
                outcomes[outcome] = outcomes.get(outcome, 0) + count
            for intent, (messages, count) in counts.topics.items():
                total = topic_totals.setdefault(intent, [0, 0])
                total[0] += messages
                total[1] += count
            for outcome, count in counts.status.items():
                status[outcome] = status.get(outcome, 0) + count
            figures.unsure += counts.unsure
        figures.conversations = sum(channel_totals.values())
        figures.channels = sorted(channel_totals, key=lambda name: (-channel_totals[name], name))
        figures.per_channel = [(name, channel_totals[name]) for name in figures.channels]
        for d, counts in per_day.items():
            by_channel = [counts.channels.get(name, (0, 0))[0] for name in figures.channels]
            figures.per_day.append((d, by_channel, sum(by_channel)))
        figures.per_hour = [(hour, *hours.get(hour, (0, 0))) for hour in range(24)]
        figures.outside_hours = sum(outside for _, _, outside in figures.per_hour)
        figures.outcomes = [(key, label, outcomes.get(key, 0)) for key, label in OUTCOMES]
        figures.topics = sorted(
            (
                (intent, titles[intent], messages, count)
                for intent, (messages, count) in topic_totals.items()
                if intent in titles
            ),
            key=lambda row: (-row[2], row[1]),
        )
        figures.status = [(key, label, status.get(key, 0)) for key, label in STATUS_OUTCOMES]
        figures.per_language = sorted(
            ((language, count, unsure_count) for language, (count, unsure_count) in languages.items()),
            key=lambda row: (-row[1], row[0]),
        )
        return figures

    def unsure_messages(
        self, start: dt.date, end: dt.date, before: Optional[int] = None, limit: int = 50
    ) -> List[UnsureMessage]:
        """The messages the bot was unsure about, newest first (before: an event id, for the next page)."""
        self.ensure_tables()
        u = unsure.c
        query = (
            sa.select(u.event_id, u.timestamp, u.channel, events.c.data, u.language)
            .select_from(unsure.join(events, events.c.id == u.event_id))
            .where(u.day >= start.isoformat(), u.day <= end.isoformat())
            .order_by(u.event_id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(u.event_id < before)
        with self.engine.connect() as connection:
            if not self.has_events(connection):
                return []
            return [self._unsure(*row) for row in connection.execute(query)]

    def unsure_message(self, event_id: int) -> Optional[UnsureMessage]:
        self.ensure_tables()
        u = unsure.c
        with self.engine.connect() as connection:
            if not self.has_events(connection):
                return None
            row = connection.execute(
                sa.select(u.event_id, u.timestamp, u.channel, events.c.data, u.language)
                .select_from(unsure.join(events, events.c.id == u.event_id))
                .where(u.event_id == event_id)
            ).first()
        return self._unsure(*row) if row else None

    def _unsure(self, event_id: int, timestamp: float, channel: str, data: str, language: str) -> UnsureMessage:
        event = StoredEvent.from_row(USER, timestamp, None, None, data)
        guesses = tuple((name, confidence) for name, confidence in event.intent_ranking if name != UNSURE_INTENT)
        return UnsureMessage(event_id, self._local(timestamp), channel, event.text, guesses, language or ENGLISH)


class _WriteTransaction:
    """`with store._write() as connection:` one write transaction, serialised with every other writer.

    SQLite: BEGIN IMMEDIATE takes the write lock first (so two writers never both read, then
    collide). PostgreSQL: the cursor row is locked FOR UPDATE (replicas and `make purge` wait)."""

    def __init__(self, store: SummaryStore):
        self.store = store

    def __enter__(self) -> Connection:
        self.connection = self.store.engine.connect().execution_options(immediate=True)
        self.transaction = self.connection.begin()
        if self.store.backend == "postgresql" and sa.inspect(self.connection).has_table("dashboard_meta"):
            self.connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "cursor").with_for_update())
        return self.connection

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if kind is None:
                self.transaction.commit()
            else:
                self.transaction.rollback()
        finally:
            self.connection.close()


def make_engine(url: str) -> Engine:
    """An engine for the tracker store's database; on SQLite, write transactions begin IMMEDIATE."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(
            url,
            future=True,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {},
        )
    engine = sa.create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})
    begin_when_asked(engine)
    return engine


def begin_when_asked(engine: Engine) -> None:
    """SQLite: a connection that asks (execution_options(immediate=True)) begins its transaction
    IMMEDIATE: the summary's writers take the write lock before they read, so two never both
    read, then collide. Other transactions are left to pysqlite as before (it begins one before
    the first write), so the tracker store's own engine, which the Rasa server shares with the
    summary (channels/tracker_store.py, channels/extensions.py), works as it did."""

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        if connection.get_execution_options().get("immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m cers.dashboard.summary [--rebuild]`: bring the summary up to date (the server also does it)."""
    from cers.settings import load_office, tracker_store_url

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--rebuild", action="store_true", help="empty the summary and build it again from every event")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    store = SummaryStore(tracker_store_url(), load_office().hours)
    try:
        if args.rebuild:
            store.rebuild()
        started = time.monotonic()
        progress = store.refresh()
        print(f"Dashboard summary up to event {progress.cursor} ({time.monotonic() - started:.1f} s).")
    finally:
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
