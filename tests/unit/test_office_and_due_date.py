"""Office settings (office.yml, CERS_TODAY) and the "when is it due?" answer built from them."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.faq import annual_due_date_answer
from cers.office_details import office_details
from cers.settings import SettingsError, load_office, today


@pytest.fixture
def other_office(tmp_path, monkeypatch):
    path = tmp_path / "office.yml"
    path.write_text(
        "name: Sierra County CUPA\nphone: '(530) 555-0100'\ncity: Downieville, California\n"
        "hours:\n  time_zone: America/Los_Angeles\n  weekly:\n"
        "    monday: '08:00-17:00'\n    tuesday: '08:00-17:00'\n    wednesday: '08:00-17:00'\n"
        "    thursday: '08:00-17:00'\n    friday: '08:00-12:00, 13:00-17:00'\n"
        "  closed_dates: [2026-12-25]\n"
        "address: 1 Main St, Downieville\nemail: cupa@example.org\n"
        "annual_due_month: 3\nannual_due_day: 1\n"
    )
    monkeypatch.setenv("OFFICE_FILE", str(path))
    return path


@pytest.fixture
def plain_office(tmp_path, monkeypatch):
    """An office of the tests' own: the state's default due date (March 1), no hours, address or e-mail."""
    path = tmp_path / "office.yml"
    path.write_text(
        "name: Example County Environmental Health\nphone: '(555) 010-0100'\ncity: Exampleville, California\n"
    )
    monkeypatch.setenv("OFFICE_FILE", str(path))
    return path


@pytest.fixture
def april_office(tmp_path, monkeypatch):
    path = tmp_path / "office.yml"
    path.write_text("name: April County CUPA\nphone: '(555) 010-0144'\nannual_due_month: 4\nannual_due_day: 1\n")
    monkeypatch.setenv("OFFICE_FILE", str(path))
    return path


def test_cers_today_overrides_the_date(monkeypatch):
    monkeypatch.setenv("CERS_TODAY", "2027-02-15")
    assert today() == dt.date(2027, 2, 15)


def test_bad_cers_today_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CERS_TODAY", "15/02/2027")
    with pytest.raises(SettingsError, match="CERS_TODAY"):
        today()


def test_due_date_answer_counts_days_to_the_next_march_first(plain_office):
    answer = annual_due_date_answer(dt.date(2026, 11, 23))
    assert "March 1, 2027: in 98 days" in answer
    assert "25508(a)(1)" in answer and "(555) 010-0100" in answer


def test_due_date_answer_on_march_first_says_today(plain_office):
    assert "March 1, 2027: today" in annual_due_date_answer(dt.date(2027, 3, 1))


def test_day_after_the_due_date_points_to_next_year(plain_office):
    assert "March 1, 2028: in 365 days" in annual_due_date_answer(dt.date(2027, 3, 2))


def test_an_office_with_its_own_due_date_counts_to_it(april_office):
    answer = annual_due_date_answer(dt.date(2027, 3, 2))
    assert "April 1, 2027: in 30 days" in answer and "March" not in answer
    assert "April County CUPA" in answer or "(555) 010-0144" in answer


def test_leap_year_february_is_counted(plain_office):
    assert "March 1, 2028: in 2 days" in annual_due_date_answer(dt.date(2028, 2, 28))
    assert "March 1, 2028: in 1 day." in annual_due_date_answer(dt.date(2028, 2, 29))


def test_office_details_come_from_the_office_file(other_office):
    office = load_office()
    slots = office_details(office)
    assert slots["office_phone"] == "(530) 555-0100"
    assert (
        "Hours: Monday to Thursday, 8:00 AM to 5:00 PM; Friday, 8:00 AM to 12:00 PM and 1:00 PM to 5:00 PM"
        in slots["office_contact"]
    )
    assert "Address: 1 Main St, Downieville" in slots["office_contact"]
    assert "E-mail: cupa@example.org" in slots["office_contact"]
    assert "not listed" not in slots["office_contact"]
    assert "Sierra County CUPA" in annual_due_date_answer(dt.date(2026, 11, 23))


def test_unknown_hours_address_and_email_are_said_to_be_not_listed_with_the_phone(plain_office):
    slots = office_details(load_office())
    assert slots["office_contact"].splitlines() == [
        "Example County Environmental Health",
        "Phone: (555) 010-0100",
        "Address: not listed (the office is in Exampleville, California)",
        "E-mail: not listed",
        "Hours: not listed",
        "For anything not listed, call (555) 010-0100.",
    ]


@pytest.mark.parametrize(
    "moment, is_open",
    [
        ("2026-11-23T08:00", True),
        ("2026-11-23T07:59", False),
        ("2026-11-23T16:59", True),
        ("2026-11-23T17:00", False),
        ("2026-11-27T12:30", False),
        ("2026-11-27T13:00", True),
        ("2026-11-28T10:00", False),  # a Saturday
        ("2026-12-25T10:00", False),  # a closed date (a Friday)
    ],
)
def test_office_hours_say_whether_the_office_is_open(other_office, moment, is_open):
    assert load_office().hours.is_open(dt.datetime.fromisoformat(moment)) is is_open


def test_an_aware_time_is_read_in_the_office_s_time_zone(other_office):
    utc = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.timezone.utc)  # 8:30 AM in California
    assert load_office().hours.is_open(utc)


@pytest.mark.parametrize(
    "hours, message",
    [
        ("Monday to Friday, 8 to 5", "hours must be"),
        ("{time_zone: Mars/Base}", "time zone"),
        ("{weekly: {funday: '08:00-17:00'}}", "not a weekday"),
        ("{weekly: {monday: '8 to 5'}}", "not like 08:00-17:00"),
        ("{weekly: {monday: '17:00-08:00'}}", "ends before it starts"),
        ("{closed_dates: [christmas]}", "not a date"),
    ],
)
def test_bad_hours_are_a_clear_error(tmp_path, monkeypatch, hours, message):
    path = tmp_path / "office.yml"
    path.write_text(f"name: X\nphone: '1'\nhours: {hours}\n")
    monkeypatch.setenv("OFFICE_FILE", str(path))
    with pytest.raises(SettingsError, match=message):
        load_office()


def test_office_file_without_a_phone_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "office.yml"
    path.write_text("name: Nowhere CUPA\n")
    monkeypatch.setenv("OFFICE_FILE", str(path))
    with pytest.raises(SettingsError, match="phone"):
        load_office()


def test_february_29_cannot_be_the_annual_due_date(tmp_path, monkeypatch):
    path = tmp_path / "office.yml"
    path.write_text("name: X\nphone: '1'\nannual_due_month: 2\nannual_due_day: 29\n")
    monkeypatch.setenv("OFFICE_FILE", str(path))
    with pytest.raises(SettingsError, match="not a date in every year"):
        load_office()


def test_due_date_answer_says_submittal_or_certification():
    assert "submittal or certification" in annual_due_date_answer(dt.date(2026, 11, 23))


@pytest.mark.parametrize("days_after, late", [(0, False), (1, True), (60, True), (61, False), (-1, False)])
def test_for_60_days_after_the_due_date_the_answer_says_late_and_offers_the_status_check(days_after, late, monkeypatch):
    from actions.faq import ActionAnnualDueDate
    from tests.unit.conversation import Conversation

    office = load_office()  # the office in use: its own due date
    day = dt.date(2027, office.annual_due_month, office.annual_due_day) + dt.timedelta(days=days_after)
    assert ("you are late" in annual_due_date_answer(day)) == late
    conversation = Conversation([])
    conversation.user("when is it due", "annual_due_date")
    monkeypatch.setenv("CERS_TODAY", day.isoformat())
    [message] = conversation.run(ActionAnnualDueDate())
    buttons = message.get("buttons") or []
    assert (buttons == [{"title": "Check my status", "payload": "/check_facility_status"}]) == late
