"""Signing up for reminders after a status check, through the actions on real Trackers (demo facilities, a fake texting provider): by SMS after a YES; on the widget with a code texted to the number given; a wrong code refused; nothing without a verified check, or once the question has passed."""

from __future__ import annotations

import re

import pytest

import actions.reminders
from actions.reminders import ActionRemindersSignup
from actions.triage import ActionDidYouMean
from actions.walkthrough import ActionAffirm
from cers.reminders.store import RemindersStore
from cers.settings import now
from tests.unit import test_status_actions
from tests.unit.test_reminders_job import FakeSender
from tests.unit.test_status_actions import PHONE, Conversation


@pytest.fixture
def phone() -> tuple:
    """A number of its own for each test (the demo database is shared by the module): E.164, and as typed."""
    last = next(_NUMBERS)
    return f"+1530555{last:04d}", f"(530) 555-{last:04d}"


_NUMBERS = iter(range(100, 10000))

# The status tests' demo database and office, as fixtures here too.
demo_url, demo_store = test_status_actions.demo_url, test_status_actions.demo_store


@pytest.fixture
def sender(monkeypatch):
    fake = FakeSender()
    monkeypatch.setattr(actions.reminders, "configured_sender", lambda: fake)
    return fake


@pytest.fixture
def store(demo_store):
    return RemindersStore(demo_store.engine)


def checked(channel: str, number: str = "") -> Conversation:
    chat = Conversation(channel)
    if channel == "twilio":
        chat.sender_id = number
    reply = chat.turn("status for 10234567 zip 95971", "check_facility_status")
    assert reply.startswith("Feather River Feed & Supply (10234567)")
    assert "/reminders_subscribe" in [b["payload"] for b in chat.messages[-1]["buttons"]]
    return chat


def ask(chat: Conversation) -> str:
    return chat.turn("/reminders_subscribe", "reminders_subscribe", ActionRemindersSignup())


def test_by_sms_a_yes_after_the_disclosure_signs_up_the_number_texting(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("twilio", NUMBER)
    offer = ask(chat)
    assert "Feather River Feed" in offer and "Msg & data rates may apply" in offer
    assert "STOP to cancel" in offer and offer.endswith("Reply YES to get them.")
    assert store.active(NUMBER) == []  # nothing before the yes
    done = chat.turn("yes", "affirm", ActionAffirm())
    assert "signed up for CERS deadline reminders for Feather River Feed" in done
    (subscription,) = store.active(NUMBER)
    assert subscription.cers_id == "10234567" and subscription.channel == "twilio"
    (consent,) = store.consents(NUMBER)
    assert consent.disclosure == offer  # word for word what the number was shown
    assert sender.sent == []  # the reply is the text: no second message


def test_on_the_widget_the_number_is_confirmed_with_a_code(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("socketio")
    offer = ask(chat)
    assert "Msg & data rates may apply" in offer and "What mobile number" in offer
    asked = chat.turn(TYPED, "provide_facility_ids")
    assert f"(***) ***-{NUMBER[-4:]}" in asked and NUMBER not in asked
    ((to, text),) = sender.sent
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert to == NUMBER and "expires in 10 minutes" in text
    wrong = "000000" if code != "000000" else "111111"
    assert "isn't right" in chat.turn(wrong, "provide_facility_ids") and store.active(NUMBER) == []
    done = chat.turn(code, "nlu_fallback", ActionDidYouMean())
    assert done.startswith(f"Done: (***) ***-{NUMBER[-4:]} will get CERS deadline reminders for Feather River Feed")
    assert [s.cers_id for s in store.active(NUMBER)] == ["10234567"]
    assert "Msg & data rates may apply" in store.consents(NUMBER)[0].disclosure
    assert sender.sent[-1][0] == NUMBER and "signed up" in sender.sent[-1][1]  # the first text


def test_a_code_ends_after_too_many_wrong_tries(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("rest")
    ask(chat)
    chat.turn(NUMBER[2:], "provide_facility_ids")
    code = re.search(r"\b(\d{6})\b", sender.sent[0][1]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    replies = [chat.turn(wrong, "provide_facility_ids") for _ in range(5)]
    assert "tries left: 1" in replies[3] and "doesn't work anymore" in replies[4]
    assert "(***) ***" not in chat.turn(code, "provide_facility_ids")  # the sign-up is over: back to the status check
    assert store.active(NUMBER) == []


def test_something_that_is_not_a_number_is_asked_again_then_the_signup_ends(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("socketio")
    ask(chat)
    assert "10 digits" in chat.turn("555", "provide_facility_ids")
    assert "10 digits" in chat.turn("my cell", "nlu_fallback", ActionDidYouMean())
    assert "couldn't sign up a number" in chat.turn("12", "provide_facility_ids")
    assert sender.sent == []


def test_without_a_verified_check_it_asks_for_one_first(sender, store, phone):
    NUMBER, TYPED = phone
    chat = Conversation("twilio")
    chat.sender_id = NUMBER
    reply = ask(chat)
    assert "CERS ID" in reply and "ZIP" in reply
    assert "subscribed" not in chat.turn("yes", "affirm", ActionAffirm())
    assert store.active(NUMBER) == []


def test_a_yes_once_the_question_has_passed_is_not_a_consent(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("twilio", NUMBER)
    ask(chat)
    chat.user("how do I add a user?", "how_to_add_user")
    chat.response("utter_how_to_add_user")
    chat.turn("yes", "affirm", ActionAffirm())
    assert store.active(NUMBER) == []


def test_without_texting_set_up_the_widget_says_so_with_the_phone(monkeypatch, store, phone):
    NUMBER, TYPED = phone
    monkeypatch.setattr(actions.reminders, "configured_sender", lambda: None)
    chat = checked("socketio")
    ask(chat)
    reply = chat.turn(TYPED, "provide_facility_ids")
    assert "aren't working right now" in reply and PHONE in reply
    assert store.active(NUMBER) == []


def test_in_spanish_the_offer_and_the_confirmation_are_in_spanish(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("twilio", NUMBER)
    chat.slots["language"] = "es"
    offer = ask(chat)
    assert "Pueden aplicar tarifas de mensajes y datos" in offer and "Responda SI" in offer
    done = chat.turn("si", "affirm", ActionAffirm())
    assert "recibira recordatorios" in done or "recibirá recordatorios" in done
    assert store.active(NUMBER)[0].language == "es"


def test_staff_look_up_a_number_and_remove_one_facility_logged(store, phone):
    NUMBER, TYPED = phone
    store.subscribe("10234567", NUMBER, "twilio", "en", "the disclosure shown", now())
    staff = Conversation("staff")
    staff.sender_id = "U0MARIA"
    listed = staff.turn(f"reminders {TYPED}", "reminders_subscribe", ActionRemindersSignup())
    assert f"Reminders for {NUMBER}" in listed and "Feather River Feed & Supply (10234567): active" in listed
    removed = staff.turn(f"remove reminders 10234567 {TYPED}", "provide_facility_ids")
    assert removed.startswith(f"Done: {NUMBER} gets no more reminders for 10234567")
    assert store.active(NUMBER) == []
    (logged,) = store.opt_outs(NUMBER)
    assert logged["keyword"] == "staff:U0MARIA" and logged["cers_id"] == "10234567"
    assert "nothing to remove" in staff.turn(f"remove reminders 10234567 {TYPED}", "provide_facility_ids")
    assert "To see a number's reminders" in staff.turn("reminders", "reminders_subscribe", ActionRemindersSignup())


def test_one_signup_texts_a_code_to_three_numbers_at_most(sender, store, phone):
    NUMBER, TYPED = phone
    chat = checked("socketio")
    ask(chat)
    others = [f"(530) 555-{9000 + i}" for i in range(3)]
    for typed in [TYPED, *others[:2]]:
        assert "I texted a code" in chat.turn(typed, "provide_facility_ids")
    assert "couldn't sign up a number" in chat.turn(others[2], "provide_facility_ids")
    assert len(sender.sent) == 3
