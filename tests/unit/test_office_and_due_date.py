"""Office settings (office.yml, CERS_TODAY) and the "when is it due?" answer built from them."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.faq import annual_due_date_answer
from actions.session import office_slots
from actions.settings import SettingsError, load_office, today


@pytest.fixture
def other_office(tmp_path, monkeypatch):
    path = tmp_path / "office.yml"
    path.write_text(
        "name: Sierra County CUPA\nphone: '(530) 555-0100'\ncity: Downieville, California\n"
        "hours: Monday to Friday, 8 to 5\naddress: 1 Main St, Downieville\n"
        "annual_due_month: 3\nannual_due_day: 1\n"
    )
    monkeypatch.setenv("OFFICE_FILE", str(path))
    return path


def test_cers_today_overrides_the_date(monkeypatch):
    monkeypatch.setenv("CERS_TODAY", "2027-02-15")
    assert today() == dt.date(2027, 2, 15)


def test_bad_cers_today_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CERS_TODAY", "15/02/2027")
    with pytest.raises(SettingsError, match="CERS_TODAY"):
        today()


def test_due_date_answer_counts_days_to_the_next_march_first():
    answer = annual_due_date_answer(dt.date(2026, 11, 23))
    assert "March 1, 2027: in 98 days" in answer
    assert "25508(a)(1)" in answer and "(530) 283-6355" in answer


def test_due_date_answer_on_march_first_says_today():
    assert "March 1, 2027: today" in annual_due_date_answer(dt.date(2027, 3, 1))


def test_day_after_the_due_date_points_to_next_year():
    assert "March 1, 2028: in 365 days" in annual_due_date_answer(dt.date(2027, 3, 2))


def test_leap_year_february_is_counted():
    assert "March 1, 2028: in 2 days" in annual_due_date_answer(dt.date(2028, 2, 28))
    assert "March 1, 2028: in 1 day." in annual_due_date_answer(dt.date(2028, 2, 29))


def test_office_details_come_from_the_office_file(other_office):
    office = load_office()
    slots = office_slots(office)
    assert slots["office_phone"] == "(530) 555-0100"
    assert "Hours: Monday to Friday, 8 to 5" in slots["office_contact"]
    assert "1 Main St, Downieville" in slots["office_contact"]
    assert "Sierra County CUPA" in annual_due_date_answer(dt.date(2026, 11, 23))


def test_unknown_hours_and_address_are_left_out():
    slots = office_slots(load_office())
    assert "Hours" not in slots["office_contact"]
    assert slots["office_contact"].splitlines() == [
        "Plumas County Environmental Health", "Quincy, California", "Phone: (530) 283-6355"]


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


@pytest.mark.parametrize("day, late", [
    (dt.date(2027, 3, 1), False), (dt.date(2027, 3, 2), True), (dt.date(2027, 4, 30), True),
    (dt.date(2027, 5, 1), False), (dt.date(2027, 2, 28), False),
])
def test_for_60_days_after_the_due_date_the_answer_says_late_and_offers_the_status_check(day, late, monkeypatch):
    from actions.faq import ActionAnnualDueDate
    from tests.unit.conversation import Conversation

    assert ("you are late" in annual_due_date_answer(day)) == late
    conversation = Conversation([])
    conversation.user("when is it due", "annual_due_date")
    monkeypatch.setenv("CERS_TODAY", day.isoformat())
    [message] = conversation.run(ActionAnnualDueDate())
    buttons = message.get("buttons") or []
    assert (buttons == [{"title": "Check my status", "payload": "/check_facility_status"}]) == late
