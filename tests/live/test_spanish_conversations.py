"""Spanish conversations through the live servers (issue 20): the bot answers in the language the person writes in, keeps it, switches when asked, and every kind of reply (FAQ, due date, status check, walkthrough, emergency, SMS texts) comes in Spanish.

Expected texts are read from the Spanish files themselves (cers/templates/es/, cers/guides/texts/es/),
filled with the office in use, so a wording change needs no test change.
"""

from __future__ import annotations

import datetime as dt
import uuid

from cers.dates import format_date, next_annual_due
from cers.guides.loader import GUIDES_ROOT, load_guides
from cers.language import message_language
from cers.settings import load_office
from cers.templates import render, translated_responses
from tests.conftest import TODAY
from tests.live.test_sms import new_number, post_sms, texts
from tests.servers import Chat

OFFICE = load_office()
# A demo facility that is up to date on the servers' day (demo/facilities, README table).
DEMO_ID, DEMO_ZIP = "10234567", "95971"


def spanish(response: str) -> str:
    """The first Spanish variation of a response, filled with the office's values."""
    text = translated_responses("es")[response][0]["text"]
    return text.replace("{office_name}", OFFICE.name).replace("{office_phone}", OFFICE.phone)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0]


def test_a_spanish_question_gets_the_spanish_answer(chat):
    reply = chat.say("¿cómo agrego a un usuario nuevo en cers?")
    assert first_line(spanish("utter_how_to_add_user")) in reply
    assert "'Add a Person'" in reply  # CERS's button, as CERS shows it
    assert message_language(reply) == "es"


def test_the_conversation_keeps_spanish_until_english_is_asked_for(chat):
    chat.say("buenas tardes, necesito ayuda con mi cuenta de cers")
    # "ok" says nothing about language: the answer stays in Spanish.
    assert message_language(chat.say("ok")) == "es"
    assert message_language(chat.say("¿qué es un CERS ID?")) == "es"
    switched = chat.say("english please")
    assert "I'll answer in English" in switched
    reply = chat.say("how do I add a user?")
    assert "1. Select your business." in reply
    back = chat.say("en español por favor")
    assert first_line(spanish("utter_choose_language")) in back


def test_the_due_date_is_said_with_a_spanish_date(chat):
    reply = chat.say("¿para cuándo se tiene que entregar el reporte anual?")
    today = dt.date.fromisoformat(TODAY)
    due = next_annual_due(today, OFFICE.annual_due_month, OFFICE.annual_due_day)
    assert format_date(due, "es") in reply  # "1 de marzo de 2027" for an office due March 1
    assert "25508(a)(1)" in reply


def test_an_emergency_in_spanish_gets_call_911_first(chat):
    replies = chat.send("se está saliendo el amoníaco en la planta y la gente está tosiendo")
    assert replies[0]["text"].lower().startswith("llame al 911")


def test_a_status_check_in_spanish(live):
    chat = Chat(live["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")
    asked = chat.say("¿mi instalación está al día con el condado?")
    assert message_language(asked) == "es" and "CERS ID" in asked
    replies = chat.send(f"{DEMO_ID} {DEMO_ZIP}")
    reply = "\n".join(r.get("text", "") for r in replies)
    assert message_language(reply) == "es"
    assert DEMO_ID in reply and " de 20" in reply  # a date written the Spanish way
    titles = [button["title"] for r in replies for button in r.get("buttons") or []]
    assert render("status", "check.offer_yes", language="es") in titles


def test_a_walkthrough_in_spanish(chat):
    guide = load_guides(GUIDES_ROOT / "es")["add_user"]
    first = chat.say("guíeme paso a paso para agregar un usuario")
    assert guide.steps[0].text in first
    second = chat.say("siguiente")
    assert guide.steps[1].text in second
    # Help for the step, in Spanish.
    stuck = chat.say("no encuentro ese botón")
    assert guide.steps[1].help in stuck


def test_by_sms_spanish_help_and_numbered_choices(live):
    sender = new_number()
    post_sms(live, sender, "AYUDA")
    [help_text] = texts(live, sender)
    assert OFFICE.phone in help_text and message_language(help_text) == "es"
    post_sms(live, sender, "como agrego un usuario a mi cuenta de cers")
    answer = texts(live, sender, count=2)[1]
    assert "Responda con un numero:" in answer  # plain GSM-7 letters on SMS
    assert "1 - " in answer
