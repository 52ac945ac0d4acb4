"""Reminders by text through the live servers, with the fake Twilio of tests/fake_apis.py: signing up by SMS after a status check and a YES, and on the REST channel with a code texted to the number given (a wrong code refused); STOP, START, HELP and STATUS from a subscribed number, in English and Spanish, acted on before the bot; an opt-out ends every subscription of the number at once."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from cers.facilities.store import FacilityStore
from cers.reminders.store import RemindersStore
from cers.settings import load_office, now
from tests.live.test_sms import post_sms, texts
from tests.live.test_widget_channel import talk
from tests.servers import Chat

PHONE = load_office().phone


def new_mobile() -> str:
    """A random number a person could type as theirs (a North American exchange starts with 2-9)."""
    return f"+1530{2 + uuid.uuid4().int % 8}{uuid.uuid4().int % 10**6:06d}"


FEED, FEED_ZIP = "10234567", "95971"  # demo/facilities: Feather River Feed & Supply


@pytest.fixture
def reminders(live):
    store = FacilityStore(live["database_url"])
    yield RemindersStore(store.engine)
    store.dispose()


def subscribed(reminders, number: str, language: str = "en") -> None:
    reminders.subscribe(FEED, number, "twilio", language, "the disclosure shown", now())


def test_by_sms_a_status_check_then_the_reminders_choice_and_yes(live, reminders):
    sender = new_mobile()
    post_sms(live, sender, f"status for {FEED} zip {FEED_ZIP}")
    [status] = texts(live, sender)
    assert status.startswith("Feather River Feed & Supply (10234567)")
    choice = re.search(r"(\d) - Text me reminders", status)
    assert choice, status
    post_sms(live, sender, choice.group(1))
    offer = texts(live, sender, count=2)[1]
    assert "Msg & data rates may apply" in offer and "Reply YES" in offer and len(offer) <= 320
    assert reminders.active(sender) == []
    post_sms(live, sender, "YES")
    done = texts(live, sender, count=3)[2]
    assert "signed up for CERS deadline reminders for Feather River Feed" in done
    assert [s.cers_id for s in reminders.active(sender)] == [FEED]
    assert reminders.consents(sender)[0].disclosure == offer


def test_on_rest_the_number_given_gets_a_code_and_only_the_right_code_signs_it_up(live, reminders):
    chat = Chat(live["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")
    number = new_mobile()
    chat.send(f"status for {FEED} zip {FEED_ZIP}")
    offer = chat.say("/reminders_subscribe")
    assert "What mobile number" in offer and "Msg & data rates may apply" in offer
    asked = chat.say(f"{number[2:5]}-{number[5:8]}-{number[8:]}")
    assert f"***-{number[-4:]}" in asked and number[2:] not in asked
    [code_text] = texts(live, number)
    code = re.search(r"\b(\d{6})\b", code_text).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert "isn't right" in chat.say(wrong)
    assert reminders.active(number) == []
    done = chat.say(code)
    assert done.startswith(f"Done: (***) ***-{number[-4:]} will get CERS deadline reminders")
    assert [s.cers_id for s in reminders.active(number)] == [FEED]
    welcome = texts(live, number, count=2)[1]
    assert "signed up" in welcome


def test_stop_ends_every_reminder_at_once_with_one_confirmation_and_start_brings_them_back(live, reminders):
    number = new_mobile()
    subscribed(reminders, number)
    reminders.subscribe("10234638", number, "twilio", "en", "the disclosure shown", now())
    post_sms(live, number, "Stop")
    [stopped] = texts(live, number)
    assert "won't get any more reminders" in stopped and "START" in stopped
    assert reminders.active(number) == []
    assert [o["keyword"] for o in reminders.opt_outs(number)] == ["STOP"]
    post_sms(live, number, "START")
    started = texts(live, number, count=2)[1]
    assert "back on" in started
    assert sorted(s.cers_id for s in reminders.active(number)) == sorted([FEED, "10234638"])


def test_spanish_alto_and_ayuda_are_answered_in_spanish(live, reminders):
    number = new_mobile()
    subscribed(reminders, number, "es")
    post_sms(live, number, "ayuda")
    [help_text] = texts(live, number)
    assert "Recordatorios de CERS" in help_text and PHONE in help_text
    post_sms(live, number, "¡ALTO!")
    stopped = texts(live, number, count=2)[1]
    assert "ya no recibira" in stopped.lower() or "ya no recibirá" in stopped.lower()
    assert reminders.active(number) == []
    post_sms(live, number, "start")  # the word the Spanish texts give: answered in the number's language
    started = texts(live, number, count=3)[2]
    assert "activos de nuevo" in started
    assert [s.cers_id for s in reminders.active(number)] == [FEED]


def test_status_from_a_subscribed_number_answers_its_facility(live, reminders):
    number = new_mobile()
    subscribed(reminders, number)
    post_sms(live, number, "STATUS")
    [reply] = texts(live, number)
    assert reply.startswith("Feather River Feed & Supply (10234567)")
    assert "(530) 555-0101" not in reply  # the phone on file is never shown on a public channel


def test_status_and_stop_from_a_number_never_signed_up(live):
    number = new_mobile()
    post_sms(live, number, "STATUS")
    [reply] = texts(live, number)
    assert "CERS ID" in reply  # the bot's status check asks for it
    post_sms(live, number, "stop")
    assert "won't get any more reminders" in texts(live, number, count=2)[1]


def test_on_the_widget_the_number_is_confirmed_with_the_code_texted_to_it(live, reminders):
    url, number = live["rasa"].url, new_mobile()

    def said(session, message):
        _, replies = asyncio.run(talk(url, session, [{"message": message, "session_id": session}]))
        return replies

    session, replies = asyncio.run(
        talk(url, None, [lambda s: {"message": f"status for {FEED} zip {FEED_ZIP}", "session_id": s}])
    )
    assert "Text me reminders" in [b["title"] for r in replies for b in r.get("quick_replies", [])]
    offer = " ".join(r.get("text", "") for r in said(session, "/reminders_subscribe"))
    assert "Msg & data rates may apply" in offer and "What mobile number" in offer
    asked = " ".join(r.get("text", "") for r in said(session, f"({number[2:5]}) {number[5:8]}-{number[8:]}"))
    assert f"***-{number[-4:]}" in asked
    [code_text] = texts(live, number)
    code = re.search(r"\b(\d{6})\b", code_text).group(1)
    done = " ".join(r.get("text", "") for r in said(session, code))
    assert done.startswith(f"Done: (***) ***-{number[-4:]}")
    assert [(s.cers_id, s.channel) for s in reminders.active(number)] == [(FEED, "socketio")]
