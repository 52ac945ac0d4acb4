"""The facility deadline rules of facility-status.md: records and today in, a structured status out (no sentences, no Rasa, no database)."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from cers.dates import check_annual_due, next_annual_due

# Element names exactly as CERS and the import format spell them, in the order replies list them.
FACILITY_INFORMATION = "Facility Information"
INVENTORY = "Hazardous Materials Inventory"
EMERGENCY_PLANS = "Emergency Response and Training Plans"
UST = "Underground Storage Tanks"
APSA = "Aboveground Petroleum Storage"
HAZARDOUS_WASTE = "Hazardous Waste"
CALARP = "CalARP"
ELEMENTS = (FACILITY_INFORMATION, INVENTORY, EMERGENCY_PLANS, UST, APSA, HAZARDOUS_WASTE, CALARP)

PROGRAM_ELEMENTS = {
    "HMBP": (INVENTORY, EMERGENCY_PLANS),
    "UST": (UST,),
    "APSA": (APSA,),
    "HW": (HAZARDOUS_WASTE,),
    "CALARP": (CALARP,),
}
PROGRAMS = tuple(PROGRAM_ELEMENTS)

SUBMITTAL_STATUSES = ("Draft", "Submitted", "Under Review", "Accepted", "Not Accepted")
DRAFT = "Draft"
NOT_ACCEPTED = "Not Accepted"

# Days the office gives to update after a change, and to correct a Not Accepted element.
UPDATE_DAYS = 30
CORRECTION_DAYS = 30

# The change types of facility-status.md, and the element each calls for; any other text is met
# by a submission of any element.
CHANGE_ELEMENTS = {
    "ownership": FACILITY_INFORMATION,
    "operator": FACILITY_INFORMATION,
    "business name": FACILITY_INFORMATION,
    "address": FACILITY_INFORMATION,
    "emergency contact": FACILITY_INFORMATION,
    "primary contact": FACILITY_INFORMATION,
    "new hazardous material": INVENTORY,
    "site layout": INVENTORY,
}

# How offices type those change types in changes.csv (lower case, plurals made singular), tried
# in this order: the first whose words all appear in the text wins.
CHANGE_PHRASES = (
    (
        "emergency contact",
        ("emergency contact", "24 hour contact", "24hr contact", "emergency phone", "after hour contact"),
    ),
    ("primary contact", ("primary contact", "main contact", "contact")),
    ("ownership", ("change of ownership", "ownership", "new owner", "owner", "sold", "sale")),
    ("operator", ("change of operator", "new operator", "operator")),
    ("business name", ("new business name", "business name", "name change", "dba", "d b a", "name")),
    (
        "site layout",
        (
            "site layout",
            "site map",
            "layout change",
            "layout",
            "map",
            "moved tank",
            "tank moved",
            "moved storage",
            "storage moved",
        ),
    ),
    ("address", ("new address", "address", "moved", "relocated", "relocation", "move")),
    (
        "new hazardous material",
        (
            "new hazardous material",
            "new chemical",
            "added chemical",
            "chemical added",
            "new material",
            "hazardous material added",
            "chemical",
        ),
    ),
)


def _singular(word: str) -> str:
    keep = ("ss", "us", "is")  # "hazardous", "gas" stay as they are
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(keep) else word


def change_type(change: str) -> Optional[str]:
    """The spec's change type for what an office typed ("Operators", "Change of ownership", "New
    chemical"), or None when the text is none of them."""
    words = [_singular(w) for w in re.sub(r"[^a-z0-9]+", " ", change.lower()).split()]
    text = f" {' '.join(words)} "
    for kind, phrases in CHANGE_PHRASES:
        if any(f" {phrase} " in text for phrase in phrases):
            return kind
    return None


class State(enum.IntEnum):
    """How urgent something is; a larger value is worse, so the worst of several is max()."""

    CURRENT = 0
    DUE = 1
    OVERDUE = 2

    @property
    def label(self) -> str:
        return self.name.lower()


# ---------------------------------------------------------------- input records


@dataclass(frozen=True)
class Facility:
    cers_id: str
    name: str
    programs: tuple[str, ...] = ()
    street: str = ""
    city: str = ""
    zip: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Submittal:
    element: str
    status: str
    date: dt.date
    reviewed_on: Optional[dt.date] = None

    @property
    def is_submission(self) -> bool:
        return self.status != DRAFT


@dataclass(frozen=True)
class Change:
    change: str
    changed_on: dt.date


@dataclass(frozen=True)
class Records:
    """Everything on file for one facility, as the store returns it."""

    facility: Facility
    submittals: tuple[Submittal, ...] = ()
    changes: tuple[Change, ...] = ()

    def evaluate(self, today: dt.date, due_month: int = 3, due_day: int = 1) -> "FacilityStatus":
        return evaluate(self.facility, self.submittals, self.changes, today, due_month, due_day)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ElementStatus:
    """One required element's annual standing.

    due is the date that matters for the state: for current the date it is good until
    (N + 1 year), for due the annual due date N, for overdue the date it was due (P)."""

    element: str
    state: State
    due: dt.date
    days_left: int
    last_submitted: Optional[dt.date]


@dataclass(frozen=True)
class ChangeUpdate:
    """A change that still needs a submission (element None: any element meets it)."""

    change: str
    changed_on: dt.date
    element: Optional[str]
    due: dt.date
    state: State
    days_left: int


@dataclass(frozen=True)
class Correction:
    """An element whose latest submission was Not Accepted and needs a corrected submission."""

    element: str
    submitted_on: dt.date
    reviewed_on: dt.date
    due: dt.date
    state: State
    days_left: int


@dataclass(frozen=True)
class UnsubmittedDraft:
    element: str
    saved_on: dt.date


@dataclass(frozen=True)
class FacilityStatus:
    facility: Facility
    today: dt.date
    annual_due: dt.date  # N
    previous_due: dt.date  # P
    elements: tuple[ElementStatus, ...]
    changes: tuple[ChangeUpdate, ...]  # outstanding only
    corrections: tuple[Correction, ...]  # outstanding only
    drafts: tuple[UnsubmittedDraft, ...]
    annual: State  # the worst required element
    days_left: int  # until the annual due date N
    ignored_elements: tuple[str, ...] = field(default=())  # on file but not required by the programs

    @property
    def overall(self) -> State:
        """The worst of everything: annual elements, change updates and corrections."""
        states = [self.annual] + [c.state for c in self.changes] + [c.state for c in self.corrections]
        return max(states)

    @property
    def current_until(self) -> dt.date:
        """N + 1 year: how long a current element stays done."""
        return _shift_year(self.annual_due, 1)

    def elements_in(self, state: State) -> tuple[ElementStatus, ...]:
        return tuple(e for e in self.elements if e.state == state)


# ---------------------------------------------------------------- the rules


def required_elements(programs: Iterable[str]) -> tuple[str, ...]:
    """Facility Information always, plus each program's elements, in ELEMENTS order."""
    wanted = {FACILITY_INFORMATION}
    for program in programs:
        wanted.update(PROGRAM_ELEMENTS.get(program.strip().upper(), ()))
    return tuple(e for e in ELEMENTS if e in wanted)


def change_element(change: str) -> Optional[str]:
    """The element a change calls for, or None when a submission of any element meets it."""
    kind = change_type(change)
    return CHANGE_ELEMENTS.get(kind) if kind else None


def _submission_order(submittal: Submittal) -> tuple:
    # On one day, a Not Accepted row counts as earlier than any other submission that day,
    # so a same-day resubmission reads as the correction (and a later row never makes things worse).
    # Two rows alike but for the review date (two Not Accepted notices the same day): the later
    # review is the latest news, whatever the rows' order.
    return (submittal.date, submittal.status != NOT_ACCEPTED, submittal.reviewed_on or dt.date.min)


def latest_submissions(required: Sequence[str], submittals: Iterable[Submittal]) -> dict[str, Submittal]:
    """element -> its latest submission (Draft rows are not submissions), for required elements."""
    latest: dict[str, Submittal] = {}
    for sub in submittals:
        if sub.element not in required or not sub.is_submission:
            continue
        seen = latest.get(sub.element)
        if seen is None or _submission_order(sub) > _submission_order(seen):
            latest[sub.element] = sub
    return latest


def weakest_submission(required: Sequence[str], latest: dict[str, Submittal]) -> Optional[dt.date]:
    """The oldest of the required elements' latest submission dates; None if one was never submitted.

    The annual state of the whole facility is a function of this one date and today,
    which lets the store index it."""
    if any(element not in latest for element in required):
        return None
    return min(latest[element].date for element in required)


def annual_state(last_submitted: Optional[dt.date], previous_due: dt.date) -> State:
    """The annual rule for one submission date against P."""
    if last_submitted is not None and last_submitted > previous_due:
        return State.CURRENT
    if last_submitted is not None and last_submitted > _shift_year(previous_due, -1):
        return State.DUE
    return State.OVERDUE


def change_met_on(change: Change, required: Sequence[str], submittals: Iterable[Submittal]) -> Optional[dt.date]:
    """The first submission on or after the change of the element it calls for, or None."""
    element = change_element(change.change)
    if element is not None and element not in required:
        element = None  # the facility does not file that element: any submission meets the change
    dates = [
        s.date
        for s in submittals
        if s.is_submission
        and s.element in required
        and s.date >= change.changed_on
        and (element is None or s.element == element)
    ]
    return min(dates) if dates else None


def correction_due(submission: Submittal) -> Optional[dt.date]:
    """For a Not Accepted latest submission: reviewed_on + 30 days (submitted date if no review date)."""
    if submission.status != NOT_ACCEPTED:
        return None
    return (submission.reviewed_on or submission.date) + dt.timedelta(days=CORRECTION_DAYS)


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29 in a year without one
        return day.replace(year=day.year + years, day=28)


def _deadline_state(due: dt.date, today: dt.date) -> State:
    return State.OVERDUE if today > due else State.DUE


def evaluate(
    facility: Facility,
    submittals: Iterable[Submittal],
    changes: Iterable[Change],
    today: dt.date,
    due_month: int = 3,
    due_day: int = 1,
) -> FacilityStatus:
    """The facility's status on `today` under the rules of facility-status.md."""
    check_annual_due(due_month, due_day)
    submittals = tuple(submittals)
    changes = tuple(changes)
    annual_due = next_annual_due(today, due_month, due_day)
    previous_due = _shift_year(annual_due, -1)
    current_until = _shift_year(annual_due, 1)
    required = required_elements(facility.programs)
    latest = latest_submissions(required, submittals)

    elements = []
    for element in required:
        sub = latest.get(element)
        state = annual_state(sub.date if sub else None, previous_due)
        due = {State.CURRENT: current_until, State.DUE: annual_due, State.OVERDUE: previous_due}[state]
        elements.append(ElementStatus(element, state, due, (due - today).days, sub.date if sub else None))

    updates = []
    for change in sorted(changes, key=lambda c: (c.changed_on, c.change)):
        if change_met_on(change, required, submittals) is not None:
            continue
        called_for = change_element(change.change)
        due = change.changed_on + dt.timedelta(days=UPDATE_DAYS)
        updates.append(
            ChangeUpdate(
                change.change,
                change.changed_on,
                called_for if called_for in required else None,
                due,
                _deadline_state(due, today),
                (due - today).days,
            )
        )

    corrections = []
    for element in required:
        sub = latest.get(element)
        fix_by = correction_due(sub) if sub else None
        if sub is not None and fix_by is not None:
            due = fix_by
            corrections.append(
                Correction(
                    element, sub.date, sub.reviewed_on or sub.date, due, _deadline_state(due, today), (due - today).days
                )
            )

    drafts = []
    for element in required:
        saved = [s.date for s in submittals if s.element == element and not s.is_submission]
        sub = latest.get(element)
        if saved and (sub is None or max(saved) > sub.date):
            drafts.append(UnsubmittedDraft(element, max(saved)))

    ignored = tuple(sorted({s.element for s in submittals if s.element not in required}))
    return FacilityStatus(
        facility=facility,
        today=today,
        annual_due=annual_due,
        previous_due=previous_due,
        elements=tuple(elements),
        changes=tuple(updates),
        corrections=tuple(corrections),
        drafts=tuple(drafts),
        annual=max(e.state for e in elements),
        days_left=(annual_due - today).days,
        ignored_elements=ignored,
    )
