"""Conversations through the live servers: emergencies in any state, Spanish, "Did you mean", the Part C topics."""

from __future__ import annotations

import uuid

import pytest

from cers.settings import load_office
from scripts.unsure_messages import unsure_messages
from tests.servers import Chat

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone


def texts(replies):
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize(
    "message",
    [
        "someone's coughing by the pool pumps, smells like chlorine",
        "our propane tank is hissing",
        "diesel is running out of the generator onto the ground",
    ],
)
def test_an_emergency_described_in_everyday_words_gets_911_first(chat, message):
    replies = chat.send(message)
    assert replies[0]["text"].startswith("Call 911 now")
    assert "(800) 852-7550" in texts(replies) and PHONE in texts(replies)


def test_an_emergency_in_the_middle_of_a_walkthrough_pauses_it_and_offers_it_again(chat):
    assert "Step 1 of" in chat.say("walk me through adding a user")
    replies = chat.send("wait the ammonia line is leaking in the back")
    assert replies[0]["text"].startswith("Call 911 now")
    assert "continue" in texts(replies[1:]).lower()
    assert "Step 1 of" in chat.say("continue")


def test_an_emergency_while_the_status_check_waits_gets_911_then_how_to_resume(chat):
    assert "CERS ID" in chat.say("am i up to date?")
    replies = chat.send("hold on, smoke is coming out of the battery room")
    assert replies[0]["text"].startswith("Call 911 now")
    assert "CERS ID and ZIP code again" in texts(replies)


def test_a_past_spill_is_not_an_emergency(chat):
    replies = chat.send("how do I report a spill from last year in CERS")
    assert not replies[0]["text"].startswith("Call 911")


# Spanish (issue 20) is answered in Spanish: tests/live/test_spanish_conversations.py.


def test_unsure_gets_guesses_and_something_else_and_is_listed_later(live):
    chat = Chat(live["rasa"].url, sender=f"unsure-{uuid.uuid4().hex[:8]}")
    replies = chat.send("something about users i think")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert "Did you mean" in texts(replies)
    assert buttons[-1] == {"title": "Something else", "payload": "/none_of_these"}
    assert 2 <= len(buttons) <= 4 and all(b["payload"].startswith("/") for b in buttons)
    assert PHONE in chat.say("/none_of_these")
    url = f"sqlite:///{live['work'] / 'conversations.db'}"
    found = [row for row in unsure_messages(url) if row["conversation"] == chat.sender]
    assert found and found[0]["text"] == "something about users i think" and found[0]["guesses"]


_WASTE_ELSEWHERE = load_office().elsewhere.get("hazardous_waste")
HAZARDOUS_WASTE_ANSWER = _WASTE_ELSEWHERE.handled_by if _WASTE_ELSEWHERE else "800-618-6942"


@pytest.mark.parametrize(
    "question, expected",
    [
        # The UST answer, or who runs the program where the office does not (test_faq_conversations).
        ("do i need to do anything for my underground tank", "tank (UST)"),
        ("what is CalARP", "California Accidental Release Prevention (CalARP)"),
        # DTSC's line for EPA ID numbers, or who runs the hazardous waste program where the office does not.
        ("how do i get an epa id number for our waste", HAZARDOUS_WASTE_ANSWER),
        ("is there a late fee", "Fees are set by each county"),
        ("where do i find my cers id", "Log in to CERS"),
        ("how often do you inspect", "at least every 3 years"),
        ("can i get an extension on the deadline", "don't know of any extension"),
        (
            "we have a 2000 gallon diesel tank above ground for the generator",
            "Aboveground Petroleum Storage Act (APSA)",
        ),
        ("we're selling the shop in january", "the CERS ID stays with the site"),
        ("is lubricating oil exempt", "consumer products sold to the public"),
        ("who do I notify after a release", "(800) 852-7550"),
        ("cers keeps giving me an error when i hit submit", "cers@calepa.ca.gov"),
        ("what is the state surcharge on my invoice", "state surcharges"),
    ],
)
def test_part_c_topics_get_their_own_answer(chat, question, expected):
    reply = chat.say(question).replace("tanks (UST)", "tank (UST)")
    assert expected in reply and PHONE in reply
    assert "$2,000" not in reply


def test_follow_ups_are_answered_from_what_was_just_said(chat):
    chat.say("how do I add a user?")
    assert "Edit button" in chat.say("and how do I edit one?")
    chat.say("what goes in a submittal")
    reply = chat.say("what about the inventory?")
    assert "site map is uploaded with it" in reply and "30 days" in reply
