"""Which deadline reminders are due, and which one a number gets now: pure rules on cers/deadlines.py's records and a date (no database, no sending).

A deadline is one thing a facility must submit by a date: its annual update (the annual due
date N, or P once it has passed), the update after a change (changed_on + 30 days; changes due the
same day are one deadline), a correction of a Not Accepted element (reviewed_on + 30 days). It is
outstanding until the records meet it; a met deadline is never reminded.

Each deadline has a reminder at each of the office's offsets (office.yml's reminder_days, e.g.
30, 7 and 1 days before) and one more once it has passed (OVERDUE). The reminder of an offset is
due from that many days before the deadline until the next offset's starts, so a day missed (the
job did not run, or the number got a more urgent text) is caught up the next day, never twice:
its key (facility, kind, deadline, offset) is sent at most once, which the store enforces.

Texts go out only from SEND_FROM to SEND_UNTIL office time, and a number gets at most one a day:
the most urgent of those due (overdue first, then the fewest days left).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Collection, Iterable, Optional, Sequence
from zoneinfo import ZoneInfo

from cers.deadlines import Records, State
from cers.settings import DEFAULT_REMINDER_DAYS

ANNUAL = "annual"  # the annual update of every required element
CHANGE = "change"  # the update within 30 days of a change at the facility
CORRECTION = "correction"  # a corrected submission within 30 days of a Not Accepted review
KINDS = (ANNUAL, CHANGE, CORRECTION)  # on a tie in urgency, the annual update first

OVERDUE = -1  # the offset of the one reminder sent after a deadline has passed

# The hours a reminder may be texted, office time (people are not texted at night).
SEND_FROM = dt.time(8, 0)
SEND_UNTIL = dt.time(21, 0)


@dataclass(frozen=True)
class Deadline:
    """One outstanding deadline of a facility."""

    cers_id: str
    kind: str
    due: dt.date


@dataclass(frozen=True)
class Reminder:
    """The reminder of one deadline at one offset, as due on a given day."""

    cers_id: str
    kind: str
    deadline: dt.date
    offset: int  # days before the deadline, or OVERDUE
    days_left: int  # on the day it is due (negative: days overdue)

    @property
    def key(self) -> tuple[str, str, dt.date, int]:
        """What is sent at most once (to each number): facility, kind, deadline, offset."""
        return (self.cers_id, self.kind, self.deadline, self.offset)

    @property
    def overdue(self) -> bool:
        return self.offset == OVERDUE

    @property
    def urgency(self) -> tuple:
        """A sort key, most urgent first: overdue before due, then the fewest days left (the longest
        overdue first), then KINDS order and the CERS ID so that the choice never depends on order."""
        return (not self.overdue, self.days_left, KINDS.index(self.kind), self.cers_id)


def outstanding(records: Records, today: dt.date, due_month: int = 3, due_day: int = 1) -> tuple[Deadline, ...]:
    """The facility's deadlines the records do not meet yet on `today`, each once, by date."""
    status = records.evaluate(today, due_month, due_day)
    cers_id = records.facility.cers_id
    found = {Deadline(cers_id, ANNUAL, e.due) for e in status.elements if e.state != State.CURRENT}
    found |= {Deadline(cers_id, CHANGE, c.due) for c in status.changes}
    found |= {Deadline(cers_id, CORRECTION, c.due) for c in status.corrections}
    return tuple(sorted(found, key=lambda d: (d.due, KINDS.index(d.kind))))


def offset_for(days_left: int, offsets: Sequence[int] = DEFAULT_REMINDER_DAYS) -> Optional[int]:
    """The offset whose reminder covers a deadline `days_left` days away: the smallest offset of at
    least days_left, OVERDUE once the deadline has passed, None while it is further than every offset."""
    if days_left < 0:
        return OVERDUE
    covering = [offset for offset in offsets if offset >= days_left]
    return min(covering) if covering else None


def due_reminders(
    records: Records,
    today: dt.date,
    offsets: Sequence[int] = DEFAULT_REMINDER_DAYS,
    due_month: int = 3,
    due_day: int = 1,
) -> list[Reminder]:
    """The facility's reminders due on `today`, most urgent first (at most one per deadline)."""
    reminders = []
    for deadline in outstanding(records, today, due_month, due_day):
        days_left = (deadline.due - today).days
        offset = offset_for(days_left, offsets)
        if offset is not None:
            reminders.append(Reminder(deadline.cers_id, deadline.kind, deadline.due, offset, days_left))
    return sorted(reminders, key=lambda r: r.urgency)


def still_outstanding(
    reminder: Reminder, records: Optional[Records], today: dt.date, due_month: int = 3, due_day: int = 1
) -> bool:
    """Whether the reminder's deadline is still unmet in these (fresh) records: checked just before sending."""
    if records is None:
        return False  # the facility is no longer on file: nothing to remind
    return Deadline(reminder.cers_id, reminder.kind, reminder.deadline) in outstanding(
        records, today, due_month, due_day
    )


def local_time(moment: dt.datetime, time_zone: str) -> dt.datetime:
    """`moment` on the office's clock (a naive time already is)."""
    return moment.astimezone(ZoneInfo(time_zone)) if moment.tzinfo else moment


def in_sending_hours(moment: dt.datetime, time_zone: str) -> bool:
    """Whether a reminder may be texted at this moment: SEND_FROM to SEND_UNTIL, office time."""
    return SEND_FROM <= local_time(moment, time_zone).time() < SEND_UNTIL


def choose(
    due: Iterable[Reminder],
    moment: dt.datetime,
    time_zone: str,
    recorded: Collection[tuple] = (),
    texted_today: bool = False,
) -> Optional[Reminder]:
    """The one reminder a number gets now, or None: nothing outside sending hours, nothing when the
    number was already texted today, never a key already recorded (sent, claimed or skipped)."""
    if texted_today or not in_sending_hours(moment, time_zone):
        return None
    waiting = [r for r in due if r.key not in recorded]
    return min(waiting, key=lambda r: r.urgency) if waiting else None
