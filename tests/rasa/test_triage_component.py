"""The triage component (channels/triage.py) in Rasa's pipeline: an emergency guess the rules overrule takes the classifier's next guess, or "did you mean"."""

from __future__ import annotations


def test_overruled_emergency_takes_the_next_guess_or_did_you_mean():
    from rasa.shared.nlu.training_data.message import Message

    from channels.triage import TriageOverride

    def parsed(text, ranking):
        message = Message(data={"text": text})
        message.set("intent", dict(ranking[0]))
        message.set("intent_ranking", ranking)
        TriageOverride().process([message])
        return message.get("intent")["name"]

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
