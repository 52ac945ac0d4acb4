"""Invariants of the deadline rules, checked on generated records (hypothesis)."""

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from cers.deadlines import (
    ELEMENTS,
    NOT_ACCEPTED,
    PROGRAMS,
    SUBMITTAL_STATUSES,
    Change,
    Facility,
    State,
    Submittal,
    evaluate,
)

DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2032, 12, 31))
CHANGES = ("ownership", "operator", "address", "new hazardous material", "site layout", "new generator")


@st.composite
def submittals(draw, statuses=SUBMITTAL_STATUSES):
    status = draw(st.sampled_from(statuses))
    on = draw(DAYS)
    reviewed = None
    if status in ("Accepted", NOT_ACCEPTED):
        reviewed = on + dt.timedelta(days=draw(st.integers(0, 60)))
    return Submittal(draw(st.sampled_from(ELEMENTS)), status, on, reviewed)


changes = st.builds(Change, st.sampled_from(CHANGES), DAYS)
facilities = st.builds(
    Facility, st.just("10234567"), st.just("Test Facility"), st.lists(st.sampled_from(PROGRAMS), unique=True).map(tuple)
)


def rank(status):
    """Everything that can get worse, as one comparable tuple per facility."""
    return (
        status.overall,
        status.annual,
        sum(e.state for e in status.elements),
        len([c for c in status.changes if c.state == State.OVERDUE])
        + len([c for c in status.corrections if c.state == State.OVERDUE]),
        len(status.changes) + len(status.corrections),
    )


def no_worse(after, before):
    """after is no worse than before on every measure."""
    return all(a <= b for a, b in zip(rank(after), rank(before)))


@settings(max_examples=300, deadline=None)
@given(
    facilities,
    st.lists(submittals(), max_size=8),
    st.lists(changes, max_size=3),
    DAYS,
    submittals(statuses=("Submitted", "Under Review", "Accepted")),
)
def test_a_later_submission_never_makes_a_status_worse(facility, subs, chs, today, extra):
    latest = max([s.date for s in subs] + [extra.date])
    later = dataclasses.replace(extra, date=latest, reviewed_on=latest if extra.reviewed_on else None)
    before = evaluate(facility, subs, chs, today)
    after = evaluate(facility, subs + [later], chs, today)
    assert no_worse(after, before)


@settings(max_examples=300, deadline=None)
@given(facilities, st.lists(submittals(), max_size=8), st.lists(changes, max_size=3), changes, DAYS)
def test_adding_a_change_never_improves_a_status(facility, subs, chs, extra, today):
    before = evaluate(facility, subs, chs, today)
    after = evaluate(facility, subs, chs + [extra], today)
    assert no_worse(before, after)


@settings(max_examples=200, deadline=None)
@given(facilities, st.lists(submittals(), max_size=8), st.lists(changes, max_size=3), DAYS, st.randoms())
def test_status_is_a_function_of_dates_not_of_order_names_or_which_submitted_status(facility, subs, chs, today, rnd):
    before = evaluate(facility, subs, chs, today)
    shuffled = list(subs)
    rnd.shuffle(shuffled)
    # Submitted, Under Review and Accepted are all just "a submission" to the rules.
    relabelled = [
        dataclasses.replace(s, status=rnd.choice(("Submitted", "Under Review", "Accepted")))
        if s.status in ("Submitted", "Under Review", "Accepted")
        else s
        for s in shuffled
    ]
    renamed = dataclasses.replace(facility, cers_id="987654321", name="Other", phone="(530) 555-0199")
    after = evaluate(renamed, relabelled, list(reversed(chs)), today)
    assert dataclasses.replace(after, facility=facility) == before


@settings(max_examples=200, deadline=None)
@given(facilities, st.lists(submittals(), max_size=8), st.lists(changes, max_size=3), DAYS)
def test_annual_state_matches_the_dates(facility, subs, chs, today):
    status = evaluate(facility, subs, chs, today)
    assert status.previous_due < today <= status.annual_due
    assert status.annual == max(e.state for e in status.elements)
    for e in status.elements:
        assert (e.state == State.CURRENT) == (e.last_submitted is not None and e.last_submitted > status.previous_due)
    for item in status.changes + status.corrections:
        assert (item.state == State.OVERDUE) == (today > item.due)
        assert item.days_left == (item.due - today).days


@settings(max_examples=200, deadline=None)
@given(facilities, st.lists(submittals(), max_size=8), st.lists(changes, max_size=3), DAYS)
def test_waiting_a_day_never_improves_a_status_without_new_records(facility, subs, chs, today):
    # Once past March 1 a new year's cycle begins, so only compare within one cycle.
    before = evaluate(facility, subs, chs, today)
    after = evaluate(facility, subs, chs, today + dt.timedelta(days=1))
    if after.annual_due == before.annual_due:
        assert no_worse(before, after)
