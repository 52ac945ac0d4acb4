"""The facility status reply for a phone screen: a verdict first, then each thing to do as an action, from cers/templates/en/status.yml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

from cers.conversation.names import ENGLISH
from cers.dates import format_date, plural_days
from cers.deadlines import FacilityStatus, State, change_type
from cers.templates import render, templates


def say(template: str, **values) -> str:
    """A staff-facing text (staff read English)."""
    return render("status", template, **values)


def say_in(language: str, template: str, **values) -> str:
    return render("status", template, language=language, **values)


@dataclass(frozen=True)
class ToDo:
    """One thing a facility must submit, with the deadline that makes it due or overdue."""

    kind: str  # "annual", "change" or "correction"
    state: State  # DUE or OVERDUE
    element: Optional[str]  # what to submit; None when any element will do
    due: dt.date
    days_left: int
    change: str = ""  # for a change: what changed, as people say it
    also: Tuple["ToDo", ...] = ()  # other things the same submission settles


def change_words(change: str) -> str:
    """ "Change of ownership" -> "ownership": the spec's change type when the text is one, else the text."""
    kind = change_type(change)
    text = kind or change.strip()
    return text[:1].lower() + text[1:]


def change_in(change: str, language: str) -> str:
    """A change as a status line in `language` says it: a change type of the spec in that
    language's words; anything else the office typed, as typed."""
    return templates("status", language).get(f"change_types.{change}", change)


def things_to_do(status: FacilityStatus) -> List[ToDo]:
    """Everything outstanding, overdue first, then due; each group soonest deadline first.

    Each element is one thing (people submit elements one by one in CERS): when a change or a
    correction and the annual date call for the same element, one submission settles them all,
    so they are one thing, listed under the most urgent of them."""
    reasons: List[ToDo] = []
    for element in status.elements:
        if element.state != State.CURRENT:
            reasons.append(ToDo("annual", element.state, element.element, element.due, element.days_left))
    for update in status.changes:
        reasons.append(
            ToDo(
                "change", update.state, update.element, update.due, update.days_left, change=change_words(update.change)
            )
        )
    for fix in status.corrections:
        reasons.append(ToDo("correction", fix.state, fix.element, fix.due, fix.days_left))
    reasons.sort(key=urgency)
    items: List[ToDo] = []
    for reason in reasons:
        same = next((i for i, item in enumerate(items) if reason.element and item.element == reason.element), None)
        if same is None:
            items.append(reason)
        else:
            items[same] = replace(items[same], also=items[same].also + (reason,))
    return items


def urgency(item: ToDo) -> tuple:
    return (-item.state, item.due)


def left(days: int, language: str = ENGLISH) -> str:
    if days == 0:
        return say_in(language, "left.today")
    return say_in(language, "left.one") if days == 1 else say_in(language, "left.many", days=days)


def item_line(item: ToDo, language: str = ENGLISH) -> str:
    state = "overdue" if item.state == State.OVERDUE else "due"
    kind = "change_any" if item.kind == "change" and not item.element else item.kind
    line = say_in(
        language,
        f"item.{kind}_{state}",
        element=item.element or "",
        due=format_date(item.due, language),
        left=left(item.days_left, language),
        change=change_in(item.change, language),
    )
    for other in item.also:
        line += " " + say_in(
            language,
            f"covers.{other.kind}",
            change=change_in(other.change, language),
            due=format_date(other.due, language),
        )
    return line


def verdict(status: FacilityStatus, items: Sequence[ToDo], language: str = ENGLISH) -> str:
    facility = say_in(language, "facility", name=status.facility.name, cers_id=status.facility.cers_id)
    overdue = sum(item.state == State.OVERDUE for item in items)
    due = len(items) - overdue
    if overdue:
        line = say_in(
            language,
            "verdict.overdue_one" if overdue == 1 else "verdict.overdue_many",
            facility=facility,
            count=overdue,
        )
        return line + (say_in(language, "verdict.more_due", count=due) if due else "")
    if due:
        return say_in(language, "verdict.due_one" if due == 1 else "verdict.due_many", facility=facility, count=due)
    return say_in(language, "verdict.up_to_date", facility=facility)


def item_lines(status: FacilityStatus, items: Sequence[ToDo], language: str = ENGLISH) -> List[str]:
    """The things to do; after the last overdue annual element, that submitting now covers the next date too."""
    lines = []
    late_annual = [
        item for item in items if any(r.kind == "annual" and r.state == State.OVERDUE for r in (item,) + item.also)
    ]
    for item in items:
        lines.append(item_line(item, language))
        if late_annual and item is late_annual[-1]:
            which = "covers.next_annual_one" if len(late_annual) == 1 else "covers.next_annual_many"
            lines.append(say_in(language, which, date=format_date(status.annual_due, language)))
    return lines


def staff_details(status: FacilityStatus) -> List[str]:
    facility = status.facility
    address = ", ".join(p for p in (facility.street, f"{facility.city} {facility.zip}".strip()) if p)
    programs = say("staff.programs", programs=", ".join(facility.programs) or say("staff.no_programs"))
    details = " · ".join(p for p in (address, facility.phone, programs) if p)
    submissions = "; ".join(
        say("staff.submission", element=e.element, date=format_date(e.last_submitted))
        if e.last_submitted
        else say("staff.never", element=e.element)
        for e in status.elements
    )
    lines = [say("staff.on_file", details=details), say("staff.last_submitted", submissions=submissions)]
    lines += [
        say("staff.not_accepted", element=fix.element, date=format_date(fix.reviewed_on)) for fix in status.corrections
    ]
    return lines


def status_reply(status: FacilityStatus, staff: bool = False, language: str = ENGLISH) -> str:
    """The reply: verdict, things to do, drafts, the next annual date, then the offer (public only).

    A public reply shows nothing on file beyond the name and CERS ID; staff see the address,
    phone, programs and each element's last submission, and get no offer to walk them through."""
    items = things_to_do(status)
    lines = [verdict(status, items, language)]
    if staff:
        lines += staff_details(status)
    lines += item_lines(status, items, language)
    lines += [
        say_in(language, "item.draft", element=d.element, saved_on=format_date(d.saved_on, language))
        for d in status.drafts
    ]
    if status.annual == State.CURRENT:
        which = "next_annual.after_items" if items else "next_annual.clear"
        lines.append(say_in(language, which, date=format_date(status.current_until, language)))
    if not staff:
        lines.append(say_in(language, "offer"))
    return "\n".join(lines)


# ---------------------------------------------------------------- staff lists


def overdue_summary(status: FacilityStatus) -> str:
    """One facility's overdue things on one line, for the staff list."""
    return _summary([reason for reason in reasons(status) if reason.state == State.OVERDUE], "overdue")


def due_summary(status: FacilityStatus, days: int) -> str:
    """One facility's things due within `days`, on one line, for the staff list."""
    horizon = status.today + dt.timedelta(days=days)
    return _summary(
        [reason for reason in reasons(status) if reason.state == State.DUE and reason.due <= horizon], "due"
    )


def reasons(status: FacilityStatus) -> List[ToDo]:
    """Every deadline on its own, most urgent first (the staff lists name each)."""
    return sorted(
        (reason for item in things_to_do(status) for reason in (replace(item, also=()),) + item.also), key=urgency
    )


def _summary(items: Sequence[ToDo], state: str) -> str:
    """ "annual A, B (due ...); ownership update (due ...)": annual elements of one date together."""
    parts: List[str] = []
    annual = [item for item in items if item.kind == "annual"]
    for item in items:
        if item.kind == "annual" and item is not annual[0]:
            continue
        elements = (
            ", ".join(i.element or "" for i in annual) if item.kind == "annual" else (item.element or "any element")
        )
        parts.append(
            say(
                f"list.{item.kind}_{state}",
                elements=elements,
                change=item.change,
                due=format_date(item.due),
                days=plural_days(item.days_left),
            )
        )
    return "; ".join(parts)


def list_reply(kind: str, total: int, items: Sequence, today: dt.date, days: int = 0) -> str:
    """The staff list of facilities with something "overdue" (or "due" within `days`).

    items: the facilities shown (name, cers_id, city, status), `total` of them qualify."""
    span = say("list.span", days=plural_days(days), date=format_date(today + dt.timedelta(days=days)))
    values = dict(date=format_date(today), span=span, count=total)
    if not total:
        return say(f"list.{kind}_none", **values)
    lines = [say(f"list.{kind}_headline_one" if total == 1 else f"list.{kind}_headline_many", **values)]
    if items:
        lines.append(say("list.first_by_name", count=len(items)) if total > len(items) else say("list.by_name"))
    for number, item in enumerate(items, 1):
        summary = overdue_summary(item.status) if kind == "overdue" else due_summary(item.status, days)
        lines.append(
            say("list.row", number=number, name=item.name, cers_id=item.cers_id, city=item.city, summary=summary)
        )
    if items:
        lines.append(say("list.footer"))
    return "\n".join(lines)
