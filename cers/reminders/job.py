"""The reminder job (`make remind`, scripts/remind.py): for each number with active subscriptions, the one reminder due now, claimed in the database before it is sent, re-checked against the records, sent at the provider's pace with retries; safe to run twice at once, or again after a crash.

How each number is handled (in batches of numbers: a few queries a batch, so the database work
grows linearly with the subscriptions):
1. The due reminders of its facilities (cers/reminders/schedule.py), less those already recorded
   for it; nothing when it was texted today or it is outside sending hours.
2. The most urgent is claimed (an INSERT under the store's unique keys). Another job that got
   there first makes it TAKEN (the next one is tried) or DAY_TAKEN (the number is done for today).
3. The facility's records are read again: if the business has submitted since, the claim is
   marked skipped (and the next reminder tried).
4. It is sent, about one every `pace_seconds` (a long code's rate); a TemporaryError is retried
   `retries` times with backoff; a PermanentError ends the number's subscriptions.

A crash between the claim and the provider's answer leaves a claim with no outcome. The next run
never sends it again: a claim older than LEASE (far longer than a send with its retries takes,
so never one a live job is still sending) is asked about with the sender's lookup() when it
has one (found: sent, with the provider's id), and otherwise marked uncertain. Uncertain rather
than resent: a reminder missed is one text fewer of several; a reminder sent twice is what the
issue forbids, and the dashboard shows the uncertain ones. The number's day stays used.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, TypeVar

from cers.deadlines import Records
from cers.reminders import texts
from cers.reminders.numbers import masked
from cers.reminders.schedule import (
    SEND_FROM,
    SEND_UNTIL,
    Reminder,
    choose,
    due_reminders,
    in_sending_hours,
    local_time,
    still_outstanding,
)
from cers.reminders.sender import ConfigurationError, PermanentError, Sender, SendError, TemporaryError, UncertainError
from cers.reminders.store import ClaimOutcome, RemindersStore, Subscription

LEASE = dt.timedelta(minutes=15)
T = TypeVar("T")


class RecordsSource(Protocol):
    """Where the facility records are: cers/facilities/store.FacilityStore (get_many is used when it has it)."""

    def get(self, cers_id: str) -> Optional[Records]: ...


@dataclass
class RunResult:
    numbers: int = 0  # numbers with an active subscription
    subscriptions: int = 0
    sent: int = 0
    would_send: int = 0  # --dry-run
    skipped: int = 0  # met since the job read the records
    failed: int = 0
    uncertain: int = 0  # stale claims marked uncertain, and sends with no answer
    recovered: int = 0  # stale claims the provider says were sent
    taken: int = 0  # claimed by another job first
    texted_today: int = 0  # numbers that already got their text today
    nothing_due: int = 0
    ended: int = 0  # subscriptions ended because the provider refused the number
    outside_hours: bool = False  # nothing sent: it is not 8:00 to 21:00 office time
    stopped_at_hours_end: bool = False  # 21:00 came during the run
    dry_run: bool = False
    preview: list[tuple[str, str]] = field(default_factory=list)  # --dry-run: (number, text)

    def summary(self) -> str:
        if self.outside_hours:
            return f"Outside sending hours ({SEND_FROM:%H:%M} to {SEND_UNTIL:%H:%M} office time): nothing sent."
        done = f"{self.would_send:,} would be sent" if self.dry_run else f"{self.sent:,} sent"
        parts = [
            f"{self.numbers:,} numbers ({self.subscriptions:,} subscriptions): {done}",
            f"{self.skipped:,} skipped (submitted since)",
            f"{self.failed:,} failed",
            f"{self.uncertain:,} uncertain",
            f"{self.texted_today:,} already texted today",
            f"{self.taken:,} taken by another job",
            f"{self.nothing_due:,} with nothing due",
        ]
        if self.recovered:
            parts.append(f"{self.recovered:,} earlier sends confirmed")
        if self.ended:
            parts.append(f"{self.ended:,} subscriptions ended (number refused)")
        if self.stopped_at_hours_end:
            parts.append("stopped at 21:00")
        return ", ".join(parts) + "."


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _records_of(source: RecordsSource, cers_ids: set[str]) -> dict[str, Records]:
    get_many = getattr(source, "get_many", None)
    if get_many is not None:
        return get_many(sorted(cers_ids))
    found = {cers_id: source.get(cers_id) for cers_id in sorted(cers_ids)}
    return {cers_id: records for cers_id, records in found.items() if records is not None}


class _Run:
    def __init__(self, store, records, office, now, sender, dry_run, progress, pace, retries, backoff, sleep, clock):
        self.store: RemindersStore = store
        self.records: RecordsSource = records
        self.office: Any = office
        self.started_at: dt.datetime = now
        self.sender: Optional[Sender] = sender
        self.dry_run: bool = dry_run
        self.progress = progress
        self.pace, self.retries, self.backoff = pace, retries, backoff
        self.sleep: Callable[[float], None] = sleep
        self.clock: Callable[[], float] = clock
        self.started = clock()
        self.last_send: Optional[float] = None
        self.zone = office.hours.time_zone
        self.result = RunResult(dry_run=dry_run)

    def now(self) -> dt.datetime:
        """The start time given, moved on by the real time the run has taken."""
        return self.started_at + dt.timedelta(seconds=self.clock() - self.started)

    def due(self, records: Optional[Records], today: dt.date) -> list[Reminder]:
        if records is None:
            return []
        return due_reminders(
            records, today, self.office.reminder_days, self.office.annual_due_month, self.office.annual_due_day
        )

    # ------------------------------------------------------------ stale claims

    def settle_stale_claims(self) -> None:
        lookup = getattr(self.sender, "lookup", None)
        moment = self.now()
        for claim in self.store.stale_claims(moment - LEASE):
            provider_id = lookup(claim.number, claim.text, claim.claimed_at) if lookup else None
            if provider_id:
                self.store.mark_sent(claim.id, provider_id, max(claim.attempts, 1), moment)
                self.result.recovered += 1
            else:
                note = f"claimed {claim.claimed_at:%Y-%m-%d %H:%M} UTC and never confirmed: not sent again"
                self.store.mark_uncertain(claim.id, note, moment)
                self.result.uncertain += 1

    # ------------------------------------------------------------ numbers

    def run(self, batch: int, progress_every: int) -> RunResult:
        result = self.result
        if not in_sending_hours(self.now(), self.zone):
            result.outside_hours = True
            return result
        if not self.dry_run:
            self.settle_stale_claims()
        next_report = progress_every
        for page in _chunks(self.store.active_by_number(batch), batch):
            moment = self.now()
            if not in_sending_hours(moment, self.zone):
                result.stopped_at_hours_end = True
                break
            today = local_time(moment, self.zone).date()
            facilities = _records_of(self.records, {s.cers_id for _, subs in page for s in subs})
            due = {
                number: [r for s in subs for r in self.due(facilities.get(s.cers_id), today)] for number, subs in page
            }
            waiting = [number for number, reminders in due.items() if reminders]
            texted = self.store.texted_on(waiting, today)
            deadlines = {r.deadline for number in waiting for r in due[number]}
            recorded = self.store.recorded([n for n in waiting if n not in texted], deadlines)
            for number, subs in page:
                result.numbers += 1
                result.subscriptions += len(subs)
                if not due[number]:
                    result.nothing_due += 1
                elif number in texted:
                    result.texted_today += 1
                else:
                    keys = {key[1:] for key in recorded if key[0] == number}
                    self.one_number(number, subs, due[number], keys, facilities, today)
                if self.progress and result.numbers >= next_report:
                    self.progress(f"reminders: {result.summary()}")
                    next_report += progress_every
        return result

    def one_number(self, number, subs: list[Subscription], due, keys: set, facilities, today) -> None:
        """At most one text to the number: the most urgent reminder not yet recorded that is still due."""
        by_facility = {s.cers_id: s for s in subs}
        fresh: dict[str, Optional[Records]] = {}
        first = True
        while True:
            reminder = choose(due, self.now(), self.zone, recorded=keys)
            if reminder is None:
                if first:  # every reminder due was recorded before: it was sent (or settled) already
                    self.result.nothing_due += 1
                return
            first = False
            keys.add(reminder.key)
            subscription = by_facility[reminder.cers_id]
            name = facilities[reminder.cers_id].facility.name
            text = texts.reminder(self.office, subscription.language, name, reminder)
            if self.dry_run:
                self.result.would_send += 1
                self.result.preview.append((number, text))
                return
            claim = self.store.claim(reminder, number, today, text, subscription.language, self.now(), subscription.id)
            if claim.outcome == ClaimOutcome.TAKEN:
                self.result.taken += 1
                continue
            if claim.outcome == ClaimOutcome.DAY_TAKEN:
                self.result.texted_today += 1
                return
            assert claim.send_id is not None
            # Just before sending: the records as they are now (an import may have run since).
            if reminder.cers_id not in fresh:
                fresh[reminder.cers_id] = self.records.get(reminder.cers_id)
            if not still_outstanding(
                reminder, fresh[reminder.cers_id], today, self.office.annual_due_month, self.office.annual_due_day
            ):
                self.store.mark_skipped(claim.send_id, "met before it was sent", self.now())
                self.result.skipped += 1
                continue
            self.send(claim.send_id, number, text)
            return

    def send(self, send_id: int, number: str, text: str) -> None:
        assert self.sender is not None
        attempts = 0
        while True:
            attempts += 1
            self.wait_for_pace()
            try:
                provider_id = self.sender.send(number, text)
            except TemporaryError as error:
                if attempts <= self.retries:
                    self.sleep(self.backoff * 2 ** (attempts - 1))
                    continue
                self.store.mark_failed(send_id, f"gave up after {attempts} tries: {error}", attempts, self.now())
                self.result.failed += 1
            except PermanentError as error:
                self.store.mark_failed(send_id, str(error), attempts, self.now())
                self.result.failed += 1
                self.result.ended += self.store.end_number(number, error.reason, self.now())
            except UncertainError as error:
                self.store.mark_uncertain(send_id, str(error), self.now())
                self.result.uncertain += 1
            except ConfigurationError:
                # Nothing went out: give the reminder back for the next run, and stop this one.
                self.store.release(send_id)
                raise
            except SendError as error:
                self.store.mark_failed(send_id, str(error), attempts, self.now())
                self.result.failed += 1
            else:
                self.store.mark_sent(send_id, provider_id, attempts, self.now())
                self.result.sent += 1
            return

    def wait_for_pace(self) -> None:
        if self.pace > 0 and self.last_send is not None:
            wait = self.last_send + self.pace - self.clock()
            if wait > 0:
                self.sleep(wait)
        self.last_send = self.clock()


def run(
    store: RemindersStore,
    records: RecordsSource,
    office: Any,
    now: dt.datetime,
    sender: Optional[Sender],
    dry_run: bool = False,
    progress: Optional[Callable[[str], None]] = None,
    *,
    pace_seconds: float = 1.0,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    batch: int = 500,
    progress_every: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RunResult:
    """One run of the job at `now` (an aware time; CERS_NOW in tests) for `office` (cers.settings.Office).

    dry_run: nothing is claimed, settled or sent; result.preview holds (number, text) of what
    would be sent now. progress gets a line every `progress_every` numbers (the script prints it
    to stderr). ConfigurationError from the sender stops the run (after giving its claim back)."""
    if sender is None and not dry_run:
        raise ValueError("a sender is needed unless dry_run")
    job = _Run(
        store, records, office, now, sender, dry_run, progress, pace_seconds, retries, backoff_seconds, sleep, clock
    )
    result = job.run(batch, progress_every)
    if progress and result.numbers >= progress_every:
        progress(f"reminders: done: {result.summary()}")
    return result


def preview_lines(result: RunResult) -> list[str]:
    """--dry-run's report: each text that would go out, to a masked number."""
    return [f"{masked(number)}: {text}" for number, text in result.preview]
