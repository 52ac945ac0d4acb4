"""Every deadline rule of facility-status.md and its edges, on cers.deadlines alone."""

import datetime as dt

import pytest

from cers.deadlines import (
    APSA,
    CALARP,
    EMERGENCY_PLANS,
    FACILITY_INFORMATION,
    HAZARDOUS_WASTE,
    INVENTORY,
    UST,
    Change,
    Facility,
    Records,
    State,
    Submittal,
    change_element,
    change_type,
    evaluate,
    required_elements,
)
from cers.status_reply import status_reply

d = dt.date
HMBP_ONLY = Facility("10234567", "Feather River Feed", ("HMBP",), "12 Main St", "Quincy", "95971", "(530) 555-0123")


def fresh(element, on, status="Accepted", reviewed_on=None):
    """A submission of one element; Accepted rows get a review date unless given."""
    if status == "Accepted" and reviewed_on is None:
        reviewed_on = on
    return Submittal(element, status, on, reviewed_on)


def all_current(on=d(2026, 12, 10)):
    return [fresh(e, on) for e in required_elements(HMBP_ONLY.programs)]


def element(status, name):
    return next(e for e in status.elements if e.element == name)


# ---------------------------------------------------------------- the worked example, verbatim


def test_worked_example_inventory_accepted_2026_12_10_is_current_until_march_1_2028():
    today = d(2027, 2, 15)
    status = evaluate(HMBP_ONLY, all_current(), [], today)
    assert status.annual_due == d(2027, 3, 1) and status.previous_due == d(2026, 3, 1)
    inv = element(status, INVENTORY)
    assert inv.state == State.CURRENT and inv.due == d(2028, 3, 1)
    assert "you're up to date" in status_reply(status) and "March 1, 2028" in status_reply(status)


def test_worked_example_inventory_accepted_2026_02_20_is_due_by_march_1_2027_with_14_days_left():
    today = d(2027, 2, 15)
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 10)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 10)),
        fresh(INVENTORY, d(2026, 2, 20)),
    ]
    status = evaluate(HMBP_ONLY, subs, [], today)
    inv = element(status, INVENTORY)
    assert (inv.state, inv.due, inv.days_left) == (State.DUE, d(2027, 3, 1), 14)
    assert status.annual == State.DUE
    assert "Submit your Hazardous Materials Inventory by March 1, 2027 (14 days left)." in status_reply(status)


def test_worked_example_inventory_submitted_2025_02_01_is_overdue_since_march_1_2026():
    today = d(2027, 2, 15)
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 10)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 10)),
        fresh(INVENTORY, d(2025, 2, 1), status="Submitted"),
    ]
    status = evaluate(HMBP_ONLY, subs, [], today)
    inv = element(status, INVENTORY)
    assert (inv.state, inv.due) == (State.OVERDUE, d(2026, 3, 1))
    assert status.annual == State.OVERDUE
    assert "Submit your Hazardous Materials Inventory — it was due March 1, 2026." in status_reply(status)


def test_worked_example_ownership_change_is_due_february_19_2027_with_4_days_left():
    today = d(2027, 2, 15)
    subs = all_current(d(2026, 12, 10))
    status = evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], today)
    (update,) = status.changes
    assert (update.element, update.due, update.days_left, update.state) == (
        FACILITY_INFORMATION,
        d(2027, 2, 19),
        4,
        State.DUE,
    )
    assert "by February 19, 2027 (4 days left) for the ownership change" in status_reply(status)


def test_worked_example_not_accepted_reviewed_2027_01_25_needs_a_correction_by_february_24_2027():
    today = d(2027, 2, 15)
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 10)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 10)),
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25)),
    ]
    status = evaluate(HMBP_ONLY, subs, [], today)
    (fix,) = status.corrections
    assert (fix.element, fix.due, fix.state, fix.days_left) == (INVENTORY, d(2027, 2, 24), State.DUE, 9)
    assert (
        "Resubmit your Not Accepted Hazardous Materials Inventory by February 24, 2027 (9 days left)"
        in status_reply(status)
    )


# ---------------------------------------------------------------- N, P and the annual rule


@pytest.mark.parametrize(
    "today, n, p",
    [
        (d(2027, 2, 15), d(2027, 3, 1), d(2026, 3, 1)),
        (d(2027, 3, 1), d(2027, 3, 1), d(2026, 3, 1)),  # today is March 1: N is today
        (d(2027, 3, 2), d(2028, 3, 1), d(2027, 3, 1)),  # the day after: next year's
        (d(2028, 2, 29), d(2028, 3, 1), d(2027, 3, 1)),  # leap day
        (d(2027, 12, 31), d(2028, 3, 1), d(2027, 3, 1)),
        (d(2028, 1, 1), d(2028, 3, 1), d(2027, 3, 1)),
    ],
)
def test_next_and_previous_annual_due_dates(today, n, p):
    status = evaluate(HMBP_ONLY, [], [], today)
    assert (status.annual_due, status.previous_due, status.days_left) == (n, p, (n - today).days)


@pytest.mark.parametrize(
    "submitted, state",
    [
        (d(2026, 3, 2), State.CURRENT),  # the day after P
        (d(2026, 3, 1), State.DUE),  # on P itself: not after P
        (d(2025, 3, 2), State.DUE),  # the day after P - 1 year
        (d(2025, 3, 1), State.OVERDUE),  # on P - 1 year: not after it
        (None, State.OVERDUE),
    ],
)
def test_annual_boundaries_on_march_1(submitted, state):
    today = d(2027, 3, 1)
    subs = [fresh(e, d(2027, 1, 5)) for e in (FACILITY_INFORMATION, EMERGENCY_PLANS)]
    if submitted:
        subs.append(fresh(INVENTORY, submitted))
    status = evaluate(HMBP_ONLY, subs, [], today)
    inv = element(status, INVENTORY)
    assert inv.state == state
    if state == State.DUE:
        assert (inv.due, inv.days_left) == (d(2027, 3, 1), 0)
        assert "by March 1, 2027 (that's today)" in status_reply(status)


def test_the_day_after_march_1_what_was_due_becomes_overdue():
    subs = [fresh(e, d(2026, 2, 20)) for e in required_elements(("HMBP",))]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 3, 1)).annual == State.DUE
    late = evaluate(HMBP_ONLY, subs, [], d(2027, 3, 2))
    assert late.annual == State.OVERDUE
    assert all(e.due == d(2027, 3, 1) for e in late.elements)


def test_leap_day_today():
    today = d(2028, 2, 29)
    subs = [fresh(e, d(2027, 2, 28)) for e in required_elements(("HMBP",))]
    status = evaluate(HMBP_ONLY, subs, [Change("address", d(2028, 1, 30))], today)
    assert status.annual == State.DUE and status.days_left == 1
    assert "1 day left" in status_reply(status)
    (update,) = status.changes
    assert update.due == d(2028, 2, 29) and update.days_left == 0 and update.state == State.DUE


def test_leap_day_submission_counts_like_any_other_day():
    today = d(2029, 2, 1)  # N = 2029-03-01, P = 2028-03-01
    subs = [fresh(e, d(2028, 2, 29)) for e in required_elements(("HMBP",))]
    assert evaluate(HMBP_ONLY, subs, [], today).annual == State.DUE


def test_current_until_is_n_plus_one_year():
    status = evaluate(HMBP_ONLY, all_current(d(2027, 3, 2)), [], d(2027, 3, 2))
    assert status.annual == State.CURRENT and status.current_until == d(2029, 3, 1)


def test_no_submissions_at_all_is_overdue_for_every_required_element():
    today = d(2027, 2, 15)
    status = evaluate(Facility("123456789", "New Shop", ("HMBP", "UST")), [], [], today)
    assert [e.element for e in status.elements] == [FACILITY_INFORMATION, INVENTORY, EMERGENCY_PLANS, UST]
    assert all(e.state == State.OVERDUE and e.last_submitted is None for e in status.elements)
    assert status_reply(status).count("it was due March 1, 2026") == 4


def test_facility_with_no_programs_still_owes_facility_information():
    status = evaluate(Facility("12345678", "Office"), [fresh(FACILITY_INFORMATION, d(2027, 1, 1))], [], d(2027, 2, 15))
    assert [e.element for e in status.elements] == [FACILITY_INFORMATION]
    assert status.annual == State.CURRENT


def test_required_elements_per_program():
    assert required_elements([]) == (FACILITY_INFORMATION,)
    assert required_elements(["HMBP"]) == (FACILITY_INFORMATION, INVENTORY, EMERGENCY_PLANS)
    assert required_elements(["CALARP", "hw", "APSA", "UST"]) == (
        FACILITY_INFORMATION,
        UST,
        APSA,
        HAZARDOUS_WASTE,
        CALARP,
    )


def test_annual_status_is_the_worst_element():
    today = d(2027, 2, 15)
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 1)),
        fresh(INVENTORY, d(2026, 2, 1)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 1)),
    ]
    assert evaluate(HMBP_ONLY, subs, [], today).annual == State.DUE
    subs.append(fresh(UST, d(2020, 1, 1)))
    assert evaluate(Facility("12345678", "X", ("HMBP", "UST")), subs, [], today).annual == State.OVERDUE


def test_a_record_for_an_element_the_programs_do_not_require_is_ignored():
    today = d(2027, 2, 15)
    subs = all_current() + [
        fresh(UST, d(2010, 1, 1)),
        Submittal(UST, "Draft", d(2027, 2, 1)),
        Submittal(UST, "Not Accepted", d(2027, 2, 2), d(2027, 2, 3)),
    ]
    status = evaluate(HMBP_ONLY, subs, [], today)
    assert status.annual == State.CURRENT
    assert UST not in [e.element for e in status.elements]
    assert not status.corrections and not status.drafts
    assert status.ignored_elements == (UST,)
    assert "Underground" not in status_reply(status)


def test_latest_submission_wins_not_the_first():
    subs = [fresh(e, d(2024, 5, 1)) for e in required_elements(("HMBP",))] + all_current()
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).annual == State.CURRENT


@pytest.mark.parametrize("status_name", ["Submitted", "Under Review", "Accepted"])
def test_any_non_draft_status_is_a_submission(status_name):
    subs = [fresh(e, d(2026, 12, 1), status=status_name) for e in required_elements(("HMBP",))]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).annual == State.CURRENT


# ---------------------------------------------------------------- drafts


def test_draft_after_the_latest_submission_is_reported_and_does_not_count():
    today = d(2027, 2, 15)
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 1)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 1)),
        fresh(INVENTORY, d(2026, 2, 1)),
        Submittal(INVENTORY, "Draft", d(2027, 2, 10)),
    ]
    status = evaluate(HMBP_ONLY, subs, [], today)
    assert element(status, INVENTORY).state == State.DUE  # the draft is not a submission
    assert [(x.element, x.saved_on) for x in status.drafts] == [(INVENTORY, d(2027, 2, 10))]
    assert (
        "Your Hazardous Materials Inventory draft from February 10, 2027 is not submitted, so the office "
        "can't see it yet."
    ) in status_reply(status)


def test_draft_before_the_latest_submission_is_not_reported():
    subs = all_current(d(2026, 12, 10)) + [Submittal(INVENTORY, "Draft", d(2026, 12, 1))]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).drafts == ()


def test_draft_saved_the_same_day_as_the_submission_is_not_after_it():
    subs = all_current(d(2026, 12, 10)) + [Submittal(INVENTORY, "Draft", d(2026, 12, 10))]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).drafts == ()


def test_draft_with_no_submission_at_all():
    status = evaluate(HMBP_ONLY, [Submittal(INVENTORY, "Draft", d(2027, 1, 3))], [], d(2027, 2, 15))
    assert [x.element for x in status.drafts] == [INVENTORY]
    assert element(status, INVENTORY).state == State.OVERDUE


# ---------------------------------------------------------------- changes


@pytest.mark.parametrize(
    "text, target",
    [
        ("ownership", FACILITY_INFORMATION),
        ("Operator", FACILITY_INFORMATION),
        ("business name", FACILITY_INFORMATION),
        ("address", FACILITY_INFORMATION),
        ("emergency contact", FACILITY_INFORMATION),
        ("primary  contact", FACILITY_INFORMATION),
        ("new hazardous material", INVENTORY),
        ("site layout", INVENTORY),
        ("new generator", None),
        ("tank removal", None),
    ],
)
def test_which_element_a_change_calls_for(text, target):
    assert change_element(text) == target


@pytest.mark.parametrize(
    "text, kind",
    [
        ("owner", "ownership"),
        ("New owner", "ownership"),
        ("Change of ownership", "ownership"),
        ("sold", "ownership"),
        ("Business sold", "ownership"),
        ("Operators", "operator"),
        ("new operator", "operator"),
        ("Change of Operator", "operator"),
        ("name change", "business name"),
        ("New business name", "business name"),
        ("DBA", "business name"),
        ("new address", "address"),
        ("Moved", "address"),
        ("relocated", "address"),
        ("Emergency Contacts", "emergency contact"),
        ("24-hour contact", "emergency contact"),
        ("Primary contacts", "primary contact"),
        ("main contact", "primary contact"),
        ("New chemical", "new hazardous material"),
        ("new hazardous materials", "new hazardous material"),
        ("added chemical", "new hazardous material"),
        ("site map", "site layout"),
        ("Layout change", "site layout"),
        ("moved tanks", "site layout"),
        ("new generator", None),
        ("tank removal", None),
        ("paving", None),
    ],
)
def test_change_texts_as_offices_type_them_are_read_as_the_spec_types(text, kind):
    assert change_type(text) == kind


def test_operators_calls_for_facility_information_so_hazardous_waste_does_not_settle_it():
    subs = all_current(d(2026, 12, 10)) + [fresh("Hazardous Waste", d(2027, 1, 25))]
    status = evaluate(HMBP_ONLY, subs, [Change("Operators", d(2027, 1, 20))], d(2027, 2, 15))
    assert len(status.changes) == 1


def test_change_on_the_day_of_a_submission_is_met_by_it():
    subs = all_current(d(2026, 12, 10)) + [fresh(FACILITY_INFORMATION, d(2027, 1, 20))]
    assert evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], d(2027, 2, 15)).changes == ()


def test_change_the_day_after_a_submission_is_not_met_by_it():
    subs = all_current(d(2026, 12, 10)) + [fresh(FACILITY_INFORMATION, d(2027, 1, 19))]
    status = evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], d(2027, 2, 15))
    assert len(status.changes) == 1


def test_change_needs_the_element_it_affects():
    subs = all_current(d(2026, 12, 10)) + [fresh(INVENTORY, d(2027, 2, 1))]
    status = evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], d(2027, 2, 15))
    assert [u.element for u in status.changes] == [FACILITY_INFORMATION]
    status = evaluate(HMBP_ONLY, subs, [Change("new hazardous material", d(2027, 1, 20))], d(2027, 2, 15))
    assert status.changes == ()


def test_other_change_is_met_by_any_element():
    subs = all_current(d(2026, 12, 10)) + [fresh(EMERGENCY_PLANS, d(2027, 2, 1))]
    assert evaluate(HMBP_ONLY, subs, [Change("new generator", d(2027, 1, 20))], d(2027, 2, 15)).changes == ()


def test_a_draft_does_not_meet_a_change():
    subs = all_current(d(2026, 12, 10)) + [Submittal(FACILITY_INFORMATION, "Draft", d(2027, 2, 1))]
    assert len(evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], d(2027, 2, 15)).changes) == 1


def test_change_due_day_is_pending_the_day_after_is_overdue():
    subs = all_current(d(2026, 12, 10))
    change = Change("ownership", d(2027, 1, 20))
    on_due = evaluate(HMBP_ONLY, subs, [change], d(2027, 2, 19)).changes[0]
    assert (on_due.state, on_due.days_left) == (State.DUE, 0)
    late = evaluate(HMBP_ONLY, subs, [change], d(2027, 2, 20))
    assert late.changes[0].state == State.OVERDUE and late.overall == State.OVERDUE
    assert late.annual == State.CURRENT
    assert "1 thing is overdue" in status_reply(late)
    assert "it was due February 19, 2027" in status_reply(late)


def test_change_affecting_an_element_the_facility_does_not_file_is_met_by_any_element():
    shop = Facility("12345678", "Tire Shop", ("HW",))
    subs = [fresh(FACILITY_INFORMATION, d(2026, 12, 1)), fresh(HAZARDOUS_WASTE, d(2027, 2, 1))]
    assert evaluate(shop, subs, [Change("site layout", d(2027, 1, 20))], d(2027, 2, 15)).changes == ()
    pending = evaluate(shop, subs[:1], [Change("site layout", d(2027, 1, 20))], d(2027, 2, 15)).changes
    assert pending[0].element is None


def test_late_submission_still_meets_the_change():
    subs = all_current(d(2026, 12, 10)) + [fresh(FACILITY_INFORMATION, d(2027, 3, 30))]
    assert evaluate(HMBP_ONLY, subs, [Change("ownership", d(2027, 1, 20))], d(2027, 4, 1)).changes == ()


# ---------------------------------------------------------------- Not Accepted


def test_not_accepted_correction_due_day_and_day_after():
    subs = [
        fresh(FACILITY_INFORMATION, d(2026, 12, 10)),
        fresh(EMERGENCY_PLANS, d(2026, 12, 10)),
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25)),
    ]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 24)).corrections[0].state == State.DUE
    late = evaluate(HMBP_ONLY, subs, [], d(2027, 2, 25))
    assert late.corrections[0].state == State.OVERDUE and late.overall == State.OVERDUE
    assert "Resubmit your Not Accepted Hazardous Materials Inventory — it was due February 24, 2027." in status_reply(
        late
    )


def test_resubmission_after_not_accepted_clears_the_correction():
    subs = [
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25)),
        fresh(INVENTORY, d(2027, 2, 1), "Submitted"),
    ]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).corrections == ()


def test_same_day_resubmission_counts_as_the_correction():
    subs = [
        Submittal(INVENTORY, "Submitted", d(2027, 1, 25)),
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 25), d(2027, 1, 25)),
    ]
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).corrections == ()


def test_older_not_accepted_is_not_a_correction_once_something_newer_was_submitted():
    subs = [Submittal(INVENTORY, "Not Accepted", d(2026, 5, 1), d(2026, 5, 10)), fresh(INVENTORY, d(2026, 4, 1))]
    assert len(evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).corrections) == 1
    subs.append(fresh(INVENTORY, d(2026, 5, 20)))
    assert evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15)).corrections == ()


def test_a_draft_after_not_accepted_does_not_clear_the_correction():
    subs = [
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25)),
        Submittal(INVENTORY, "Draft", d(2027, 2, 1)),
    ]
    status = evaluate(HMBP_ONLY, subs, [], d(2027, 2, 15))
    assert len(status.corrections) == 1 and len(status.drafts) == 1


def test_records_evaluate_and_due_date_setting():
    records = Records(HMBP_ONLY, tuple(all_current()), ())
    status = records.evaluate(d(2027, 2, 15), due_month=4, due_day=15)
    assert status.annual_due == d(2027, 4, 15)
    with pytest.raises(ValueError):
        records.evaluate(d(2027, 2, 15), due_month=2, due_day=29)
