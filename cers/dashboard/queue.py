"""Where the dashboard's handoffs and callbacks come from: not recorded yet (the handoff and callback work will add them).

The dashboard shows a "Handoffs" and a "Callback requests" section whose rows come from
staff_queue(). Until conversations can be handed to staff and callbacks requested, it returns
NotRecordedYet, and the sections say so: no made-up rows.

TODO(handoff/callbacks): implement StaffQueue over the table or events that work adds (who
handled a handoff, when; callback requests and when they were done, by whom: staff names are
cers.dashboard.accounts' names), return it from staff_queue(), and add the handoff action's
name to summary.HANDOFF_ACTIONS so conversations count as handed off. Retention
(retention.py) must delete their old rows as well.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import List, Optional, Protocol, Sequence, Tuple


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


def staff_queue() -> StaffQueue:
    """TODO(handoff/callbacks): the real source once handoffs and callbacks are recorded."""
    return NotRecordedYet()


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
