"""Conversations through the live servers: the FAQ answered as a person would ask it."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from cers.settings import load_office
from tests.conftest import office_due
from tests.servers import Chat

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone


def assert_in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing (or out of order) in:\n{text}"
        position = found + len(part)


def test_add_user_gives_the_three_steps_in_order_and_offers_a_walkthrough(chat):
    reply = chat.say("how do I add a user?")
    assert_in_order(
        reply, "1. Select your business.", "2. Click 'People/Users'.", "3. Click 'Add a Person' and follow the prompts."
    )
    assert "step by step" in reply


def test_misspelled_question_still_answered(chat):
    reply = chat.say("how do i ad a new usr to our acount")
    assert "'Add a Person'" in reply


def test_due_date_gives_next_due_date_and_days_left(chat):
    # The servers run with CERS_TODAY=2026-11-23.
    reply = chat.say("when is the deadline for the business plan?")
    assert office_due()["every_year"] in reply and "25508(a)(1)" in reply
    assert office_due()["next_in"] in reply  # "March 1, 2027: in 98 days" for an office due March 1


def test_create_account_steps_in_order_with_button_names(chat):
    reply = chat.say("how can i sign up for cers")
    assert_in_order(
        reply, "'Business Portal Sign-In'", "green 'Create New Account' button", "activation email", "request access"
    )


def test_log_in_mentions_forgot_link(chat):
    reply = chat.say("I forgot my password and can't log in")
    assert "'Forgot your user name and password?'" in reply


def test_update_business_information_five_steps(chat):
    reply = chat.say("how do I update our business info in cers")
    assert_in_order(
        reply,
        "'Start New Submittal'",
        "'Based on a copy of the last submittal'",
        "Save: this creates a draft.",
        "Submit ALL draft pages",
    )


def test_when_to_update_30_days(chat):
    reply = chat.say("we got a new owner, do I need to update cers?")
    assert "within 30 days" in reply and office_due()["every_year"] in reply


def test_office_phone_comes_from_office_settings(chat):
    reply = chat.say("what's your phone number?")
    assert PHONE in reply and load_office().name in reply


def test_thresholds_are_exact(chat):
    reply = chat.say("how much chemical do i need before i have to file a business plan")
    for amount in ("55 gallons", "500 pounds", "200 cubic feet"):
        assert amount in reply


def test_emergency_gets_911_first(chat):
    replies = chat.send("there is a chemical spill at our shop right now")
    assert replies[0]["text"].startswith("Call 911 now")
    assert "(800) 852-7550" in "\n".join(r["text"] for r in replies)


@pytest.mark.parametrize(
    "question",
    [
        "where do I get a food permit for my restaurant",
        "what's the weather in quincy tomorrow",
        "how do i renew my dog license",
    ],
)
def test_out_of_scope_says_so_with_phone_and_topic_buttons(chat, question):
    replies = chat.send(question)
    text = "\n".join(r.get("text", "") for r in replies)
    assert "can't help with that" in text and PHONE in text
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert any(b["title"] == "Add a user" for b in buttons)
    # Never answers an FAQ it was not asked.
    assert "People/Users" not in text and office_due()["next"] not in text


def test_greeting_bot_question_and_asking_for_a_person(chat):
    assert "CERS help assistant" in chat.say("hi there")
    assert "I'm a bot" in chat.say("am I talking to a real person?")
    assert PHONE in chat.say("I want to talk to a human")


def test_conversation_survives_a_server_restart(live):
    chat = Chat(live["rasa"].url, sender=f"restart-{uuid.uuid4().hex[:8]}")
    chat.say("hello")
    chat.say("how do I add a user?")
    database = live["work"] / "conversations.db"

    def user_messages():
        with sqlite3.connect(database) as connection:
            rows = connection.execute(
                "select count(*) from events where sender_id = ? and type_name = 'user'", (chat.sender,)
            ).fetchone()
        return rows[0]

    assert user_messages() == 2
    live["rasa"].restart()
    assert "'Add a Person'" in chat.say("how do I add a user?")
    # The earlier messages are still there, and the new one was added to them.
    assert user_messages() == 3


def test_the_program_answers_follow_the_office_profile(chat):
    """A program the office runs gets its usual answer; one it does not, who runs it instead."""
    office = load_office()
    reply = chat.say("do i need to do anything for my underground tank")
    if office.runs("underground_tanks"):
        assert "Underground storage tanks (UST) need a permit" in reply
    else:
        elsewhere = office.elsewhere["underground_tanks"]
        assert f"does not run the underground storage tank (UST) program: {elsewhere.handled_by} does." in reply
        assert "need a permit" not in reply
    fees = chat.say("is there a late fee")
    assert "Fees are set by each county" in fees
    if office.links.get("fees"):
        assert office.links["fees"] in fees
