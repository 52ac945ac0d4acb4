"""Which reminders are due (cers/reminders/schedule.py): the worked example of facility-status.md, and invariants on generated records (hypothesis): never once met, never outside sending hours, each key once, one a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cers.deadlines import ELEMENTS, PROGRAMS, SUBMITTAL_STATUSES, Change, Facility, Records, Submittal
from cers.reminders.schedule import (
    ANNUAL,
    CHANGE,
    CORRECTION,
    OVERDUE,
    Reminder,
    choose,
    due_reminders,
    in_sending_hours,
    offset_for,
    outstanding,
    still_outstanding,
)

ZONE = "America/Los_Angeles"
TODAY = dt.date(2027, 2, 15)  # facility-status.md's worked example
FACILITY = Facility("10234567", "Feather River Feed & Seed", ("HMBP",))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(ZONE))


def worked_example() -> Records:
    return Records(
        FACILITY,
        (
            Submittal("Facility Information", "Accepted", dt.date(2026, 12, 10), dt.date(2026, 12, 12)),
            Submittal("Emergency Response and Training Plans", "Accepted", dt.date(2026, 12, 10)),
            Submittal("Hazardous Materials Inventory", "Not Accepted", dt.date(2026, 2, 20), dt.date(2027, 1, 25)),
        ),
        (Change("Change of ownership", dt.date(2027, 1, 20)),),
    )


def test_the_worked_example_has_three_deadlines_each_at_its_offset():
    reminders = due_reminders(worked_example(), TODAY, (30, 7, 1))
    assert [(r.kind, r.deadline, r.offset, r.days_left) for r in reminders] == [
        (CHANGE, dt.date(2027, 2, 19), 7, 4),  # the ownership change: 4 days left, most urgent
        (CORRECTION, dt.date(2027, 2, 24), 30, 9),
        (ANNUAL, dt.date(2027, 3, 1), 30, 14),  # the inventory, submitted before P
    ]
    assert choose(reminders, at(TODAY, 10), ZONE).kind == CHANGE
    # The change's reminder sent today: tomorrow the correction's (9 days left), then the annual one.
    sent = {reminders[0].key}
    assert choose(due_reminders(worked_example(), TODAY + dt.timedelta(days=1)), at(TODAY, 10), ZONE, sent).kind == (
        CORRECTION
    )


def test_offsets_and_overdue():
    assert [offset_for(days, (30, 7, 1)) for days in (45, 31, 30, 8, 7, 2, 1, 0, -1, -200)] == [
        None,
        None,
        30,
        30,
        7,
        7,
        1,
        1,
        OVERDUE,
        OVERDUE,
    ]
    assert offset_for(3, ()) is None and offset_for(-1, ()) == OVERDUE  # reminder_days: [] (only overdue)
    assert offset_for(0, (0,)) == 0


def test_overdue_comes_first_then_the_fewest_days_left():
    def reminder(kind, days_left, offset):
        return Reminder("10234567", kind, TODAY + dt.timedelta(days=days_left), offset, days_left)

    due = [reminder(ANNUAL, 1, 1), reminder(CORRECTION, -3, OVERDUE), reminder(CHANGE, -40, OVERDUE)]
    assert choose(due, at(TODAY, 12), ZONE).kind == CHANGE
    assert choose(due[:2], at(TODAY, 12), ZONE).kind == CORRECTION
    assert choose(due, at(TODAY, 12), ZONE, texted_today=True) is None


def test_sending_hours_are_eight_to_nine_office_time():
    assert not in_sending_hours(at(TODAY, 7, 59), ZONE)
    assert in_sending_hours(at(TODAY, 8, 0), ZONE) and in_sending_hours(at(TODAY, 20, 59), ZONE)
    assert not in_sending_hours(at(TODAY, 21, 0), ZONE)
    # 17:30 UTC is 09:30 in California in February.
    assert in_sending_hours(dt.datetime(2027, 2, 15, 17, 30, tzinfo=dt.timezone.utc), ZONE)
    assert not in_sending_hours(dt.datetime(2027, 2, 15, 6, 0, tzinfo=dt.timezone.utc), ZONE)


def test_a_facility_no_longer_on_file_is_not_reminded():
    reminder = due_reminders(worked_example(), TODAY)[0]
    assert still_outstanding(reminder, worked_example(), TODAY)
    assert not still_outstanding(reminder, None, TODAY)


# ---------------------------------------------------------------- invariants on generated records

DAYS = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2030, 12, 31))
OFFSETS = st.lists(st.integers(0, 60), unique=True, max_size=4).map(lambda days: tuple(sorted(days, reverse=True)))


@st.composite
def records_and_day(draw):
    today = draw(DAYS)
    before = st.integers(0, 800).map(lambda n: today - dt.timedelta(days=n))
    submittals = []
    for _ in range(draw(st.integers(0, 6))):
        status = draw(st.sampled_from(SUBMITTAL_STATUSES))
        on = draw(before)
        reviewed = on + dt.timedelta(days=draw(st.integers(0, 40))) if status in ("Accepted", "Not Accepted") else None
        submittals.append(Submittal(draw(st.sampled_from(ELEMENTS)), status, on, reviewed))
    changes = [
        Change(draw(st.sampled_from(("ownership", "address", "site layout", "new generator"))), draw(before))
        for _ in range(draw(st.integers(0, 3)))
    ]
    programs = tuple(draw(st.lists(st.sampled_from(PROGRAMS), unique=True, max_size=3)))
    facility = Facility("10234567", "Generated Facility", programs)
    return Records(facility, tuple(submittals), tuple(changes)), today


def everything_submitted(records: Records, on: dt.date) -> Records:
    """The records after the business submitted every element it files, on `on`."""
    from cers.deadlines import required_elements

    new = tuple(Submittal(e, "Submitted", on) for e in required_elements(records.facility.programs))
    return Records(records.facility, records.submittals + new, records.changes)


@settings(max_examples=60, deadline=None)
@given(records_and_day(), OFFSETS)
def test_a_reminder_is_due_only_for_an_outstanding_deadline_at_its_offset(case, offsets):
    records, today = case
    deadlines = outstanding(records, today)
    due = due_reminders(records, today, offsets)
    assert len({(r.kind, r.deadline) for r in due}) == len(due)  # one reminder per deadline
    for reminder in due:
        assert (reminder.kind, reminder.deadline) in {(d.kind, d.due) for d in deadlines}
        assert reminder.days_left == (reminder.deadline - today).days
        if reminder.overdue:
            assert reminder.days_left < 0
        else:
            assert 0 <= reminder.days_left <= reminder.offset and reminder.offset in offsets
            # No smaller offset covers it: the offset is the one whose window it is in.
            assert not [o for o in offsets if reminder.days_left <= o < reminder.offset]
    # Once the business has submitted everything, nothing is due, and each reminder found before
    # fails the check made just before sending.
    met = everything_submitted(records, today)
    assert due_reminders(met, today, offsets) == []
    assert not any(still_outstanding(r, met, today) for r in due)


@settings(max_examples=40, deadline=None)
@given(records_and_day(), OFFSETS, st.integers(0, 23), st.integers(0, 59))
def test_nothing_is_chosen_outside_sending_hours(case, offsets, hour, minute):
    records, today = case
    due = due_reminders(records, today, offsets)
    chosen = choose(due, at(today, hour, minute), ZONE)
    if not 8 <= hour < 21:
        assert chosen is None
    else:
        assert chosen == (min(due, key=lambda r: r.urgency) if due else None)


@settings(max_examples=25, deadline=None)
@given(records_and_day(), OFFSETS, st.integers(8, 20), st.integers(1, 45))
def test_over_weeks_each_key_goes_once_and_a_number_gets_one_text_a_day(case, offsets, hour, pause_after):
    """A job run every day (with one day skipped: caught up the next): each key once, one text a day,
    and a deadline's reminders in the order of its offsets; met deadlines are never reminded."""
    records, start = case
    sent: dict[tuple, dt.date] = {}
    for number in range(75):
        day = start + dt.timedelta(days=number)
        if number == pause_after:
            continue  # the job did not run that day
        if number == 60:
            records = everything_submitted(records, day)  # the business catches up
        chosen = choose(due_reminders(records, day, offsets), at(day, hour), ZONE, recorded=sent)
        if chosen is None:
            continue
        assert chosen.key not in sent
        assert day not in sent.values()  # at most one a day
        assert still_outstanding(chosen, records, day)
        sent[chosen.key] = day
    by_deadline: dict[tuple, list] = {}
    for (_, kind, deadline, offset), _day in sorted(sent.items(), key=lambda item: item[1]):
        by_deadline.setdefault((kind, deadline), []).append(offset)
    for deadline_offsets in by_deadline.values():
        # 30 before 7 before 1 before overdue (OVERDUE is below every offset)
        assert deadline_offsets == sorted(deadline_offsets, reverse=True)
