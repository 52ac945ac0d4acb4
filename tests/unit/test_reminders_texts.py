"""The reminders' texts (cers/reminders/texts.py, cers/templates/<language>/reminders.yml): GSM-7 only, one segment where possible and never more than two (long facility names shortened, never what is due), the same numbers and dates in Spanish and English, the office's own values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from cers.dates import format_date
from cers.reminders import texts
from cers.reminders.schedule import ANNUAL, CHANGE, CORRECTION, OVERDUE, Reminder
from cers.settings import load_office

LANGUAGES = ("en", "es")
NAMES = {
    "short": "Joe's Garage",
    "typical": "Feather River Feed & Seed Co.",
    "long": "Chester Lumber Company Incorporated North Yard",
    "very long": "Chester Lumber Company Incorporated North Yard Number 2, Quincy, California, Plumas County",
    "not GSM-7": "Café “Ñandú” — Taller Mecánico™ Año 2 🚜",
}
# The longest office name the texts are made for (made up; a real one is in office.yml).
LONG_OFFICE = "Example County Department of Environmental Health and Quality Services"[: texts.LONG_OFFICE_NAME_CHARS]
DATE = dt.date(2027, 9, 30)  # the longest English month name
REMINDERS = [
    Reminder("10234567", ANNUAL, DATE, 30, 30),
    Reminder("10234567", CHANGE, DATE, 7, 1),
    Reminder("10234567", CORRECTION, DATE, 1, 0),
    Reminder("10234567", CHANGE, DATE, OVERDUE, -12),
]


def offices():
    office = load_office()
    return [office, dataclasses.replace(office, name=LONG_OFFICE, phone="(555) 010-0123")]


def every_text(office, language):
    """(what, text) for every text, with every facility name."""
    for label, name in NAMES.items():
        for reminder in REMINDERS:
            yield (
                f"reminder {reminder.kind} {reminder.offset} {label}",
                texts.reminder(office, language, name, reminder),
            )
        yield f"disclosure {label}", texts.disclosure(office, language, name)
        yield f"offer {label}", texts.offer_by_sms(office, language, name)
        yield f"subscribed {label}", texts.subscribed(office, language, name)
    yield "code", texts.code(office, language, "042917")
    yield "stopped", texts.stopped(office, language)
    yield "started", texts.started(office, language)
    yield "nothing to start", texts.nothing_to_start(office, language)
    yield "help", texts.help_text(office, language)


def test_every_text_is_gsm7_and_at_most_two_segments():
    """(One test for every text: it lists every one that is not.)"""
    problems = []
    for office in offices():
        for language in LANGUAGES:
            for what, text in every_text(office, language):
                if not texts.is_gsm7(text):
                    problems.append(f"{language} {what}: not GSM-7: {sorted(set(text) - texts.GSM7_BASIC)}")
                if texts.segments(text) > texts.MAX_SEGMENTS:
                    problems.append(f"{language} {what}, office name of {len(office.name)}: {len(text)} characters")
    assert problems == []


def test_a_reminder_is_one_segment_with_the_office_in_use():
    office = load_office()
    for language in LANGUAGES:
        for label, name in NAMES.items():
            for reminder in REMINDERS:
                text = texts.reminder(office, language, name, reminder)
                assert texts.segments(text) == 1, f"{language} {label}: {text}"


def test_a_long_name_is_shortened_never_what_is_due():
    for office in offices():
        for language in LANGUAGES:
            for reminder in REMINDERS:
                text = texts.reminder(office, language, NAMES["very long"], reminder)
                assert texts.to_gsm7(format_date(DATE, language)) in text
                assert (
                    texts.to_gsm7(texts.render(texts.GROUP, texts.KINDS_WHAT[reminder.kind], language=language)) in text
                )
                assert "STATUS" in text and "STOP" in text
                assert NAMES["very long"] not in text and "Chester Lumber" in text and "..." in text


def test_the_name_is_kept_whole_when_it_fits():
    # An office with a name of typical length (made up): which version fits depends on it.
    office = dataclasses.replace(load_office(), name="Example County Environmental Health", phone="(555) 010-0123")
    for language in LANGUAGES:
        for reminder in REMINDERS:
            assert NAMES["short"] in texts.reminder(office, language, NAMES["short"], reminder)
            if language == "en":
                assert NAMES["typical"] in texts.reminder(office, language, NAMES["typical"], reminder)
    # A version with the office's name or the days left gives way to the whole name first.
    annual = REMINDERS[0]
    assert texts.reminder(office, "en", NAMES["short"], annual).startswith(f"{office.name} reminder for Joe's Garage:")
    assert texts.reminder(office, "en", NAMES["typical"], annual).startswith(
        "Reminder for Feather River Feed & Seed Co.:"
    )


def numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+", text))


def test_spanish_and_english_say_the_same_date_and_numbers():
    months = dict(
        zip(
            "January February March April May June July August September October November December".split(),
            "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
        )
    )
    for office in offices():
        for reminder in REMINDERS:
            english = texts.reminder(office, "en", NAMES["typical"], reminder)
            spanish = texts.reminder(office, "es", NAMES["typical"], reminder)
            english_month = [m for m in months if m in english]
            assert english_month == ["September"] and months["September"] in spanish
            # The deadline's day and year in both; the days left where the version kept them.
            assert {"30", "2027"} <= set(numbers(spanish)) and {"30", "2027"} <= set(numbers(english))
            assert set(numbers(spanish)) <= set(numbers(english))
        spanish_texts = dict(every_text(office, "es"))
        for what, english in every_text(office, "en"):
            if not re.search(r"reminder|very long|not GSM-7", what):  # (those names have digits)
                spanish = spanish_texts[what]
                assert numbers(spanish) == numbers(english), what


def test_the_texts_carry_the_office_values_and_the_required_words():
    office = dataclasses.replace(load_office(), name="Test County CUPA", phone="(555) 010-0111", reminder_days=(14, 2))
    english = dict(every_text(office, "en"))
    assert "Test County CUPA" in english["help"] and "(555) 010-0111" in english["help"] and "STOP" in english["help"]
    disclosure = english["disclosure typical"]
    for words in ("Test County CUPA", "Feather River Feed & Seed Co.", "at most 3 per deadline", "one a day"):
        assert words in disclosure
    assert "Msg & data rates may apply. Reply STOP to cancel, HELP for help." in disclosure
    assert english["offer typical"] == f"{disclosure} Reply YES to get them."
    assert english["code"].startswith("042917 is your code") and "10 minutes" in english["code"]
    spanish = dict(every_text(office, "es"))
    assert "STOP o ALTO" in spanish["disclosure typical"] and "maximo 3 por fecha" in spanish["disclosure typical"]
    assert "(555) 010-0111" in spanish["help"] and "ALTO" in spanish["help"]
    assert "Responda STATUS para detalles, STOP" in spanish["reminder annual 30 short"]


def test_the_widget_shows_the_disclosure_with_its_accents():
    office = load_office()
    widget = texts.disclosure(office, "es", "Taller Mecánico", sms=False)
    assert "enviará" in widget and "Taller Mecánico" in widget and office.name in widget
    assert texts.to_gsm7(widget) == texts.disclosure(office, "es", "Taller Mecánico")


@pytest.mark.parametrize(
    "text, count",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character counts two
        ("€" * 81, 2),
        ("á" * 70, 1),  # outside GSM-7: UCS-2, 70 a segment
        ("á" * 71, 2),
    ],
)
def test_segments(text, count):
    assert texts.segments(text) == count


def test_to_gsm7_and_shorten():
    assert (
        texts.to_gsm7("“Quoted” — café, jalapeño, Ångström, ™ 🚜 así") == '"Quoted" - café, jalapeño, Ångström, TM asi'
    )
    shortened = texts.shorten("Chester Lumber Company Incorporated", 24)
    assert len(shortened) <= 24 and shortened == "Chester Lumber..."
    assert texts.shorten("Joe's Garage", 24) == "Joe's Garage"
    assert texts.shorten("Supercalifragilisticexpialidocious", 16) == "Supercalifrag..."
