"""Handoffs to staff and callback requests, kept in the facility database (migration 0005) so every process and replica sees the same ones: who is talking to staff, in which Slack thread, since when, and what became of it.

Both servers use it: the action server opens handoffs and stores callback requests; the Rasa
server (channels/handoff.py) relays messages while a handoff is open, ends it, and times it out.
Changes that several processes may try at once (ending, timing out, marking done) are one
conditional UPDATE each: the one that changed the row did it, the others learn it was done.
Times are stored as naive UTC; methods take and return aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, List, Optional, Union

from sqlalchemy import Column, DateTime, Index, String, Text, and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine

from cers.facilities.store import Base, aware_utc, aware_utc_or_none, naive_utc

OPEN, ENDED, TIMED_OUT, FAILED = "open", "ended", "timed_out", "failed"


class HandoffRow(Base):
    """One request to chat with staff, from the person's "yes" to its end."""

    __tablename__ = "handoffs"
    id = Column(String(32), primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(20), nullable=False)
    question = Column(Text, nullable=True)
    requested_at = Column(DateTime, nullable=False)
    slack_channel = Column(String(40), nullable=True)
    thread_ts = Column(String(40), nullable=True)
    state = Column(String(12), nullable=False)
    answered_at = Column(DateTime, nullable=True)  # the first staff reply
    handled_by = Column(String(255), nullable=True)  # who sent it
    last_staff_at = Column(DateTime, nullable=True)
    ended_at = Column(DateTime, nullable=True)
    ended_by = Column(String(255), nullable=True)
    __table_args__ = (
        Index("ix_handoffs_sender_state", "sender_id", "state"),
        Index("ix_handoffs_thread", "thread_ts"),
        Index("ix_handoffs_state_requested", "state", "requested_at"),
        Index("ix_handoffs_requested", "requested_at"),
    )


class CallbackRow(Base):
    """A callback request: who, how to reach them, what about, and when staff marked it done."""

    __tablename__ = "callback_requests"
    id = Column(String(32), primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(20), nullable=False)
    requested_at = Column(DateTime, nullable=False)
    name = Column(String(100), nullable=False)
    contact = Column(String(254), nullable=False)
    question = Column(Text, nullable=False)
    slack_channel = Column(String(40), nullable=True)
    slack_ts = Column(String(40), nullable=True)
    done_at = Column(DateTime, nullable=True)
    done_by = Column(String(255), nullable=True)
    __table_args__ = (
        Index("ix_callback_requests_requested", "requested_at"),
        Index("ix_callback_requests_done", "done_at"),
        Index("ix_callback_requests_thread", "slack_ts"),
    )


@dataclass(frozen=True)
class Handoff:
    id: str
    sender_id: str
    channel: str
    question: Optional[str]
    requested_at: dt.datetime
    state: str
    slack_channel: Optional[str] = None
    thread_ts: Optional[str] = None
    answered_at: Optional[dt.datetime] = None
    handled_by: Optional[str] = None
    last_staff_at: Optional[dt.datetime] = None
    ended_at: Optional[dt.datetime] = None
    ended_by: Optional[str] = None

    @property
    def open(self) -> bool:
        return self.state == OPEN


@dataclass(frozen=True)
class CallbackRequest:
    id: str
    sender_id: str
    channel: str
    requested_at: dt.datetime
    name: str
    contact: str
    question: str
    slack_channel: Optional[str] = None
    slack_ts: Optional[str] = None
    done_at: Optional[dt.datetime] = None
    done_by: Optional[str] = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _handoff(row) -> Handoff:
    return Handoff(
        row.id,
        row.sender_id,
        row.channel,
        row.question,
        aware_utc(row.requested_at),
        row.state,
        row.slack_channel,
        row.thread_ts,
        aware_utc_or_none(row.answered_at),
        row.handled_by,
        aware_utc_or_none(row.last_staff_at),
        aware_utc_or_none(row.ended_at),
        row.ended_by,
    )


def _callback(row) -> CallbackRequest:
    return CallbackRequest(
        row.id,
        row.sender_id,
        row.channel,
        aware_utc(row.requested_at),
        row.name,
        row.contact,
        row.question,
        row.slack_channel,
        row.slack_ts,
        aware_utc_or_none(row.done_at),
        row.done_by,
    )


class HandoffStore:
    """Handoffs and callback requests in the facility database (an engine made once per process)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------ handoffs

    def open_for(self, sender_id: str) -> Optional[Handoff]:
        """The conversation's open handoff, if any (the latest)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(HandoffRow.__table__)
                .where(HandoffRow.sender_id == sender_id, HandoffRow.state == OPEN)
                .order_by(HandoffRow.requested_at.desc())
                .limit(1)
            ).first()
        return _handoff(row) if row else None

    def latest_for(self, sender_id: str) -> Optional[Handoff]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(HandoffRow.__table__)
                .where(HandoffRow.sender_id == sender_id)
                .order_by(HandoffRow.requested_at.desc())
                .limit(1)
            ).first()
        return _handoff(row) if row else None

    def get(self, handoff_id: str) -> Optional[Handoff]:
        with self.engine.connect() as conn:
            row = conn.execute(select(HandoffRow.__table__).where(HandoffRow.id == handoff_id)).first()
        return _handoff(row) if row else None

    def start(
        self, sender_id: str, channel: str, question: Optional[str], now: Optional[dt.datetime] = None
    ) -> Optional[Handoff]:
        """A new open handoff, or None when the conversation already has one (it is not replaced)."""
        moment = naive_utc(now or utc_now())
        handoff_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            busy = conn.execute(
                select(HandoffRow.id).where(HandoffRow.sender_id == sender_id, HandoffRow.state == OPEN)
            ).first()
            if busy:
                return None
            conn.execute(
                HandoffRow.__table__.insert().values(
                    id=handoff_id,
                    sender_id=sender_id,
                    channel=channel,
                    question=question,
                    requested_at=moment,
                    state=OPEN,
                )
            )
        return self.get(handoff_id)

    def attach_thread(self, handoff_id: str, slack_channel: str, thread_ts: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id)
                .values(slack_channel=slack_channel, thread_ts=thread_ts)
            )

    def by_thread(self, slack_channel: str, thread_ts: str) -> Optional[Union[Handoff, CallbackRequest]]:
        """The handoff or callback request whose staff-channel post starts this thread."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(HandoffRow.__table__).where(
                    HandoffRow.thread_ts == thread_ts, HandoffRow.slack_channel == slack_channel
                )
            ).first()
            if row:
                return _handoff(row)
            row = conn.execute(
                select(CallbackRow.__table__).where(
                    CallbackRow.slack_ts == thread_ts, CallbackRow.slack_channel == slack_channel
                )
            ).first()
        return _callback(row) if row else None

    def staff_replied(self, handoff_id: str, staff_name: str, now: Optional[dt.datetime] = None) -> bool:
        """Records a staff reply (the first one names who handled it); False if the handoff is no longer open."""
        moment = naive_utc(now or utc_now())
        table = HandoffRow.__table__
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(table)
                .where(table.c.id == handoff_id, table.c.state == OPEN)
                .values(
                    last_staff_at=moment,
                    answered_at=func.coalesce(table.c.answered_at, moment),
                    handled_by=func.coalesce(table.c.handled_by, staff_name),
                )
            ).rowcount
        return changed == 1

    def finish(self, handoff_id: str, state: str, by: Optional[str] = None, now: Optional[dt.datetime] = None) -> bool:
        """Ends an open handoff (ENDED by staff, TIMED_OUT, FAILED to post); True for the one caller that ended it."""
        moment = naive_utc(now or utc_now())
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.state == OPEN)
                .values(state=state, ended_at=moment, ended_by=by)
            ).rowcount
        return changed == 1

    def claim_timeout(self, handoff_id: str, timeout_seconds: float, now: Optional[dt.datetime] = None) -> bool:
        """Times the handoff out if it is still open with no staff reply for timeout_seconds; True for the one caller that did."""
        moment = naive_utc(now or utc_now())
        cutoff = moment - dt.timedelta(seconds=timeout_seconds)
        table = HandoffRow.__table__
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(table)
                .where(
                    table.c.id == handoff_id,
                    table.c.state == OPEN,
                    table.c.requested_at <= cutoff,
                    or_(table.c.last_staff_at.is_(None), table.c.last_staff_at <= cutoff),
                )
                .values(state=TIMED_OUT, ended_at=moment)
            ).rowcount
        return changed == 1

    def expired(self, timeout_seconds: float, now: Optional[dt.datetime] = None, limit: int = 50) -> List[Handoff]:
        """Open handoffs with no staff reply for timeout_seconds (to be claimed one by one)."""
        cutoff = naive_utc(now or utc_now()) - dt.timedelta(seconds=timeout_seconds)
        table = HandoffRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(
                    table.c.state == OPEN,
                    table.c.requested_at <= cutoff,
                    or_(table.c.last_staff_at.is_(None), table.c.last_staff_at <= cutoff),
                )
                .order_by(table.c.requested_at)
                .limit(limit)
            ).all()
        return [_handoff(row) for row in rows]

    def _requested_between(self, table: Any, start: dt.datetime, end: dt.datetime, *conditions: Any) -> list:
        """Rows of table requested in [start, end) (and meeting conditions), newest first."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(table)
                .where(table.c.requested_at >= naive_utc(start), table.c.requested_at < naive_utc(end), *conditions)
                .order_by(table.c.requested_at.desc())
            ).all()

    def handoffs_between(self, start: dt.datetime, end: dt.datetime) -> List[Handoff]:
        """Handoffs requested in [start, end), newest first."""
        table = HandoffRow.__table__
        return [_handoff(row) for row in self._requested_between(table, start, end, table.c.state != FAILED)]

    # ------------------------------------------------------------ callback requests

    def add_callback(
        self, sender_id: str, channel: str, name: str, contact: str, question: str, now: Optional[dt.datetime] = None
    ) -> CallbackRequest:
        callback_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                CallbackRow.__table__.insert().values(
                    id=callback_id,
                    sender_id=sender_id,
                    channel=channel,
                    requested_at=naive_utc(now or utc_now()),
                    name=name[:100],
                    contact=contact[:254],
                    question=question,
                )
            )
        callback = self.callback(callback_id)
        assert callback is not None
        return callback

    def open_unnamed_callback(self, sender_id: str) -> Optional[CallbackRequest]:
        """The sender's latest open callback request still without a name: the one the bot stored
        when a handoff on SMS timed out (the person's number known, the rest asked for after)."""
        table = CallbackRow.__table__
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table)
                .where(table.c.sender_id == sender_id, table.c.done_at.is_(None), table.c.name == "")
                .order_by(table.c.requested_at.desc())
                .limit(1)
            ).first()
        return _callback(row) if row else None

    def complete_callback(self, callback_id: str, name: str, contact: str, question: str) -> None:
        """Fills in what the person gave after the request was stored."""
        with self.engine.begin() as conn:
            conn.execute(
                update(CallbackRow)
                .where(CallbackRow.id == callback_id)
                .values(name=name[:100], contact=contact[:254], question=question)
            )

    def attach_callback_thread(self, callback_id: str, slack_channel: str, slack_ts: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CallbackRow)
                .where(CallbackRow.id == callback_id)
                .values(slack_channel=slack_channel, slack_ts=slack_ts)
            )

    def callback(self, callback_id: str) -> Optional[CallbackRequest]:
        with self.engine.connect() as conn:
            row = conn.execute(select(CallbackRow.__table__).where(CallbackRow.id == callback_id)).first()
        return _callback(row) if row else None

    def callback_done(self, callback_id: str, by: str, now: Optional[dt.datetime] = None) -> bool:
        """Marks an open callback request done; False if it does not exist or was already done."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(CallbackRow)
                .where(CallbackRow.id == callback_id, CallbackRow.done_at.is_(None))
                .values(done_at=naive_utc(now or utc_now()), done_by=by[:255])
            ).rowcount
        return changed == 1

    def callbacks_between(self, start: dt.datetime, end: dt.datetime) -> List[CallbackRequest]:
        """Callback requests made in [start, end), newest first."""
        return [_callback(row) for row in self._requested_between(CallbackRow.__table__, start, end)]

    def open_callbacks(self) -> List[CallbackRequest]:
        """Callback requests not marked done, oldest first."""
        table = CallbackRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.done_at.is_(None)).order_by(table.c.requested_at)).all()
        return [_callback(row) for row in rows]

    # ------------------------------------------------------------ retention

    def purge(self, before: dt.datetime) -> int:
        """Deletes ended handoffs and callback requests older than `before` (open ones too, once that old)."""
        moment = naive_utc(before)
        with self.engine.begin() as conn:
            handoffs = conn.execute(delete(HandoffRow).where(and_(HandoffRow.requested_at < moment))).rowcount
            callbacks = conn.execute(delete(CallbackRow).where(CallbackRow.requested_at < moment)).rowcount
        return int(handoffs or 0) + int(callbacks or 0)
