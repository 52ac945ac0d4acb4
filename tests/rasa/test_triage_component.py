"""The triage component (channels/triage.py) in Rasa's pipeline: an emergency guess the rules overrule takes the classifier's next guess, or "did you mean"."""

from __future__ import annotations


def parsed(text, ranking):
    """The intent the triage component leaves for a message the classifier ranked so."""
    from rasa.shared.nlu.training_data.message import Message

    from channels.triage import TriageOverride

    message = Message(data={"text": text})
    message.set("intent", dict(ranking[0]))
    message.set("intent_ranking", ranking)
    TriageOverride().process([message])
    return message.get("intent")["name"]


def test_overruled_emergency_takes_the_next_guess_or_did_you_mean():
    past = "we had a small leak in march, do I have to tell anyone"
    assert (
        parsed(
            past, [{"name": "report_emergency", "confidence": 0.5}, {"name": "release_reporting", "confidence": 0.3}]
        )
        == "release_reporting"
    )
    assert (
        parsed(past, [{"name": "report_emergency", "confidence": 0.8}, {"name": "when_to_update", "confidence": 0.1}])
        == "nlu_fallback"
    )
    # A guess of emergency that names a hazard, with no words against it, stands.
    assert (
        parsed(
            "weird fumes by the chlorine room today",
            [{"name": "report_emergency", "confidence": 0.6}, {"name": "ust_program", "confidence": 0.3}],
        )
        == "report_emergency"
    )


def test_a_guess_of_emergency_that_names_no_hazard_is_overruled():
    from rasa.shared.nlu.training_data.message import Message

    from channels.triage import TriageOverride

    message = Message(data={"text": "the thing with the people and the stuff"})
    ranking = [{"name": "report_emergency", "confidence": 0.57}, {"name": "explain_terms", "confidence": 0.07}]
    message.set("intent", dict(ranking[0]))
    message.set("intent_ranking", ranking)
    TriageOverride().process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_a_guess_of_an_id_for_a_question_holding_a_phone_number_is_overruled():
    ranking = [
        {"name": "provide_facility_ids", "confidence": 0.56},
        {"name": "how_to_log_in", "confidence": 0.19},
        {"name": "how_to_edit_user", "confidence": 0.13},
    ]
    # Not an ID: the question's own next guess is too unlikely, so "did you mean".
    assert parsed("something about users i guess, 530-555-0142", ranking) == "nlu_fallback"
    likely = [{"name": "provide_facility_ids", "confidence": 0.5}, {"name": "how_to_add_user", "confidence": 0.4}]
    assert parsed("add a user for me, call 530-555-0142", likely) == "how_to_add_user"
    # An ID (or a mistyped one) stays an ID.
    assert parsed("10234567 95971", ranking) == "provide_facility_ids"
    assert parsed("my id is 1023456", ranking) == "provide_facility_ids"
