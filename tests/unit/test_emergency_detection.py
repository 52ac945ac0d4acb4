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
    for path in SETS:
        for text in yaml.safe_load(path.read_text(encoding="utf-8")).get(kind, []):
            yield pytest.param(text, id=f"{path.stem}:{text[:40]}")


def test_there_are_enough_test_messages():
    assert len(SETS) >= 3
    assert len(list(messages("emergencies"))) >= 180 and len(list(messages("not_emergencies"))) >= 180
    assert len(list(messages("spanish_emergencies"))) >= 40 and len(list(messages("spanish_other"))) >= 40


@pytest.mark.parametrize("text", messages("emergencies"))
def test_an_emergency_is_report_emergency(text):
    assert triage_intent(text) == "report_emergency"


@pytest.mark.parametrize("text", messages("not_emergencies"))
def test_a_question_that_shares_the_words_is_not(text):
    assert triage_intent(text) != "report_emergency"


@pytest.mark.parametrize("text", messages("spanish_emergencies"))
def test_a_spanish_emergency_is_report_emergency_in_spanish(text):
    """911 first, and in Spanish: the message sets the conversation's language to Spanish, or (an
    English conversation) the reply comes in both languages."""
    assert triage_intent(text) == "report_emergency"
    assert message_language(text) == "es" or answer_in_both(text, "en")


@pytest.mark.parametrize("text", messages("spanish_other"))
def test_other_spanish_is_answered_in_spanish_and_not_as_an_emergency(text):
    assert triage_intent(text) != "report_emergency"
    assert message_language(text) in ("es", None)


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


@pytest.mark.parametrize("text", messages("not_emergencies"))
def test_a_guess_of_emergency_is_overruled_when_the_words_say_past_or_rules(text):
    from cers.emergency import explicitly_not_now

    # Not every such message has a cue (some share no words at all); those that do are overruled.
    if explicitly_not_now(text):
        assert not describes_emergency(text)
