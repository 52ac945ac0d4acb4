"""The emergency and language rules (cers/emergency.py, cers/language.py) on the emergency test sets, without a model (emergencies_spanish.yml: issue 20, written without seeing the rules).

The sets in tests/nlu/emergencies*.yml were written by people who had not seen the rules; the
third was first run against them unchanged (see docs/intents.md for what it measured).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cers.emergency import describes_emergency
from cers.language import answer_in_both, message_language, triage_intent

# The rules alone must catch every emergency of these sets. emergencies_spanish.yml (issue 20) is
# measured through the model in `make test` (scripts/evaluate_nlu.py: every emergency there gets
# 911 first); the Spanish rules alone, written without seeing it, catch 56 of its 60 (docs/intents.md).
MEASURED_WITH_THE_MODEL = ("emergencies_spanish",)
SETS = sorted(
    path
    for path in Path(__file__).resolve().parents[1].joinpath("nlu").glob("emergencies*.yml")
    if path.stem not in MEASURED_WITH_THE_MODEL
)


def messages(kind: str):
    """(set, message) of every set: one test per kind lists every message that fails (one test
    item per message cost `make check` seconds)."""
    for path in SETS:
        for text in yaml.safe_load(path.read_text(encoding="utf-8")).get(kind, []):
            yield path.stem, text


def failing(kind: str, ok) -> list:
    return [f"{name}: {text}" for name, text in messages(kind) if not ok(text)]


def test_there_are_enough_test_messages():
    assert len(SETS) >= 3
    assert len(list(messages("emergencies"))) >= 180 and len(list(messages("not_emergencies"))) >= 180
    assert len(list(messages("spanish_emergencies"))) >= 40 and len(list(messages("spanish_other"))) >= 40


def test_an_emergency_is_report_emergency():
    assert failing("emergencies", lambda text: triage_intent(text) == "report_emergency") == []


def test_a_question_that_shares_the_words_is_not():
    assert failing("not_emergencies", lambda text: triage_intent(text) != "report_emergency") == []


def test_a_spanish_emergency_is_report_emergency_in_spanish():
    """911 first, and in Spanish: the message sets the conversation's language to Spanish, or (an
    English conversation) the reply comes in both languages."""

    def ok(text):
        return triage_intent(text) == "report_emergency" and (
            message_language(text) == "es" or answer_in_both(text, "en")
        )

    assert failing("spanish_emergencies", ok) == []


def test_other_spanish_is_answered_in_spanish_and_not_as_an_emergency():
    def ok(text):
        return triage_intent(text) != "report_emergency" and message_language(text) in ("es", None)

    assert failing("spanish_other", ok) == []


@pytest.mark.parametrize(
    "text",
    [
        "how do i add a user",
        "no",
        "yes please",
        "ok",
        "hi",
        "what's your phone number",
        "we have 300 gallons of diesel",
        "can my editor submit?",
        "10234567 95971",
    ],
)
def test_ordinary_english_is_left_to_the_classifier(text):
    assert triage_intent(text) is None


@pytest.mark.parametrize("payload", ["/report_emergency", "/how_to_add_user", '/affirm{"guide": "x"}'])
def test_button_payloads_are_left_alone(payload):
    assert triage_intent(payload) is None


def test_a_guess_of_emergency_is_overruled_when_the_words_say_past_or_rules():
    from cers.emergency import explicitly_not_now

    # Not every such message has a cue (some share no words at all); those that do are overruled.
    assert failing("not_emergencies", lambda text: not (explicitly_not_now(text) and describes_emergency(text))) == []
