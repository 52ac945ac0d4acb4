"""Reaching the office's staff, the actions (actions/handoff.py, action_affirm), run on real rasa_sdk Trackers: the offer by hours and channel, yes, the summary posted to the staff channel (the facility only once verified), stuck and "Something else" twice, the callback request's checks, storing, stop, and the timed-out handoff."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest

from actions import services
from actions.handoff import (
    ActionContactOffice,
    ActionHandoffTimedOut,
    ActionNoneOfThese,
    ActionStartHandoff,
    ActionStopCallback,
    ActionSubmitCallback,
    ValidateCallbackForm,
)
from actions.state import CALLBACK_SLOTS, HANDOFF_ID, OFFERS_CONTACT
from actions.status import ActionFacilityStatus
from actions.walkthrough import ActionAffirm, ActionStartWalkthrough, ActionWalkthroughCommand
from cers.contact import CALLBACK_DONE_BUTTON, END_HANDOFF_BUTTON
from cers.facilities.importer import import_folder
from cers.facilities.store import FacilityStore
from cers.handoffs import FAILED, OPEN
from cers.staff_channel import Posted, StaffChannel
from tests.unit.conversation import Conversation as BaseConversation
from tests.unit.conversation import texts

DEMO = Path(__file__).resolve().parents[2] / "demo" / "facilities"
SLOTS = (
    "status_open", "status_cers_id", "status_zip", "status_failures", "status_choices",
    "guide_id", "guide_step", "guide_open", "guide_paused", "contact_request", "requested_slot", *CALLBACK_SLOTS,
)  # fmt: skip
# An office of the tests' own (open weekdays 8 to 5), not the deploying office: handoffs depend on hours.
OFFICE = """name: Example County Environmental Health
short_name: the Environmental Health office
phone: "(555) 010-0100"
city: Exampleville, California
hours:
  time_zone: America/Los_Angeles
  weekly: {monday: "08:00-17:00", tuesday: "08:00-17:00", wednesday: "08:00-17:00", thursday: "08:00-17:00", friday: "08:00-17:00"}
  closed_dates: [2026-11-26]
"""
MONDAY_MORNING = "2026-11-23T10:00"
MONDAY_EVENING = "2026-11-23T18:30"


class FakeStaffChannel(StaffChannel):
    """The staff channel on Slack, recorded: what was posted, and a thread id for each post."""

    def __init__(self, accepts: bool = True):
        super().__init__("xoxb-test", "C0STAFF")
        self.accepts = accepts
        self.posts: List[dict] = []

    async def post(self, text, blocks=None, thread_ts=None) -> Optional[Posted]:
        if not self.accepts:
            return None
        self.posts.append({"text": text, "blocks": blocks, "thread_ts": thread_ts})
        return Posted("C0STAFF", f"1700000000.{len(self.posts):06d}")


class Conversation(BaseConversation):
    def __init__(self, channel: str = "socketio"):
        super().__init__(SLOTS, channel)

    def turn(self, text: str, intent: str, action) -> str:
        self.user(text, intent)
        return texts(self.run(action))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'facilities.db'}"
    store = FacilityStore(url)
    store.migrate()
    import_folder(DEMO, store)
    store.dispose()
    return url


@pytest.fixture
def staff():
    return FakeStaffChannel()


@pytest.fixture(autouse=True)
def setting(demo_url, staff, tmp_path, monkeypatch):
    """The demo facilities, an office open Monday to Friday 8 to 5, Monday morning; each test its own handoffs."""
    office = tmp_path / "office.yml"
    office.write_text(OFFICE)
    monkeypatch.setenv("OFFICE_FILE", str(office))
    monkeypatch.setenv("CERS_NOW", MONDAY_MORNING)
    store = FacilityStore(demo_url)
    started = services.start(store, staff_channel=staff)
    with started.handoffs.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM handoffs")
        conn.exec_driver_sql("DELETE FROM callback_requests")
    yield started
    store.dispose()


def buttons(conversation) -> list:
    return [(b["title"], b["payload"]) for b in conversation.messages[-1].get("buttons") or []]


# ---------------------------------------------------------------- the offer


def test_talk_to_a_person_during_hours_on_the_widget_offers_a_chat_with_staff():
    chat = Conversation("socketio")
    reply = chat.turn("can I talk to a real person", "ask_for_human", ActionContactOffice())
    assert reply == (
        "Someone at the office can chat with you here now. Want me to ask them? "
        "I'll share this conversation with them. (You can also call Example County Environmental Health at "
        "(555) 010-0100.)"
    )
    assert buttons(chat) == [("Yes, ask them", "/affirm"), ("No, thanks", "/deny")]
    assert chat.messages[-1][OFFERS_CONTACT] == "handoff"
    # Yes: action_affirm sets contact_request, and the rules start the handoff.
    chat.turn("yes", "affirm", ActionAffirm())
    assert chat.slots["contact_request"] == "handoff" and chat.messages == []


@pytest.mark.parametrize("now, kind", [(MONDAY_MORNING, "handoff"), (MONDAY_EVENING, "callback")])
def test_asking_for_a_person_again_right_after_the_offer_accepts_it(monkeypatch, now, kind):
    monkeypatch.setenv("CERS_NOW", now)
    chat = Conversation("socketio")
    chat.turn("can I talk to a real person", "ask_for_human", ActionContactOffice())
    assert chat.messages[-1][OFFERS_CONTACT] == kind
    # Not the offer again: a rule (data/rules/contact.yml) answers it with action_affirm, which
    # accepts what was offered, and the rules go on from contact_request as after "yes".
    assert chat.turn("a human please", "ask_for_human", ActionAffirm()) == ""
    assert chat.slots["contact_request"] == kind


def test_after_hours_the_offer_is_a_callback_request_with_the_next_opening(monkeypatch):
    monkeypatch.setenv("CERS_NOW", MONDAY_EVENING)
    chat = Conversation("socketio")
    reply = chat.turn("talk to a human", "ask_for_human", ActionContactOffice())
    assert reply.startswith("The office is closed now. It next opens tomorrow at 8:00 AM. I can pass a callback")
    assert buttons(chat) == [("Yes, leave a request", "/affirm"), ("No, thanks", "/deny")]
    chat.turn("ok", "affirm", ActionAffirm())
    assert chat.slots["contact_request"] == "callback"


def test_the_rest_channel_and_an_office_without_hours_only_take_callbacks(tmp_path, monkeypatch):
    rest = Conversation("rest")
    assert "I can pass a callback request" in rest.turn("a person please", "ask_for_human", ActionContactOffice())
    office = tmp_path / "no-hours.yml"
    office.write_text(OFFICE.split("hours:")[0])
    monkeypatch.setenv("OFFICE_FILE", str(office))
    widget = Conversation("socketio")
    reply = widget.turn("a person please", "ask_for_human", ActionContactOffice())
    assert reply.startswith("The office's hours are not listed here. I can pass a callback request")


def test_without_the_staff_channel_no_chat_is_offered(setting, monkeypatch):
    setting.staff_channel = FakeStaffChannel()
    setting.staff_channel.channel = ""
    chat = Conversation("twilio")
    assert "callback request" in chat.turn("a person", "ask_for_human", ActionContactOffice())


def test_staff_asking_for_a_person_get_the_office_contact():
    chat = Conversation("slack")
    chat.user("talk to a person", "ask_for_human")
    assert chat.run(ActionContactOffice()) == [{**chat.messages[0], "response": "utter_ask_for_human"}]


# ---------------------------------------------------------------- the handoff's start


def test_yes_posts_the_summary_with_the_question_and_the_verified_facility(setting, staff):
    chat = Conversation("socketio")
    chat.turn("status for 10234567 zip 95971", "check_facility_status", ActionFacilityStatus())
    chat.turn("why is the inventory overdue?", "nlu_fallback", ActionNoneOfThese())
    chat.turn("talk to a person", "ask_for_human", ActionContactOffice())
    chat.turn("yes", "affirm", ActionAffirm())
    reply = texts(chat.run(ActionStartHandoff()))
    assert reply == ("I've asked the office. Their reply will appear here, and anything you write now goes to them.")
    assert chat.slots["contact_request"] is None
    [post] = staff.posts
    assert post["text"].startswith("*A person on the website chat asks to chat with staff*")
    assert "*Question:* why is the inventory overdue?" in post["text"]
    assert "Feather River Feed & Supply, CERS ID 10234567" in post["text"]
    assert "> Person: status for 10234567 zip 95971" in post["text"]
    assert post["blocks"][1]["elements"][0]["action_id"] == END_HANDOFF_BUTTON
    handoff = setting.handoffs.open_for("test")
    assert handoff.state == OPEN and handoff.thread_ts == "1700000000.000001" and handoff.channel == "socketio"
    assert chat.messages[-1][HANDOFF_ID] == handoff.id
    assert post["blocks"][1]["elements"][0]["value"] == handoff.id


def test_a_facility_that_was_not_verified_is_never_named(staff):
    chat = Conversation("twilio")
    chat.turn("status for 10234567 zip 90210", "check_facility_status", ActionFacilityStatus())  # wrong ZIP
    chat.turn("talk to a person", "ask_for_human", ActionContactOffice())
    chat.turn("yes", "affirm", ActionAffirm())
    reply = texts(chat.run(ActionStartHandoff()))
    assert "reply will come here by text" in reply
    assert "Facility" not in staff.posts[0]["text"] and "Feather River" not in staff.posts[0]["text"]


def test_a_second_yes_while_a_handoff_is_open_posts_nothing_more(staff):
    chat = Conversation("socketio")
    chat.turn("talk to a person", "ask_for_human", ActionContactOffice())
    chat.run(ActionStartHandoff())
    assert texts(chat.run(ActionStartHandoff())) == "I've already asked the office. Their reply will appear here."
    assert len(staff.posts) == 1


def test_a_post_that_does_not_go_through_becomes_a_callback_request(setting):
    setting.staff_channel = FakeStaffChannel(accepts=False)
    chat = Conversation("socketio")
    chat.turn("talk to a person", "ask_for_human", ActionContactOffice())
    assert texts(chat.run(ActionStartHandoff())) == "Sorry, I couldn't reach the office's staff just now."
    assert chat.slots["contact_request"] == "callback"
    assert setting.handoffs.open_for("test") is None
    assert setting.handoffs.latest_for("test").state == FAILED


def test_the_office_closing_between_the_offer_and_yes_becomes_a_callback_request(monkeypatch, staff):
    chat = Conversation("socketio")
    chat.turn("talk to a person", "ask_for_human", ActionContactOffice())
    monkeypatch.setenv("CERS_NOW", MONDAY_EVENING)
    assert texts(chat.run(ActionStartHandoff())) == "The office has just closed."
    assert chat.slots["contact_request"] == "callback" and staff.posts == []


# ---------------------------------------------------------------- stuck twice, something else twice


def test_stuck_twice_in_a_walkthrough_offers_a_chat_and_the_summary_names_the_step(staff):
    chat = Conversation("socketio")
    chat.turn("walk me through adding a user", "start_walkthrough", ActionStartWalkthrough())
    first = chat.turn("I'm stuck", "stuck", ActionWalkthroughCommand())
    assert "chat with you" not in first
    second = chat.turn("still stuck", "stuck", ActionWalkthroughCommand())
    assert "Still stuck? Someone at the office can chat with you here now." in second
    assert buttons(chat) == [("Yes, ask them", "/affirm"), ("No, back to the steps", "/continue_walkthrough")]
    assert chat.slots["guide_open"] is True  # "next" still goes on; "No" (continue) shows the step again
    chat.turn("yes", "affirm", ActionAffirm())
    chat.run(ActionStartHandoff())
    assert '*Question:* stuck in the walkthrough "Adding a user", step 1 of 3' in staff.posts[0]["text"]


def test_something_else_twice_offers_a_chat_the_first_time_the_phone():
    chat = Conversation("socketio")
    chat.user("/none_of_these", "none_of_these")
    assert chat.run(ActionNoneOfThese()) == [{**chat.messages[0], "response": "utter_none_of_these"}]
    second = chat.turn("/none_of_these", "none_of_these", ActionNoneOfThese())
    assert second.startswith("Sorry I couldn't help. Someone at the office can chat with you here now.")


# ---------------------------------------------------------------- the callback request


@pytest.mark.parametrize(
    "slot, text, kept, said",
    [
        ("callback_name", "Maria Lopez", "Maria Lopez", ""),
        ("callback_name", "530-555-0123", None, "Please give just a name"),
        ("callback_contact", "530.555.0123", "(530) 555-0123", ""),
        ("callback_contact", "maria@example.com", "maria@example.com", ""),
        ("callback_contact", "tomorrow", None, "doesn't look like a phone number or an e-mail address"),
        ("callback_question", "When is my inventory due?", "When is my inventory due?", ""),
        ("callback_question", "?", None, "Please write your question"),
    ],
)
def test_each_answer_is_checked_and_a_wrong_one_asked_again(slot, text, kept, said):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    validate = getattr(ValidateCallbackForm(), f"validate_{slot}")
    tracker = Tracker("test", {}, {"text": text}, [], False, None, {"name": "callback_form"}, "action_listen")
    assert validate(text, dispatcher, tracker, {}) == {slot: kept}
    assert (
        (dispatcher.messages[0]["text"] if dispatcher.messages else "").find(said) >= 0
        if said
        else not dispatcher.messages
    )


def test_a_complete_request_is_stored_posted_and_the_person_told_when_the_office_opens(setting, staff, monkeypatch):
    monkeypatch.setenv("CERS_NOW", "2026-11-25T18:00")  # Wednesday evening, Thursday closed
    chat = Conversation("rest")
    chat.slots.update(callback_name="Maria Lopez", callback_contact="(530) 555-0123", callback_question="Fees?")
    reply = texts(chat.run(ActionSubmitCallback()))
    assert reply == (
        "Thanks, Maria Lopez. I've passed your request to the office's staff. "
        "The office is closed now. It next opens Friday, November 27 at 8:00 AM."
    )
    assert all(chat.slots[name] is None for name in (*CALLBACK_SLOTS, "contact_request"))
    [callback] = setting.handoffs.open_callbacks()
    assert (callback.name, callback.contact, callback.question, callback.channel) == (
        "Maria Lopez", "(530) 555-0123", "Fees?", "rest",
    )  # fmt: skip
    [post] = staff.posts
    assert (
        "*Callback request* from the REST channel" in post["text"]
        and "*Phone or e-mail:* (530) 555-0123" in post["text"]
    )
    assert post["blocks"][1]["elements"][0]["action_id"] == CALLBACK_DONE_BUTTON
    assert callback.slack_ts == "1700000000.000001"


def test_stop_stores_nothing_and_gives_the_phone(setting):
    chat = Conversation("socketio")
    chat.slots.update(callback_name="Sam", contact_request="callback", requested_slot="callback_contact")
    reply = chat.turn("stop", "stop", ActionStopCallback())
    assert reply == (
        "OK, I won't pass anything on. You can also call Example County Environmental Health at (555) 010-0100. "
        "Anything else I can help with?"
    )
    assert chat.active_loop is None and chat.slots["callback_name"] is None and chat.slots["requested_slot"] is None
    assert setting.handoffs.open_callbacks() == []


def test_an_unanswered_handoff_becomes_a_callback_request_with_what_is_known(setting):
    chat = Conversation("socketio")
    handoff = setting.handoffs.start("test", "socketio", "Do I need to report a 50 gallon diesel tank?")
    setting.handoffs.claim_timeout(handoff.id, 0)
    chat.user("hello?", "greet")
    reply = texts(chat.run(ActionHandoffTimedOut()))
    assert reply.startswith(
        "No one at the office has answered yet, sorry. I'll leave your question with the office as a callback request."
    )
    assert reply.endswith("utter_ask_callback_name")  # the form's first question (a domain response)
    assert chat.active_loop == "callback_form" and chat.slots["requested_slot"] == "callback_name"
    assert chat.slots["callback_question"] == "Do I need to report a 50 gallon diesel tank?"
    assert chat.slots["callback_contact"] is None  # the widget gives no contact: the form asks for it
    assert chat.slots["contact_request"] == "callback"


def test_on_sms_the_request_is_stored_at_once_with_the_number_and_completed_by_the_answers(setting, staff):
    phone = "+15305550199"
    chat = Conversation("twilio")
    chat.sender_id = phone
    handoff = setting.handoffs.start(phone, "twilio", None)
    setting.handoffs.claim_timeout(handoff.id, 0)
    chat.user("anyone there?", "greet")
    chat.run(ActionHandoffTimedOut())
    assert chat.slots["callback_contact"] == "(530) 555-0199" and chat.slots["callback_question"] is None
    # Stored and posted already: the office can call back even if the person answers nothing more.
    [stored] = setting.handoffs.open_callbacks()
    assert (stored.name, stored.contact, stored.question) == ("", "(530) 555-0199", "")
    [post] = staff.posts
    assert "*Name:* not given yet" in post["text"] and "(530) 555-0199" in post["text"]
    # The answers complete that request: no second one, and its thread says what was added.
    chat.slots.update(callback_name="Dana Smith", callback_question="Is my tank exempt?", requested_slot=None)
    reply = texts(chat.run(ActionSubmitCallback()))
    assert reply.startswith("Thanks, Dana Smith. I've passed your request to the office's staff.")
    [stored] = setting.handoffs.open_callbacks()
    assert (stored.name, stored.contact, stored.question) == ("Dana Smith", "(530) 555-0199", "Is my tank exempt?")
    assert staff.posts[-1]["thread_ts"] == stored.slack_ts
    assert "Dana Smith" in staff.posts[-1]["text"] and len(staff.posts) == 2


def test_after_staff_answered_and_went_quiet_the_callback_is_offered_not_started(setting):
    chat = Conversation("socketio")
    handoff = setting.handoffs.start("test", "socketio", None)
    setting.handoffs.staff_replied(handoff.id, "Sam")
    setting.handoffs.claim_timeout(handoff.id, 0)
    chat.user("hello?", "greet")
    reply = texts(chat.run(ActionHandoffTimedOut()))
    assert reply.startswith("The office hasn't written for a while, so you're back with the assistant.")
    assert chat.messages[-1][OFFERS_CONTACT] == "callback" and chat.active_loop is None
