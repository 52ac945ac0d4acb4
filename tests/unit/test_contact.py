"""Reaching staff, the pure parts (cers/contact.py, cers/settings.py): office hours and the next opening, CERS_NOW, handoff or callback, the callback's answers, staff's "done", timeouts and the staff-channel texts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cers import contact
from cers.contact import (
    CALLBACK,
    HANDOFF,
    check_contact,
    check_email,
    check_name,
    check_phone,
    check_question,
    contact_kind,
    handoff_summary,
    is_done,
    timed_out,
    when_open,
)
from cers.settings import OfficeHours, SettingsError, now, parse_hours, today

LA = ZoneInfo("America/Los_Angeles")
HOURS = parse_hours(
    {
        "time_zone": "America/Los_Angeles",
        "weekly": {
            "monday": "08:00-12:00, 13:00-17:00",
            "tuesday": "08:00-12:00, 13:00-17:00",
            "wednesday": "08:00-12:00, 13:00-17:00",
            "thursday": "08:00-12:00, 13:00-17:00",
            "friday": "08:00-12:00",
        },
        "closed_dates": ["2026-11-26", "2026-11-27"],  # Thanksgiving Thursday and Friday
    },
    "office.yml",
)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LA)


# ---------------------------------------------------------------- hours and the next opening


@pytest.mark.parametrize(
    "moment, opening",
    [
        ("2026-11-23T07:59", "2026-11-23T08:00"),  # Monday before opening
        ("2026-11-23T08:00", "2026-11-23T13:00"),  # open: the next period's start
        ("2026-11-23T12:30", "2026-11-23T13:00"),  # lunch
        ("2026-11-23T17:00", "2026-11-24T08:00"),  # closing time: tomorrow
        ("2026-11-25T18:00", "2026-11-30T08:00"),  # Wednesday evening: Thursday and Friday closed, weekend
        ("2026-11-28T10:00", "2026-11-30T08:00"),  # Saturday
    ],
)
def test_next_opening_skips_lunch_weekends_and_closed_dates(moment, opening):
    assert HOURS.next_opening(at(moment)) == at(opening)


def test_open_until_is_the_end_of_the_current_period():
    assert HOURS.open_until(at("2026-11-23T09:15")) == at("2026-11-23T12:00")
    assert HOURS.open_until(at("2026-11-23T12:15")) is None
    assert HOURS.open_until(at("2026-11-26T09:00")) is None  # a closed date


def test_a_time_in_another_zone_is_read_in_the_office_zone():
    utc = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.timezone.utc)  # 8:30 AM in California
    assert HOURS.is_open(utc) and HOURS.open_until(utc) == at("2026-11-23T12:00")


def test_no_hours_listed_means_no_next_opening():
    assert OfficeHours().next_opening(at("2026-11-23T09:00")) is None


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31)))
def test_the_next_opening_is_later_open_and_nothing_opens_in_between(moment):
    moment = moment.replace(tzinfo=LA)
    opening = HOURS.next_opening(moment)
    assert opening is not None and opening > moment and HOURS.is_open(opening)
    # Every hour in between is either still inside the current period or closed.
    step = moment.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    while step < opening:
        assert not HOURS.is_open(step) or HOURS.open_until(moment) is not None
        step += dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "moment, sentence",
    [
        ("2026-11-23T09:00", "The office is open now, until 12:00 PM."),
        ("2026-11-23T12:10", "The office is closed now. It next opens today at 1:00 PM."),
        ("2026-11-23T18:00", "The office is closed now. It next opens tomorrow at 8:00 AM."),
        ("2026-11-25T18:00", "The office is closed now. It next opens Monday, November 30 at 8:00 AM."),
        ("2027-12-31T18:00", "The office is closed now. It next opens Monday, January 3, 2028 at 8:00 AM."),
    ],
)
def test_when_open_says_only_what_office_yml_says(moment, sentence):
    assert when_open(HOURS, at(moment)) == sentence


def test_when_open_without_hours_says_they_are_not_listed():
    assert when_open(OfficeHours(), at("2026-11-23T09:00")) == "The office's hours are not listed here."


def test_cers_now_sets_the_moment_and_today(monkeypatch):
    monkeypatch.setenv("CERS_NOW", "2026-11-23T10:30")
    monkeypatch.setenv("CERS_TODAY", "2027-02-15")  # CERS_NOW wins
    assert now() == dt.datetime(2026, 11, 23, 10, 30, tzinfo=LA)
    assert today() == dt.date(2026, 11, 23)
    monkeypatch.setenv("CERS_NOW", "monday morning")
    with pytest.raises(SettingsError, match="CERS_NOW"):
        now()
    monkeypatch.delenv("CERS_NOW")
    assert today() == dt.date(2027, 2, 15)


# ---------------------------------------------------------------- a handoff or a callback


@pytest.mark.parametrize(
    "channel, moment, staff_on, kind",
    [
        ("socketio", "2026-11-23T09:00", True, HANDOFF),
        ("twilio", "2026-11-23T09:00", True, HANDOFF),
        ("rest", "2026-11-23T09:00", True, CALLBACK),  # no way to bring a late reply
        ("socketio", "2026-11-23T12:30", True, CALLBACK),  # lunch
        ("socketio", "2026-11-26T09:00", True, CALLBACK),  # a closed date
        ("socketio", "2026-11-23T09:00", False, CALLBACK),  # no staff channel on Slack
        ("slack", "2026-11-23T09:00", True, CALLBACK),
    ],
)
def test_a_handoff_only_when_someone_can_answer_here_now(channel, moment, staff_on, kind):
    assert contact_kind(channel, HOURS, at(moment), staff_on) == kind


def test_with_no_hours_set_only_callbacks_are_offered():
    assert contact_kind("socketio", OfficeHours(), at("2026-11-23T09:00"), True) == CALLBACK


# ---------------------------------------------------------------- the callback request's answers


@pytest.mark.parametrize("text", ["Maria Lopez", "O'Brien", "Jean-Luc Picard", "José Núñez", "Dr. Lee", "李明"])
def test_names_people_have_are_names(text):
    assert check_name(text).value == text


@pytest.mark.parametrize(
    "text", ["", "   ", "530-555-0123", "maria@example.com", "R2D2", "what is my due date?", "a b c d e f", "x" * 61]
)
def test_what_is_not_a_name_is_asked_again(text):
    checked = check_name(text)
    assert not checked.ok and checked.problem == "name"


@pytest.mark.parametrize(
    "text, phone",
    [
        ("530-555-0123", "(530) 555-0123"),
        ("(530) 555-0123", "(530) 555-0123"),
        ("5305550123", "(530) 555-0123"),
        ("+1 530 555 0123", "(530) 555-0123"),
        ("1-530-555-0123", "(530) 555-0123"),
        ("530.555.0123 ext. 12", "(530) 555-0123 ext. 12"),
        ("530-555-0123 x4", "(530) 555-0123 ext. 4"),
    ],
)
def test_phone_numbers_written_any_usual_way(text, phone):
    assert check_phone(text) == phone
    assert check_contact(text).value == phone


@pytest.mark.parametrize("text", ["555-0123", "123-456-7890", "530-155-0123", "530 555 01234", "call me", "12345"])
def test_what_is_not_a_phone_number(text):
    assert check_phone(text) is None


@pytest.mark.parametrize(
    "text, email",
    [
        ("maria@example.com", "maria@example.com"),
        ("Maria.Lopez+cers@Feather-River.EXAMPLE.org", "Maria.Lopez+cers@feather-river.example.org"),
        ("<maria@example.com>", "maria@example.com"),
        ("mailto:maria@example.com", "maria@example.com"),
    ],
)
def test_email_addresses(text, email):
    assert check_email(text) == email
    assert check_contact(text).value == email


@pytest.mark.parametrize("text", ["maria@", "@example.com", "maria@example", "maria at example dot com", "a..b@x.com"])
def test_what_is_neither_is_asked_again(text):
    checked = check_contact(text)
    assert not checked.ok and checked.problem == "contact"


def test_a_question_needs_a_few_words_and_is_kept_short():
    assert check_question("When is my inventory due?").value == "When is my inventory due?"
    assert not check_question("?").ok and not check_question("/affirm").ok and not check_question("ok").ok
    long = check_question("why " * 300).value
    assert long is not None and len(long) == contact.QUESTION_CHARS and long.endswith("…")


@given(st.text(max_size=200))
def test_no_answer_crashes_a_check_and_kept_values_are_clean(text):
    for check in (check_name, check_contact, check_question):
        checked = check(text)
        assert checked.ok == (checked.value is not None)
        if checked.value is not None:
            assert checked.value == checked.value.strip() and "\n" not in checked.value


# ---------------------------------------------------------------- staff's side


@pytest.mark.parametrize("text", ["done", "Done.", "DONE!", " end chat ", "finished", "resolved"])
def test_done_ends(text):
    assert is_done(text)


@pytest.mark.parametrize("text", ["done with step 2?", "I'm not done", "Thanks, that's all done now", ""])
def test_a_sentence_with_done_in_it_is_a_reply(text):
    assert not is_done(text)


def test_timeout_counts_from_the_request_or_the_last_staff_reply():
    start = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)
    later = start + dt.timedelta(seconds=900)
    assert timed_out(start, None, later, 900)
    assert not timed_out(start, None, later - dt.timedelta(seconds=1), 900)
    assert not timed_out(start, start + dt.timedelta(seconds=600), later, 900)
    assert timed_out(start, start + dt.timedelta(seconds=600), start + dt.timedelta(seconds=1500), 900)


def test_the_summary_names_channel_question_facility_and_last_turns():
    turns = [("person", f"message {n}") for n in range(8)] + [("bot", "Someone at the office can chat with you.")]
    text = handoff_summary(
        "twilio", "Why was my inventory not accepted?", turns, ("Feather River Feed", "10234567"), 900
    )
    lines = text.splitlines()
    assert lines[0] == "*A person on the text messages (SMS) asks to chat with staff*"
    assert "*Question:* Why was my inventory not accepted?" in lines
    assert "*Facility (checked with its CERS ID and ZIP in this chat):* Feather River Feed, CERS ID 10234567" in lines
    shown = [line for line in lines if line.startswith("> ")]
    assert shown[0] == "> Person: message 3" and shown[-1] == "> Bot: Someone at the office can chat with you."
    assert len(shown) == contact.TURNS_IN_SUMMARY
    assert 'Say "done" in the thread' in text and "no reply in 15 minutes" in text


def test_the_summary_without_a_question_or_a_verified_facility_says_so_and_names_none():
    text = handoff_summary("socketio", None, [("person", "talk to a person")], None, 600)
    assert "*Question:* not given yet" in text
    assert "Facility" not in text and "CERS ID" not in text
    assert "website chat" in text and "10 minutes" in text
