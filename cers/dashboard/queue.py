"""Where the dashboard's handoffs and callbacks come from: the handoffs to staff and callback requests the bot records (cers/handoffs.py, in the facility database).

The dashboard shows a "Handoffs" and a "Callback requests" section whose rows come from
staff_queue(): each handoff with who answered it first and how long the person waited for that
first reply; each callback request with when it was marked done (from Slack or the dashboard's
"Done" button) and by whom. A staff member's name is their Slack name for what happened on Slack,
their dashboard account's name for what they did here. Retention (retention.py) deletes old rows.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any, List, Optional, Protocol, Sequence, Tuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Handoff:
    conversation: str
    channel: str
    requested_at: dt.datetime
    answered_at: Optional[dt.datetime]
    handled_by: Optional[str]  # a staff account's name

    @property
    def response_seconds(self) -> Optional[float]:
        return (self.answered_at - self.requested_at).total_seconds() if self.answered_at else None


@dataclass(frozen=True)
class Callback:
    id: str
    requested_at: dt.datetime
    name: str
    phone: str
    topic: str
    done_at: Optional[dt.datetime] = None
    done_by: Optional[str] = None

    @property
    def response_seconds(self) -> Optional[float]:
        return (self.done_at - self.requested_at).total_seconds() if self.done_at else None


class StaffQueue(Protocol):
    recorded: bool  # False: nothing records handoffs and callbacks yet

    def handoffs(self, start: dt.date, end: dt.date) -> List[Handoff]: ...

    def callbacks(self, start: dt.date, end: dt.date) -> List[Callback]: ...

    def open_callbacks(self) -> List[Callback]: ...

    def mark_done(self, callback_id: str, staff_name: str) -> bool: ...


class StoredQueue:
    """Handoffs and callback requests as the bot stores them, days read in the office's time zone."""

    recorded = True

    def __init__(self, store: Any, time_zone: str):
        self.store = store
        self.zone = ZoneInfo(time_zone)

    def _bounds(self, start: dt.date, end: dt.date) -> Tuple[dt.datetime, dt.datetime]:
        """[start, end] office days as UTC moments [from, to)."""
        first = dt.datetime.combine(start, dt.time(0), self.zone)
        after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), self.zone)
        return first.astimezone(dt.timezone.utc), after.astimezone(dt.timezone.utc)

    def _local(self, moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
        return moment.astimezone(self.zone) if moment is not None else None

    def handoffs(self, start: dt.date, end: dt.date) -> List[Handoff]:
        return [
            Handoff(
                h.sender_id, h.channel, h.requested_at.astimezone(self.zone), self._local(h.answered_at), h.handled_by
            )
            for h in self.store.handoffs_between(*self._bounds(start, end))
        ]

    def _callback(self, c: Any) -> Callback:
        return Callback(
            c.id, c.requested_at.astimezone(self.zone), c.name, c.contact, c.question, self._local(c.done_at), c.done_by
        )

    def callbacks(self, start: dt.date, end: dt.date) -> List[Callback]:
        return [self._callback(c) for c in self.store.callbacks_between(*self._bounds(start, end))]

    def open_callbacks(self) -> List[Callback]:
        return [self._callback(c) for c in self.store.open_callbacks()]

    def mark_done(self, callback_id: str, staff_name: str) -> bool:
        return bool(self.store.callback_done(callback_id, staff_name))


class NotRecordedYet:
    """No handoffs or callbacks are recorded yet: empty lists, and nothing to mark done."""

    recorded = False

    def handoffs(self, start: dt.date, end: dt.date) -> List[Handoff]:
        return []

    def callbacks(self, start: dt.date, end: dt.date) -> List[Callback]:
        return []

    def open_callbacks(self) -> List[Callback]:
        return []

    def mark_done(self, callback_id: str, staff_name: str) -> bool:
        return False


def staff_queue(store: Optional[Any] = None) -> StoredQueue:
    """The handoffs and callback requests as the bot stores them (a HandoffStore; DATABASE_URL's
    when none is given), days in the office's time zone."""
    from cers.settings import load_office

    if store is None:
        from cers.facilities.store import FacilityStore
        from cers.handoffs import HandoffStore

        store = HandoffStore(FacilityStore().engine)
    return StoredQueue(store, load_office().hours.time_zone)


def response_times(seconds: Sequence[Optional[float]]) -> Tuple[int, Optional[float], Optional[float]]:
    """(how many were answered, median seconds, 90th percentile seconds) of the answered ones."""
    done = sorted(value for value in seconds if value is not None)
    if not done:
        return 0, None, None
    p90 = done[min(len(done) - 1, int(0.9 * len(done)))]
    return len(done), statistics.median(done), p90


def describe_seconds(value: Optional[float]) -> str:
    if value is None:
        return "–"
    if value < 90:
        return f"{value:.0f} s"
    if value < 90 * 60:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"
