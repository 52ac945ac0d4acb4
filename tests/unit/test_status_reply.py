"""The status reply as a person reads it on a phone: the verdict first, each thing to do as an action, short on SMS."""

import datetime as dt

import pytest

from actions.status import offer_buttons, status_buttons
from cers.deadlines import (
    ELEMENTS,
    EMERGENCY_PLANS,
    FACILITY_INFORMATION,
    HAZARDOUS_WASTE,
    INVENTORY,
    UST,
    Change,
    Facility,
    Submittal,
    evaluate,
    required_elements,
)
from cers.sms_text import numbered_choices, plain_text
from cers.status_reply import list_reply, status_reply, things_to_do
from cers.templates import placeholders, templates

d = dt.date
TODAY = d(2027, 2, 15)  # N = March 1, 2027; P = March 1, 2026
FEED = Facility("10234567", "Feather River Feed", ("HMBP",), "12 Main St", "Quincy", "95971", "(530) 555-0123")


def accepted(element, on):
    return Submittal(element, "Accepted", on, on)


def current(facility=FEED, on=d(2026, 12, 10), but=()):
    return [accepted(e, on) for e in required_elements(facility.programs) if e not in but]


def reply(subs, changes=(), facility=FEED, today=TODAY, staff=False):
    return status_reply(evaluate(facility, subs, changes, today), staff=staff)


def sms(text, buttons=None):
    """What a phone shows for the public reply: the SMS channel's plain text and numbered buttons."""
    return f"{plain_text(text)}\n\n{numbered_choices(status_buttons() if buttons is None else buttons)}"


# ---------------------------------------------------------------- the verdict line


def test_up_to_date_facility_says_so_and_gives_the_next_annual_date():
    lines = reply(current()).splitlines()
    assert lines[0] == "Feather River Feed (10234567): you're up to date"
    assert "Your next annual due date is March 1, 2028." in lines
    assert lines[-1] == "Want me to walk you through it?"


def test_two_overdue_elements_are_two_things_each_an_action_with_its_date():
    text = reply(current(but=(INVENTORY, EMERGENCY_PLANS)) + [accepted(INVENTORY, d(2025, 2, 1))])
    lines = text.splitlines()
    assert lines[0] == "Feather River Feed (10234567): 2 things are overdue"
    assert lines[1] == "- Submit your Hazardous Materials Inventory — it was due March 1, 2026."
    assert lines[2] == "- Submit your Emergency Response and Training Plans — it was due March 1, 2026."
    # One submission now settles both the overdue date and the next annual date.
    assert lines[3] == "Submitting them now also covers March 1, 2027."


def test_one_overdue_element_says_submitting_it_also_covers_the_next_date():
    text = reply(current(but=(INVENTORY,)))
    assert text.splitlines()[0].endswith(": 1 thing is overdue")
    assert "Submitting it now also covers March 1, 2027." in text


def test_due_item_gives_the_date_and_the_days_left():
    text = reply(current(but=(INVENTORY,)) + [accepted(INVENTORY, d(2026, 2, 20))])
    assert text.splitlines()[:2] == [
        "Feather River Feed (10234567): 1 thing is due",
        "- Submit your Hazardous Materials Inventory by March 1, 2027 (14 days left).",
    ]
    assert "next due" not in text and "up to date" not in text


def test_overdue_and_due_together_count_both_and_list_the_overdue_first():
    subs = current(but=(INVENTORY, EMERGENCY_PLANS)) + [accepted(EMERGENCY_PLANS, d(2026, 2, 20))]
    lines = reply(subs).splitlines()
    assert lines[0] == "Feather River Feed (10234567): 1 thing is overdue, 1 more due"
    assert lines[1].startswith("- Submit your Hazardous Materials Inventory — it was due")
    assert lines[3].startswith("- Submit your Emergency Response and Training Plans by March 1, 2027")


def test_changes_and_corrections_read_as_what_to_submit_soonest_first():
    subs = current(on=d(2026, 12, 10), but=(INVENTORY,)) + [
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25))
    ]
    text = reply(subs, [Change("Change of ownership", d(2027, 1, 20))])
    lines = text.splitlines()
    assert lines[0].endswith(": 2 things are due")
    assert lines[1] == "- Submit your Facility Information by February 19, 2027 (4 days left) for the ownership change."
    assert lines[2] == "- Resubmit your Not Accepted Hazardous Materials Inventory by February 24, 2027 (9 days left)."


def test_a_change_any_element_meets_is_asked_for_as_any_update():
    shop = Facility("12345678", "Tire Shop", ("HW",))
    text = reply(
        [accepted(FACILITY_INFORMATION, d(2026, 12, 1)), accepted(HAZARDOUS_WASTE, d(2026, 12, 1))],
        [Change("Tank removal", d(2027, 2, 1))],
        facility=shop,
    )
    assert "- Submit an update in CERS by March 3, 2027 (16 days left) for the tank removal change." in text


# ---------------------------------------------------------------- one submission, several deadlines


def test_a_change_and_the_annual_date_of_the_same_element_are_one_thing():
    subs = current(but=(FACILITY_INFORMATION,)) + [accepted(FACILITY_INFORMATION, d(2026, 2, 20))]
    text = reply(subs, [Change("new owner", d(2027, 1, 20))])
    lines = text.splitlines()
    assert lines[0].endswith(": 1 thing is due")
    assert lines[1] == (
        "- Submit your Facility Information by February 19, 2027 (4 days left) for the ownership "
        "change. That also covers its annual due date, March 1, 2027."
    )
    assert text.count("Facility Information") == 1


def test_an_overdue_change_and_an_overdue_annual_element_settled_by_one_submission():
    subs = current(but=(INVENTORY,))
    text = reply(subs, [Change("New chemical", d(2027, 1, 1))])
    lines = text.splitlines()
    assert lines[0].endswith(": 1 thing is overdue")
    assert lines[1].startswith("- Submit your Hazardous Materials Inventory — it was due March 1, 2026.")
    assert "That also covers the new hazardous material change, due January 31, 2027." in lines[1]
    assert lines[2] == "Submitting it now also covers March 1, 2027."


def test_a_pending_correction_is_never_next_to_a_bare_current():
    subs = current(but=(INVENTORY,)) + [Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25))]
    text = reply(subs)
    assert "up to date" not in text and "current" not in text
    assert "Then you're next due March 1, 2028." in text
    assert text.index("Resubmit your Not Accepted") < text.index("Then you're next due")


def test_a_draft_is_mentioned_but_is_not_a_thing_overdue():
    subs = current() + [Submittal(INVENTORY, "Draft", d(2027, 2, 10))]
    text = reply(subs)
    assert text.splitlines()[0].endswith("you're up to date")
    assert (
        "- Your Hazardous Materials Inventory draft from February 10, 2027 is not submitted, "
        "so the office can't see it yet."
    ) in text


# ---------------------------------------------------------------- who sees what


def test_public_reply_shows_nothing_on_file_but_the_name_and_id():
    text = reply([], [Change("emergency contact", d(2027, 2, 1))])
    assert "12 Main St" not in text and "555" not in text and "Quincy" not in text


def test_staff_reply_keeps_the_detail_and_has_no_offer():
    subs = current(but=(INVENTORY,)) + [Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25))]
    text = reply(subs, staff=True)
    assert "On file: 12 Main St, Quincy 95971 · (530) 555-0123 · programs: HMBP" in text
    assert "Last submitted: Facility Information December 10, 2026;" in text
    assert "Not accepted: Hazardous Materials Inventory, reviewed January 25, 2027" in text
    assert "walk you through" not in text


def test_staff_reply_says_never_for_an_element_never_submitted():
    assert "Hazardous Materials Inventory never" in reply(current(but=(INVENTORY,)), staff=True)


# ---------------------------------------------------------------- short enough for a phone

NAME_40 = "Sierra Valley Agricultural Supply & Feed"
assert len(NAME_40) == 40
LONGEST_ID = "123456789"
# A sample of days across a whole year, so every date length and "N days left" is tried.
DAYS = [d(2026, 3, 2) + dt.timedelta(days=n) for n in range(0, 365, 4)]


def previous_due(today):
    """P: the March 1 before the next one on or after today."""
    return d(today.year, 3, 1) if today > d(today.year, 3, 1) else d(today.year - 1, 3, 1)


def common_cases():
    """(label, facility, submittals, changes, today): up to date; one thing due; one thing overdue."""
    every_program = Facility(LONGEST_ID, NAME_40, ("HMBP", "UST", "APSA", "HW", "CALARP"))
    hmbp = Facility(LONGEST_ID, NAME_40, ("HMBP",))
    for today in DAYS:
        after_p = previous_due(today) + dt.timedelta(days=1)
        yield "current", every_program, current(every_program, on=after_p), (), today
        for element in ELEMENTS:
            others = current(every_program, on=after_p, but=(element,))
            yield (
                f"due {element}",
                every_program,
                others + [accepted(element, after_p - dt.timedelta(days=30))],
                (),
                today,
            )
            yield f"overdue {element}", every_program, others, (), today
        if today - dt.timedelta(days=3) > after_p:
            yield (
                "ownership change due",
                hmbp,
                current(hmbp, on=after_p),
                [Change("ownership", today - dt.timedelta(days=3))],
                today,
            )
        for element in required_elements(hmbp.programs):
            fix = [Submittal(element, "Not Accepted", after_p, today - dt.timedelta(days=2))]
            yield f"correction due {element}", hmbp, current(hmbp, on=after_p, but=(element,)) + fix, (), today


@pytest.mark.parametrize(
    "buttons, limit",
    [
        # Two SMS segments (2 x 153) with the walkthrough offer's yes and no.
        (offer_buttons(), 306),
        # Three (3 x 153) at most once "Text me reminders" is a third choice (the longest names only).
        (None, 459),
    ],
    ids=["walkthrough offer", "with reminders"],
)
def test_common_cases_fit_sms_segments_for_names_up_to_40_characters(buttons, limit):
    longest = {}
    for label, facility, subs, changes, today in common_cases():
        status = evaluate(facility, subs, changes, today)
        assert len(things_to_do(status)) == (0 if label == "current" else 1), (label, today)
        body = sms(status_reply(status), buttons)
        if len(body) > len(longest.get(label, "")):
            longest[label] = body
    too_long = {label: body for label, body in longest.items() if len(body) > limit}
    assert not too_long, "\n\n".join(f"{label}: {len(body)} characters\n{body}" for label, body in too_long.items())
    assert len(longest) == 1 + 2 * 7 + 1 + 3  # every case was tried


# ---------------------------------------------------------------- templates


def test_every_status_template_is_used_with_placeholders_the_code_fills():
    known = {
        "facility",
        "name",
        "cers_id",
        "count",
        "element",
        "elements",
        "due",
        "left",
        "change",
        "date",
        "saved_on",
        "days",
        "details",
        "programs",
        "submissions",
        "number",
        "city",
        "summary",
        "span",
        "example_id",
        "example_zip",
        "tries",
        "call_office",
        "query",
        "address",
        "until",
        "failures",
    }
    for key, text in templates("status").items():
        assert placeholders(text) <= known, key


def test_staff_lists_read_each_deadline():
    class Listed:
        name, cers_id, city = "Feather River Feed", "10234567", "Quincy"
        status = evaluate(FEED, current(but=(INVENTORY,)), [Change("ownership", d(2027, 1, 1))], TODAY)

    text = list_reply("overdue", 1, [Listed], TODAY)
    assert text.splitlines()[0] == "1 facility has something overdue as of February 15, 2027."
    assert (
        "1. Feather River Feed (10234567, Quincy): annual Hazardous Materials Inventory (due March 1, 2026); "
        "ownership update (due January 31, 2027)"
    ) in text
    assert (
        list_reply("due", 0, [], TODAY, 30) == "No facility has anything due in the next 30 days (by March 17, 2027)."
    )
    assert UST not in text


def test_the_spanish_reply_says_the_same_things_with_spanish_dates_and_change_words():
    """Issue 20: the same two things, in Spanish: dates as "19 de febrero de 2027", the change in
    Spanish words, CERS's element and status names as CERS shows them."""
    subs = current(on=d(2026, 12, 10), but=(INVENTORY,)) + [
        Submittal(INVENTORY, "Not Accepted", d(2027, 1, 10), d(2027, 1, 25))
    ]
    facility_status = evaluate(FEED, subs, [Change("Change of ownership", d(2027, 1, 20))], TODAY)
    english, spanish = status_reply(facility_status), status_reply(facility_status, language="es")
    assert len(spanish.splitlines()) == len(english.splitlines())
    assert "19 de febrero de 2027" in spanish and "24 de febrero de 2027" in spanish
    assert "dueño" in spanish and "ownership" not in spanish
    assert "Facility Information" in spanish and "Not Accepted" in spanish
    assert "February" not in spanish
