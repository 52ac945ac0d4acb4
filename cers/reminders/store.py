"""The reminders' records, in the facility database (migration 0006) so that every process and replica sees the same ones: subscriptions, the consents behind them, confirmation codes, each reminder sent (claimed before it is sent), and the opt-out log.

- A subscription is one facility and one number (E.164), with the channel and language of its
  consent; one row per pair, turned off and on again rather than deleted (the history is in
  the consents and the opt-out log). An opt-out ends every subscription of the number in one
  UPDATE, so it holds on every replica at once.
- A consent is kept word for word: the facility, the number, the time, the channel, the language
  and the exact text shown before the person said yes.
- A confirmation code (the widget and REST: the number given is confirmed by texting it a code)
  is 6 digits, kept only as a salted hash, for CODE_MINUTES; CODE_TRIES wrong tries end it, and a
  number gets a new code at most every CODE_RESEND_SECONDS (nobody can flood a phone with codes).
- reminder_sends has two unique keys: (facility, kind, deadline, days before, number), so each
  reminder reaches each number once, and (number, day), so a number gets one text a day. A job
  inserts the row (status "claimed") BEFORE it sends: the insert that succeeds owns the reminder,
  on any replica; the others get TAKEN or DAY_TAKEN. Then "sent" with the provider's message id,
  "skipped" (the business submitted since; the day is freed), "failed", or "uncertain" (claimed
  and never confirmed: a crash between the claim and the provider's answer; see cers/reminders/job.py).
Times are stored as naive UTC, like cers/handoffs.py; methods take aware times.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Sequence

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from cers.facilities.store import Base, aware_utc, aware_utc_or_none, naive_utc
from cers.reminders.schedule import Reminder

CODE_DIGITS = 6
CODE_MINUTES = 10  # a code lasts this long
CODE_TRIES = 5  # wrong tries that end a code
CODE_RESEND_SECONDS = 60

# Why a subscription ended.
OPT_OUT = "opt_out"  # STOP (or ALTO, ...) from the number
PROVIDER_OPT_OUT = "provider_opt_out"  # the provider refused: the number opted out with the carrier
INVALID_NUMBER = "invalid_number"  # the provider refused: not a mobile number, or no such number
STAFF = "staff"  # removed by the office's staff
RESTARTABLE = (OPT_OUT, PROVIDER_OPT_OUT)  # what START turns back on

# A send's status.
CLAIMED, SENT, SKIPPED, FAILED, UNCERTAIN = "claimed", "sent", "skipped", "failed", "uncertain"


# ---------------------------------------------------------------- tables


class SubscriptionRow(Base):
    __tablename__ = "reminder_subscriptions"
    id = Column(Integer, primary_key=True, autoincrement=True)
    cers_id = Column(String(9), nullable=False)
    number = Column(String(16), nullable=False)
    channel = Column(String(20), nullable=False)
    language = Column(String(5), nullable=False)
    created_at = Column(DateTime, nullable=False)
    active = Column(Boolean, nullable=False)
    ended_at = Column(DateTime, nullable=True)
    ended_reason = Column(String(40), nullable=True)
    __table_args__ = (
        UniqueConstraint("cers_id", "number", name="uq_reminder_subscriptions_facility_number"),
        Index("ix_reminder_subscriptions_number", "number"),
        Index("ix_reminder_subscriptions_active_number", "active", "number"),
    )


class ConsentRow(Base):
    __tablename__ = "reminder_consents"
    id = Column(Integer, primary_key=True, autoincrement=True)
    cers_id = Column(String(9), nullable=False)
    number = Column(String(16), nullable=False)
    given_at = Column(DateTime, nullable=False)
    channel = Column(String(20), nullable=False)
    language = Column(String(5), nullable=False)
    disclosure = Column(Text, nullable=False)  # the exact text shown before the yes
    __table_args__ = (
        Index("ix_reminder_consents_number", "number"),
        Index("ix_reminder_consents_given_at", "given_at"),
    )


class CodeRow(Base):
    __tablename__ = "reminder_codes"
    number = Column(String(16), primary_key=True)  # one live code per number: a new one replaces it
    cers_id = Column(String(9), nullable=False)
    language = Column(String(5), nullable=False)
    channel = Column(String(20), nullable=False)
    code_hash = Column(String(100), nullable=False)  # "salt$sha256"
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    tries = Column(Integer, nullable=False)  # wrong tries so far


class SendRow(Base):
    __tablename__ = "reminder_sends"
    id = Column(Integer, primary_key=True, autoincrement=True)
    cers_id = Column(String(9), nullable=False)
    kind = Column(String(12), nullable=False)
    deadline = Column(Date, nullable=False)
    days_before = Column(Integer, nullable=False)  # the offset; -1 once overdue ("offset" is a SQL word)
    number = Column(String(16), nullable=False)
    subscription_id = Column(Integer, nullable=True)
    language = Column(String(5), nullable=False)
    status = Column(String(10), nullable=False)
    day = Column(Date, nullable=True)  # the office's date it went out on; NULL once skipped
    claimed_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)  # when it became sent, skipped, failed or uncertain
    provider_id = Column(String(64), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(Text, nullable=True)
    text = Column(Text, nullable=False)
    __table_args__ = (
        UniqueConstraint("cers_id", "kind", "deadline", "days_before", "number", name="uq_reminder_sends_key"),
        UniqueConstraint("number", "day", name="uq_reminder_sends_number_day"),
        Index("ix_reminder_sends_status_claimed", "status", "claimed_at"),
        Index("ix_reminder_sends_claimed", "claimed_at"),
    )


class OptOutRow(Base):
    __tablename__ = "reminder_opt_outs"
    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(16), nullable=False)
    keyword = Column(String(40), nullable=False)  # STOP, ALTO, ... or how else it ended ("staff:maria")
    channel = Column(String(20), nullable=False)
    at = Column(DateTime, nullable=False)
    cers_id = Column(String(9), nullable=True)  # when one facility's subscription ended, not all
    ended = Column(Integer, nullable=False)  # subscriptions it ended
    __table_args__ = (Index("ix_reminder_opt_outs_number", "number"), Index("ix_reminder_opt_outs_at", "at"))


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Subscription:
    id: int
    cers_id: str
    number: str
    channel: str
    language: str
    created_at: dt.datetime
    active: bool
    ended_at: Optional[dt.datetime] = None
    ended_reason: Optional[str] = None


@dataclass(frozen=True)
class Consent:
    cers_id: str
    number: str
    given_at: dt.datetime
    channel: str
    language: str
    disclosure: str


class CodeOutcome(enum.Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"  # tries_left says how many remain
    ENDED = "ended"  # too many wrong tries: the code is gone
    EXPIRED = "expired"
    MISSING = "missing"  # no code for the number (never asked, or already used)


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    cers_id: Optional[str] = None
    language: Optional[str] = None
    channel: Optional[str] = None
    tries_left: int = 0


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"  # this caller owns the reminder: send it
    TAKEN = "taken"  # the reminder was claimed already (another job, an earlier run)
    DAY_TAKEN = "day_taken"  # the number already got (or is getting) a text today


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    send_id: Optional[int] = None


@dataclass(frozen=True)
class Send:
    id: int
    cers_id: str
    kind: str
    deadline: dt.date
    days_before: int
    number: str
    language: str
    status: str
    day: Optional[dt.date]
    claimed_at: dt.datetime
    sent_at: Optional[dt.datetime]
    provider_id: Optional[str]
    attempts: int
    error: Optional[str]
    text: str


def _subscription(row) -> Subscription:
    return Subscription(
        row.id,
        row.cers_id,
        row.number,
        row.channel,
        row.language,
        aware_utc(row.created_at),
        bool(row.active),
        aware_utc_or_none(row.ended_at),
        row.ended_reason,
    )


def _send(row) -> Send:
    return Send(
        row.id,
        row.cers_id,
        row.kind,
        row.deadline,
        row.days_before,
        row.number,
        row.language,
        row.status,
        row.day,
        aware_utc(row.claimed_at),
        aware_utc_or_none(row.sent_at),
        row.provider_id,
        row.attempts,
        row.error,
        row.text,
    )


def _code_hash(number: str, code: str, salt: Optional[str] = None) -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256(f'{salt}:{number}:{code}'.encode()).hexdigest()}"


def _code_matches(number: str, code: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(_code_hash(number, code, salt), stored)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


# ---------------------------------------------------------------- the store


class RemindersStore:
    """Subscriptions, consents, codes, sends and opt-outs in the facility database (its engine, made once per process)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------ subscriptions and consent

    def subscribe(
        self, cers_id: str, number: str, channel: str, language: str, disclosure: str, now: dt.datetime
    ) -> Subscription:
        """Turns on reminders for the facility at the number, with the consent that allows it (kept
        word for word). Subscribing again after an end turns the same subscription back on."""
        moment = naive_utc(now)
        table = SubscriptionRow.__table__
        values = dict(channel=channel, language=language, active=True, ended_at=None, ended_reason=None)
        where = and_(table.c.cers_id == cers_id, table.c.number == number)
        with self.engine.begin() as conn:
            if conn.execute(update(table).where(where).values(**values)).rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(table).values(cers_id=cers_id, number=number, created_at=moment, **values))
                except IntegrityError:  # subscribed at the same moment elsewhere: update that one
                    conn.execute(update(table).where(where).values(**values))
            conn.execute(
                insert(ConsentRow.__table__).values(
                    cers_id=cers_id,
                    number=number,
                    given_at=moment,
                    channel=channel,
                    language=language,
                    disclosure=disclosure,
                )
            )
            row = conn.execute(select(table).where(where)).one()
        return _subscription(row)

    def subscriptions(self, number: str) -> List[Subscription]:
        """Every subscription of the number, active or ended (staff look-ups), oldest first."""
        table = SubscriptionRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.number == number).order_by(table.c.id)).all()
        return [_subscription(row) for row in rows]

    def active(self, number: str) -> List[Subscription]:
        """The number's active subscriptions (STATUS answers for these facilities)."""
        return [s for s in self.subscriptions(number) if s.active]

    def consents(self, number: str) -> List[Consent]:
        table = ConsentRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.number == number).order_by(table.c.id)).all()
        return [Consent(r.cers_id, r.number, aware_utc(r.given_at), r.channel, r.language, r.disclosure) for r in rows]

    def opt_out(self, number: str, keyword: str, channel: str, now: dt.datetime) -> int:
        """STOP: ends every active subscription of the number at once, drops its pending code, and
        logs it (the log keeps a STOP even from a number with nothing to end). The count ended."""
        moment = naive_utc(now)
        table = SubscriptionRow.__table__
        with self.engine.begin() as conn:
            ended = conn.execute(
                update(table)
                .where(table.c.number == number, table.c.active.is_(True))
                .values(active=False, ended_at=moment, ended_reason=OPT_OUT)
            ).rowcount
            conn.execute(delete(CodeRow.__table__).where(CodeRow.__table__.c.number == number))
            self._log(conn, number, keyword, channel, moment, None, ended)
        return ended

    def opt_in(self, number: str, channel: str, disclosure: str, now: dt.datetime) -> List[Subscription]:
        """START: turns back on the number's subscriptions that an opt-out ended (not those staff
        removed or the provider found invalid), each with a consent holding the text the number got."""
        moment = naive_utc(now)
        table = SubscriptionRow.__table__
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(table).where(
                    table.c.number == number, table.c.active.is_(False), table.c.ended_reason.in_(RESTARTABLE)
                )
            ).all()
            restarted = []
            for row in rows:
                changed = conn.execute(
                    update(table)
                    .where(table.c.id == row.id, table.c.active.is_(False))
                    .values(active=True, ended_at=None, ended_reason=None)
                ).rowcount
                if changed:
                    conn.execute(
                        insert(ConsentRow.__table__).values(
                            cers_id=row.cers_id,
                            number=number,
                            given_at=moment,
                            channel=channel,
                            language=row.language,
                            disclosure=disclosure,
                        )
                    )
                    restarted.append(row.id)
            found = conn.execute(select(table).where(table.c.id.in_(restarted)).order_by(table.c.id)).all()
        return [_subscription(row) for row in found]

    def end_number(self, number: str, reason: str, now: dt.datetime) -> int:
        """Ends every active subscription of the number for `reason` (the provider refused it)."""
        table = SubscriptionRow.__table__
        with self.engine.begin() as conn:
            return conn.execute(
                update(table)
                .where(table.c.number == number, table.c.active.is_(True))
                .values(active=False, ended_at=naive_utc(now), ended_reason=reason)
            ).rowcount

    def remove(self, cers_id: str, number: str, by: str, channel: str, now: dt.datetime) -> bool:
        """Staff remove one facility's subscription at a number (logged with who did it)."""
        moment = naive_utc(now)
        table = SubscriptionRow.__table__
        with self.engine.begin() as conn:
            ended = conn.execute(
                update(table)
                .where(table.c.cers_id == cers_id, table.c.number == number, table.c.active.is_(True))
                .values(active=False, ended_at=moment, ended_reason=STAFF)
            ).rowcount
            if ended:
                self._log(conn, number, f"staff:{by}"[:40], channel, moment, cers_id, ended)
        return ended == 1

    @staticmethod
    def _log(conn: Connection, number, keyword, channel, moment, cers_id, ended) -> None:
        conn.execute(
            insert(OptOutRow.__table__).values(
                number=number, keyword=keyword[:40], channel=channel, at=moment, cers_id=cers_id, ended=ended
            )
        )

    def opt_outs(self, number: Optional[str] = None) -> List[dict]:
        """The opt-out log (of one number), oldest first."""
        table = OptOutRow.__table__
        query = select(table).order_by(table.c.id)
        if number is not None:
            query = query.where(table.c.number == number)
        with self.engine.connect() as conn:
            return [{**row._asdict(), "at": aware_utc(row.at)} for row in conn.execute(query).all()]

    # ------------------------------------------------------------ confirmation codes

    def issue_code(
        self, number: str, cers_id: str, language: str, channel: str, now: dt.datetime, code: Optional[str] = None
    ) -> Optional[str]:
        """A new code for the number (replacing its old one), or None when one was issued less than
        CODE_RESEND_SECONDS ago. The code itself is returned once, to be texted; only its hash is kept."""
        moment = naive_utc(now)
        code = code or new_code()
        table = CodeRow.__table__
        with self.engine.begin() as conn:
            recent = conn.execute(
                select(table.c.number).where(
                    table.c.number == number, table.c.created_at > moment - dt.timedelta(seconds=CODE_RESEND_SECONDS)
                )
            ).first()
            if recent:
                return None
            conn.execute(delete(table).where(table.c.number == number))
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(table).values(
                            number=number,
                            cers_id=cers_id,
                            language=language,
                            channel=channel,
                            code_hash=_code_hash(number, code),
                            created_at=moment,
                            expires_at=moment + dt.timedelta(minutes=CODE_MINUTES),
                            tries=0,
                        )
                    )
            except IntegrityError:  # another request issued one at this very moment
                return None
        return code

    def check_code(self, number: str, typed: str, now: dt.datetime) -> CodeCheck:
        """Whether `typed` is the number's code: CONFIRMED once (the code is then gone), else WRONG
        with the tries left, ENDED after CODE_TRIES wrong tries, EXPIRED, or MISSING."""
        moment = naive_utc(now)
        table = CodeRow.__table__
        code = "".join(c for c in typed or "" if c.isdigit())
        with self.engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.number == number)).first()
            if row is None:
                return CodeCheck(CodeOutcome.MISSING)
            if row.expires_at <= moment:
                conn.execute(delete(table).where(table.c.number == number))
                return CodeCheck(CodeOutcome.EXPIRED)
            live = and_(table.c.number == number, table.c.code_hash == row.code_hash, table.c.tries < CODE_TRIES)
            if len(code) == CODE_DIGITS and _code_matches(number, code, row.code_hash):
                # The one caller whose DELETE removes the row confirms (a second try of the same code does not).
                if conn.execute(delete(table).where(live)).rowcount == 1:
                    return CodeCheck(CodeOutcome.CONFIRMED, row.cers_id, row.language, row.channel)
                return CodeCheck(CodeOutcome.MISSING)
            if conn.execute(update(table).where(live).values(tries=table.c.tries + 1)).rowcount == 0:
                return CodeCheck(CodeOutcome.MISSING)
            tries = conn.execute(select(table.c.tries).where(table.c.number == number)).scalar_one()
            if tries >= CODE_TRIES:
                conn.execute(delete(table).where(table.c.number == number))
                return CodeCheck(CodeOutcome.ENDED)
        return CodeCheck(CodeOutcome.WRONG, tries_left=CODE_TRIES - tries)

    def purge_codes(self, now: dt.datetime) -> int:
        """Deletes expired codes (they are refused anyway)."""
        with self.engine.begin() as conn:
            return conn.execute(
                delete(CodeRow.__table__).where(CodeRow.__table__.c.expires_at <= naive_utc(now))
            ).rowcount

    # ------------------------------------------------------------ what the job reads

    def active_by_number(self, batch: int = 500) -> Iterator[tuple[str, List[Subscription]]]:
        """(number, its active subscriptions) for every number with one, by number, read `batch`
        numbers at a time (two queries a batch: memory and queries grow with the batch, not the total)."""
        table = SubscriptionRow.__table__
        after = ""
        while True:
            with self.engine.connect() as conn:
                numbers = (
                    conn.execute(
                        select(table.c.number)
                        .where(table.c.active.is_(True), table.c.number > after)
                        .group_by(table.c.number)
                        .order_by(table.c.number)
                        .limit(batch)
                    )
                    .scalars()
                    .all()
                )
                if not numbers:
                    return
                rows = conn.execute(
                    select(table)
                    .where(table.c.active.is_(True), table.c.number.in_(numbers))
                    .order_by(table.c.number, table.c.id)
                ).all()
            grouped: dict[str, List[Subscription]] = {n: [] for n in numbers}
            for row in rows:
                grouped[row.number].append(_subscription(row))
            for number in numbers:
                if grouped[number]:
                    yield number, grouped[number]
            after = numbers[-1]

    def recorded(self, numbers: Sequence[str], deadlines: Iterable[dt.date]) -> set[tuple]:
        """(number, cers_id, kind, deadline, days_before) of every send row (any status) of these numbers
        for these deadline dates: the reminders that must not be sent again."""
        wanted = sorted(set(deadlines))
        if not numbers or not wanted:
            return set()
        table = SendRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.number, table.c.cers_id, table.c.kind, table.c.deadline, table.c.days_before).where(
                    table.c.number.in_(list(numbers)), table.c.deadline.in_(wanted)
                )
            ).all()
        return {tuple(row) for row in rows}

    def texted_on(self, numbers: Sequence[str], day: dt.date) -> set[str]:
        """Those of the numbers that got (or are getting) a reminder on the office's date `day`."""
        if not numbers:
            return set()
        table = SendRow.__table__
        with self.engine.connect() as conn:
            found = conn.execute(
                select(table.c.number).where(table.c.number.in_(list(numbers)), table.c.day == day)
            ).scalars()
            return set(found)

    # ------------------------------------------------------------ claiming and recording sends

    def claim(
        self,
        reminder: Reminder,
        number: str,
        day: dt.date,
        text: str,
        language: str,
        now: dt.datetime,
        subscription_id: Optional[int] = None,
    ) -> Claim:
        """Claims the reminder for the number on the office's date `day`, before it is sent: the one
        insert that succeeds owns it (CLAIMED); a conflict says who had it first."""
        table = SendRow.__table__
        try:
            with self.engine.begin() as conn:
                send_id = conn.execute(
                    insert(table).values(
                        cers_id=reminder.cers_id,
                        kind=reminder.kind,
                        deadline=reminder.deadline,
                        days_before=reminder.offset,
                        number=number,
                        subscription_id=subscription_id,
                        language=language,
                        status=CLAIMED,
                        day=day,
                        claimed_at=naive_utc(now),
                        attempts=0,
                        text=text,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            with self.engine.connect() as conn:
                taken = conn.execute(
                    select(table.c.id).where(
                        table.c.cers_id == reminder.cers_id,
                        table.c.kind == reminder.kind,
                        table.c.deadline == reminder.deadline,
                        table.c.days_before == reminder.offset,
                        table.c.number == number,
                    )
                ).first()
            return Claim(ClaimOutcome.TAKEN if taken else ClaimOutcome.DAY_TAKEN)
        return Claim(ClaimOutcome.CLAIMED, int(send_id))

    def _finish(self, send_id: int, only_claimed: bool, **values) -> bool:
        table = SendRow.__table__
        where = [table.c.id == send_id]
        if only_claimed:
            where.append(table.c.status == CLAIMED)
        with self.engine.begin() as conn:
            return conn.execute(update(table).where(*where).values(**values)).rowcount == 1

    def mark_sent(self, send_id: int, provider_id: str, attempts: int, now: dt.datetime) -> bool:
        """The provider took it: its message id is kept (also over an "uncertain" a stale-claim check gave it)."""
        moment = naive_utc(now)
        return self._finish(
            send_id,
            False,
            status=SENT,
            provider_id=provider_id[:64],
            attempts=attempts,
            sent_at=moment,
            finished_at=moment,
            error=None,
        )

    def mark_skipped(self, send_id: int, reason: str, now: dt.datetime) -> bool:
        """Not sent (the business submitted since the job read its records): the number's day is freed."""
        return self._finish(send_id, True, status=SKIPPED, day=None, error=reason, finished_at=naive_utc(now))

    def mark_failed(self, send_id: int, error: str, attempts: int, now: dt.datetime) -> bool:
        """The provider refused it, or kept failing; not retried by a later run (it might have gone out)."""
        return self._finish(
            send_id, True, status=FAILED, error=error[:2000], attempts=attempts, finished_at=naive_utc(now)
        )

    def release(self, send_id: int) -> bool:
        """Gives a claim back (deletes it): for a send the provider refused before anything went out
        (our own settings were wrong), so that the next run may send it."""
        table = SendRow.__table__
        with self.engine.begin() as conn:
            return conn.execute(delete(table).where(table.c.id == send_id, table.c.status == CLAIMED)).rowcount == 1

    def stale_claims(self, claimed_before: dt.datetime, limit: int = 1000) -> List[Send]:
        """Claims never finished, older than `claimed_before`: their job died between claim and answer."""
        table = SendRow.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.status == CLAIMED, table.c.claimed_at < naive_utc(claimed_before))
                .order_by(table.c.id)
                .limit(limit)
            ).all()
        return [_send(row) for row in rows]

    def mark_uncertain(self, send_id: int, note: str, now: dt.datetime) -> bool:
        """A stale claim whose outcome nobody knows: kept, never sent again (see cers/reminders/job.py)."""
        return self._finish(send_id, True, status=UNCERTAIN, error=note[:2000], finished_at=naive_utc(now))

    def send(self, send_id: int) -> Optional[Send]:
        with self.engine.connect() as conn:
            row = conn.execute(select(SendRow.__table__).where(SendRow.__table__.c.id == send_id)).first()
        return _send(row) if row else None

    def sends(self, number: Optional[str] = None) -> List[Send]:
        """Send rows (of one number), oldest first: tests and staff look-ups."""
        table = SendRow.__table__
        query = select(table).order_by(table.c.id)
        if number is not None:
            query = query.where(table.c.number == number)
        with self.engine.connect() as conn:
            return [_send(row) for row in conn.execute(query).all()]

    def counts(self) -> dict[str, int]:
        """Send rows by status."""
        table = SendRow.__table__
        with self.engine.connect() as conn:
            return dict(conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all())

    # ------------------------------------------------------------ the dashboard

    def weekly(self, start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> "ReminderFigures":
        """The dashboard's figures between two aware times: active subscriptions now, and by week
        (its Monday, in `zone`) the sign-ups, the texts sent, skipped and failed, and the opt-outs."""
        low, high = naive_utc(start), naive_utc(end)
        subscriptions, consents = SubscriptionRow.__table__, ConsentRow.__table__
        sends, opt_outs = SendRow.__table__, OptOutRow.__table__
        with self.engine.connect() as conn:
            active = conn.execute(select(func.count()).where(subscriptions.c.active.is_(True))).scalar_one()
            numbers = conn.execute(
                select(func.count(func.distinct(subscriptions.c.number))).where(subscriptions.c.active.is_(True))
            ).scalar_one()
            rows = [
                ("signed_up", at)
                for (at,) in conn.execute(
                    select(consents.c.given_at).where(consents.c.given_at >= low, consents.c.given_at < high)
                )
            ]
            rows += [
                (status, at)
                for status, at in conn.execute(
                    select(sends.c.status, sends.c.claimed_at).where(
                        sends.c.claimed_at >= low, sends.c.claimed_at < high
                    )
                )
            ]
            rows += [
                ("opted_out" if not keyword.startswith("staff:") else "removed", at)
                for keyword, at in conn.execute(
                    select(opt_outs.c.keyword, opt_outs.c.at).where(opt_outs.c.at >= low, opt_outs.c.at < high)
                )
            ]
        weeks: dict[dt.date, dict[str, int]] = {}
        for what, at in rows:
            day = aware_utc(at).astimezone(zone).date()
            week = weeks.setdefault(day - dt.timedelta(days=day.weekday()), {})
            week[what] = week.get(what, 0) + 1
        return ReminderFigures(active, numbers, tuple(sorted(weeks.items())))


@dataclass(frozen=True)
class ReminderFigures:
    active: int  # active subscriptions now
    numbers: int  # the numbers they go to
    weeks: tuple  # (Monday, {"signed_up"|SENT|"skipped"|FAILED|UNCERTAIN|"opted_out"|"removed": count})
