"""The "Did you mean" reply (actions/triage.py): the likeliest topics as buttons, "Something else", never a dead end."""

from __future__ import annotations

import pytest

from actions.triage import ActionDidYouMean, ActionReportEmergency
from cers.topics import best_guesses, topic_titles
from tests.unit.conversation import Conversation


def unsure(ranking, text="uhh the thing with the people"):
    conversation = Conversation(["status_open"])
    conversation.user(text, "nlu_fallback")
    conversation.latest["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.6}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking
    ]
    return conversation


def test_offers_the_likeliest_topics_best_first_then_something_else():
    conversation = unsure(
        [("how_to_add_user", 0.31), ("how_to_log_in", 0.22), ("user_roles", 0.2), ("greet", 0.1), ("site_map", 0.09)]
    )
    [message] = conversation.run(ActionDidYouMean())
    assert message["response"] == "utter_did_you_mean"
    assert [b["title"] for b in message["buttons"]] == ["Add a user", "Log in", "User roles", "Something else"]
    assert [b["payload"] for b in message["buttons"]][:3] == ["/how_to_add_user", "/how_to_log_in", "/user_roles"]


def test_conversation_intents_and_unlikely_topics_are_not_offered():
    assert best_guesses([("greet", 0.5), ("affirm", 0.3), ("site_map", 0.02)]) == []
    conversation = unsure([("greet", 0.5), ("affirm", 0.3), ("site_map", 0.02)])
    [message] = conversation.run(ActionDidYouMean())
    assert message["response"] == "utter_default"  # the office's phone, no buttons


@pytest.mark.parametrize(
    "text, ranking",
    [
        # Named, but not said to be happening now: the rules (cers/emergency.py) don't call these emergencies.
        ("a spill on the form?", [("how_to_add_user", 0.31), ("how_to_log_in", 0.22)]),
        ("leaky drum paperwork??", [("greet", 0.5), ("affirm", 0.3)]),
        ("burnt smell question for the plan", [("out_of_scope", 0.35), ("fees_and_invoices", 0.3)]),
    ],
)
def test_a_message_naming_a_hazard_hears_call_911_before_any_not_sure_reply(text, ranking):
    first, then = unsure(ranking, text).run(ActionDidYouMean())
    assert first["response"] == "utter_hazard_caution"
    assert then["response"] in ("utter_did_you_mean", "utter_default", "utter_out_of_scope")


def test_a_message_naming_no_hazard_gets_no_911_line():
    messages = unsure([("how_to_add_user", 0.31), ("how_to_log_in", 0.22)], "the form with the people thing").run(
        ActionDidYouMean()
    )
    assert [m["response"] for m in messages] == ["utter_did_you_mean"]


def test_a_likely_off_topic_question_gets_the_out_of_scope_answer():
    conversation = unsure([("out_of_scope", 0.35), ("fees_and_invoices", 0.3)])
    [message] = conversation.run(ActionDidYouMean())
    assert message["response"] == "utter_out_of_scope"


def test_every_offered_topic_has_a_domain_response_or_action():
    import yaml

    domain = yaml.safe_load(open("domain.yml", encoding="utf-8"))
    for intent in topic_titles():
        assert intent in domain["intents"], intent


def test_spanish_emergency_gets_the_bilingual_reply_and_a_waiting_check_is_offered_again():
    conversation = Conversation(["status_open"])
    conversation.slots["status_open"] = True
    conversation.user("hay una fuga de gas en el taller", "report_emergency")
    messages = conversation.run(ActionReportEmergency())
    assert [m["response"] for m in messages] == ["utter_report_emergency_bilingual", "utter_status_check_resume"]
    conversation = Conversation(["status_open"])
    conversation.user("the propane tank is hissing", "report_emergency")
    assert [m["response"] for m in conversation.run(ActionReportEmergency())] == ["utter_report_emergency"]


@pytest.mark.parametrize(
    "text, response",
    [
        ("what about the inventory?", "utter_element_inventory"),
        ("and the chemical list?", "utter_element_inventory"),
        ("what about the emergency response plan", "utter_element_plans"),
        ("and business activities?", "utter_element_facility_information"),
        ("what about the map", "utter_site_map"),
        ("tell me more", "utter_submittal_elements"),
    ],
)
def test_a_part_of_the_submittal_after_the_elements_answer_gets_that_part(text, response):
    from actions.triage import ActionElementFollowUp

    conversation = Conversation([])
    conversation.response("utter_submittal_elements")
    conversation.user(text, "submittal_elements")
    [message] = conversation.run(ActionElementFollowUp())
    assert message["response"] == response
