"""The walkthrough Rasa actions, run on real rasa_sdk Trackers built from the events Rasa would send."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.walkthrough import (
    ActionAffirm,
    ActionOfferContinue,
    ActionStartWalkthrough,
    ActionWalkthroughCommand,
)
from cers.settings import load_office
from tests.unit.conversation import Conversation as BaseConversation
from tests.unit.conversation import texts

SLOTS = ("guide_id", "guide_step", "guide_open", "guide_paused")


class Conversation(BaseConversation):
    def __init__(self):
        super().__init__(SLOTS)

    def turn(self, text: str, intent: str, action, entities=None) -> List[Dict[str, Any]]:
        self.user(text, intent, entities)
        return self.run(action)


def payloads(messages) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


@pytest.fixture
def chat():
    return Conversation()


def test_start_by_text(chat):
    messages = chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    assert messages[-1]["text"] == "Step 1 of 3: Select your business."
    assert "/next_step" in payloads(messages)
    assert chat.slots == {"guide_id": "add_user", "guide_step": 0.0, "guide_open": True, "guide_paused": False}


def test_start_by_entity_from_a_button(chat):
    messages = chat.turn(
        '/start_walkthrough{"guide":"log_in"}',
        "start_walkthrough",
        ActionStartWalkthrough(),
        entities=[{"entity": "guide", "value": "log_in"}],
    )
    assert messages[-1]["text"].startswith("Step 1 of 4: On the CERS homepage click 'Business Portal Sign-In'")
    assert chat.slots["guide_id"] == "log_in"


def test_start_from_the_faq_answer_just_given(chat):
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user")
    messages = chat.turn("walk me through it", "start_walkthrough", ActionStartWalkthrough())
    assert messages[-1]["text"].startswith("Step 1 of 3:")
    assert chat.slots["guide_id"] == "add_user"


def test_start_without_a_guide_asks_which_with_buttons(chat):
    messages = chat.turn("walk me through it", "start_walkthrough", ActionStartWalkthrough())
    assert "Which" in texts(messages)
    assert '/start_walkthrough{"guide":"add_user"}' in payloads(messages)
    assert not chat.slots["guide_open"]


def test_commands_through_a_whole_guide(chat):
    chat.turn("walk me through editing a user", "start_walkthrough", ActionStartWalkthrough())
    messages = chat.turn("back", "previous_step", ActionWalkthroughCommand())
    assert "already on the first step" in texts(messages)
    assert messages[-1]["text"].startswith("Step 1 of 2:")
    messages = chat.turn("done", "next_step", ActionWalkthroughCommand())
    assert messages[-1]["text"] == "Step 2 of 2: Save your changes."
    assert chat.slots["guide_step"] == 1.0
    messages = chat.turn("say that again", "repeat_step", ActionWalkthroughCommand())
    assert messages[-1]["text"] == "Step 2 of 2: Save your changes."
    messages = chat.turn("I'm stuck", "stuck", ActionWalkthroughCommand())
    assert load_office().phone in texts(messages)
    messages = chat.turn("show all steps", "show_all_steps", ActionWalkthroughCommand())
    assert "1. Select the user" in texts(messages) and "2. Save your changes." in texts(messages)
    messages = chat.turn("start over", "restart_walkthrough", ActionWalkthroughCommand())
    assert messages[-1]["text"].startswith("Step 1 of 2:")
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    messages = chat.turn("got it", "next_step", ActionWalkthroughCommand())
    assert "done" in texts(messages) and "anything else" in texts(messages).lower()
    assert chat.slots == {"guide_id": None, "guide_step": 0.0, "guide_open": False, "guide_paused": False}


def test_affirm_after_an_faq_answer_starts_that_guide(chat):
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user")
    chat.run(ActionOfferContinue())  # nothing open: silent, as after every answer
    assert chat.last_events == []
    messages = chat.turn("yes", "affirm", ActionAffirm())
    assert messages[-1]["text"].startswith("Step 1 of 3:")
    assert chat.slots["guide_id"] == "add_user"


def test_affirm_with_nothing_offered_says_ok(chat):
    chat.user("hi", "greet")
    chat.response("utter_greet")
    messages = chat.turn("yes", "affirm", ActionAffirm())
    assert texts(messages).startswith("OK.")
    assert chat.last_events == []


def test_affirm_right_after_a_step_goes_on(chat):
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    messages = chat.turn("yes", "affirm", ActionAffirm())
    assert messages[-1]["text"].startswith("Step 2 of 3:")


def test_interruption_offer_and_continue_at_the_same_step(chat):
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    chat.user("when is it due?", "annual_due_date")
    chat.response("utter_annual_due_date", "On or before March 1.")
    messages = chat.run(ActionOfferContinue())
    assert texts(messages) == 'Want to get back to "Adding a user"? You were on step 2 of 3. Say "continue".'
    assert "/continue_walkthrough" in payloads(messages)
    assert chat.slots["guide_open"] is False and chat.slots["guide_paused"] is True
    # A second question: no second offer.
    chat.user("what's your number?", "contact_office")
    chat.response("utter_contact_office")
    assert chat.run(ActionOfferContinue()) == [] and chat.last_events == []
    messages = chat.turn("continue", "continue_walkthrough", ActionWalkthroughCommand())
    assert messages[-1]["text"] == "Step 2 of 3: Click 'People/Users'."
    assert chat.slots == {"guide_id": "add_user", "guide_step": 1.0, "guide_open": True, "guide_paused": False}


def test_yes_to_the_offer_to_continue_resumes(chat):
    chat.turn("walk me through logging in", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    chat.user("what does CUPA mean?", "explain_terms")
    chat.response("utter_explain_terms")
    chat.run(ActionOfferContinue())
    messages = chat.turn("yes", "affirm", ActionAffirm())
    assert messages[-1]["text"].startswith("Step 2 of 4:")
    assert chat.slots["guide_id"] == "log_in"


def interrupted_by_an_answer_that_offers_another_guide(chat):
    chat.turn("walk me through logging in", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user", "... Want me to walk you through it step by step?")
    return chat.run(ActionOfferContinue())


def test_offer_to_continue_after_an_answer_offering_another_guide_is_not_a_second_question(chat):
    messages = interrupted_by_an_answer_that_offers_another_guide(chat)
    assert texts(messages) == 'Or, to get back to "Logging in to CERS" where you were (step 2 of 4), say "continue".'
    assert payloads(messages) == ["/continue_walkthrough"]
    assert chat.slots["guide_paused"] is True and chat.slots["guide_open"] is False


@pytest.mark.parametrize(
    "text, intent, action",
    [
        ("yes", "affirm", ActionAffirm()),
        ("/affirm", "affirm", ActionAffirm()),  # the answer's "Yes, step by step" button
        ("ok", "next_step", ActionWalkthroughCommand()),
    ],
)
def test_yes_to_an_answer_offering_another_guide_starts_that_guide(chat, text, intent, action):
    interrupted_by_an_answer_that_offers_another_guide(chat)
    messages = chat.turn(text, intent, action)
    assert 'leaving "Logging in to CERS"' in texts(messages)
    assert messages[-1]["text"] == "Step 1 of 3: Select your business."
    assert chat.slots == {"guide_id": "add_user", "guide_step": 0.0, "guide_open": True, "guide_paused": False}


def test_continue_after_an_answer_offering_another_guide_resumes_the_paused_one(chat):
    interrupted_by_an_answer_that_offers_another_guide(chat)
    messages = chat.turn("continue", "continue_walkthrough", ActionWalkthroughCommand())
    assert messages[-1]["text"] == "Step 2 of 4: Enter your User ID and click 'Next'."
    assert chat.slots["guide_id"] == "log_in" and chat.slots["guide_open"] is True


def test_answer_offering_the_open_guide_itself_keeps_the_question_and_yes_resumes(chat):
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user")
    messages = chat.run(ActionOfferContinue())
    assert texts(messages).startswith('Want to get back to "Adding a user"? You were on step 2 of 3.')
    for text, intent, action in (("yes", "affirm", ActionAffirm()), ("ok", "next_step", ActionWalkthroughCommand())):
        messages = chat.turn(text, intent, action)
        assert messages[-1]["text"] == "Step 2 of 3: Click 'People/Users'.", text
        chat.turn("stop", "stop", ActionWalkthroughCommand())


def test_ok_after_an_faq_offering_another_guide_with_one_stopped_starts_it(chat):
    chat.turn("walk me through logging in", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("stop", "stop", ActionWalkthroughCommand())
    chat.user("how do I edit a user", "how_to_edit_user")
    chat.response("utter_how_to_edit_user")
    messages = chat.turn("ok", "next_step", ActionWalkthroughCommand())
    assert messages[-1]["text"].startswith("Step 1 of 2:")
    assert chat.slots["guide_id"] == "edit_user"


def test_yes_after_an_faq_with_a_paused_guide_starts_the_faq_guide(chat):
    chat.turn("walk me through logging in", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("stop", "stop", ActionWalkthroughCommand())
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user")
    chat.run(ActionOfferContinue())  # paused, not open: silent
    messages = chat.turn("yes", "affirm", ActionAffirm())
    assert messages[-1]["text"].startswith("Step 1 of 3:")
    assert chat.slots["guide_id"] == "add_user"


def test_stop_then_continue_later(chat):
    chat.turn("walk me through creating an account", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    messages = chat.turn("never mind", "stop", ActionWalkthroughCommand())
    assert "step 3 of 5" in texts(messages)
    assert chat.slots["guide_paused"] is True and chat.slots["guide_open"] is False
    chat.user("thanks", "thank_you")
    chat.response("utter_thank_you")
    messages = chat.turn("where was I", "continue_walkthrough", ActionWalkthroughCommand())
    assert messages[-1]["text"].startswith("Step 3 of 5: Click the green 'Create New Account' button")


def test_switching_guides(chat):
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    messages = chat.turn("actually walk me through logging in", "start_walkthrough", ActionStartWalkthrough())
    assert 'leaving "Adding a user"' in texts(messages)
    assert messages[-1]["text"].startswith("Step 1 of 4:")
    assert chat.slots == {"guide_id": "log_in", "guide_step": 0.0, "guide_open": True, "guide_paused": False}


def test_walk_me_through_it_mid_guide_resumes_that_guide(chat):
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    chat.turn("next", "next_step", ActionWalkthroughCommand())
    messages = chat.turn("walk me through it", "start_walkthrough", ActionStartWalkthrough())
    assert messages[-1]["text"].startswith("Step 2 of 3:")


def test_commands_with_nothing_open(chat):
    messages = chat.turn("next", "next_step", ActionWalkthroughCommand())
    assert '/start_walkthrough{"guide":"add_user"}' in payloads(messages)
    messages = chat.turn("stop", "stop", ActionWalkthroughCommand())
    assert texts(messages).startswith("OK.") and "walk you through" in texts(messages)
    messages = chat.turn("continue", "continue_walkthrough", ActionWalkthroughCommand())
    assert "no walkthrough to continue" in texts(messages)


def test_ok_right_after_an_faq_answer_starts_its_guide(chat):
    chat.user("how do I edit a user", "how_to_edit_user")
    chat.response("utter_how_to_edit_user")
    messages = chat.turn("ok", "next_step", ActionWalkthroughCommand())
    assert messages[-1]["text"].startswith("Step 1 of 2:")


def test_all_steps_after_an_faq_answer_with_nothing_open(chat):
    chat.user("how do I log in", "how_to_log_in")
    chat.response("utter_how_to_log_in")
    messages = chat.turn("list every step", "show_all_steps", ActionWalkthroughCommand())
    assert "1. On the CERS homepage" in texts(messages)


def test_offer_continue_with_nothing_open_is_silent(chat):
    chat.user("hello", "greet")
    assert chat.run(ActionOfferContinue()) == []
    assert chat.last_events == []
