"""The Rasa server's side of a handoff (channels/handoff.py), without servers: what a Slack request is (a reply in a thread of the staff channel, a click on its buttons, or not ours), Slack's text made plain for the person, and which messages are never looked at."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from cers.contact import CALLBACK_DONE_BUTTON, END_HANDOFF_BUTTON
from cers.staff_channel import StaffChannel
from channels.handoff import Relay, plain_slack_text

STAFF = "C0STAFF"


class Request:
    """What Relay.slack_request reads of a Sanic request."""

    def __init__(self, json_body=None, payload=None):
        self.headers = {"content-type": "application/json" if payload is None else "application/x-www-form-urlencoded"}
        self.json = json_body
        self.form = {"payload": json.dumps(payload)} if payload is not None else {}


class NoStore:
    def open_for(self, sender_id):
        raise AssertionError("the store must not be asked")


@pytest.fixture
def relay():
    return Relay(store=NoStore(), staff=StaffChannel("xoxb-test", STAFF), timeout_seconds=900)


def event(**fields):
    return {
        "type": "event_callback",
        "event": {"type": "message", "channel": STAFF, "user": "U1", "text": "hi", **fields},
    }


def test_a_reply_in_a_thread_of_the_staff_channel_is_ours(relay):
    work = relay.slack_request(Request(event(ts="2.0", thread_ts="1.0")))
    assert work is not None and work.func == relay.staff_message and work.args == (STAFF, "1.0", "U1", "hi")


@pytest.mark.parametrize(
    "fields",
    [
        {"ts": "1.0"},  # a new message at the top of the channel: an ordinary staff conversation
        {"ts": "1.0", "thread_ts": "1.0"},  # the thread's first post itself
        {"ts": "2.0", "thread_ts": "1.0", "channel": "D0DIRECT"},  # a thread elsewhere
    ],
)
def test_other_messages_are_left_to_the_bot(relay, fields):
    assert relay.slack_request(Request(event(**fields))) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"ts": "2.0", "thread_ts": "1.0", "bot_id": "B1"},  # our own post of the person's message
        {"ts": "2.0", "thread_ts": "1.0", "subtype": "message_changed"},
        {"ts": "2.0", "thread_ts": "1.0", "type": "app_mention"},  # its message event comes too
    ],
)
def test_other_events_in_those_threads_are_taken_and_do_nothing(relay, fields):
    work = relay.slack_request(Request(event(**fields)))
    assert work is not None and asyncio.run(work()) is None


@pytest.mark.parametrize("action_id", [END_HANDOFF_BUTTON, CALLBACK_DONE_BUTTON])
def test_our_buttons_are_ours_and_other_clicks_are_not(relay, action_id):
    payload = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": action_id, "value": "abc"}]}
    work = relay.slack_request(Request(payload=payload))
    assert work is not None and work.args == (action_id, "abc", "U1")
    payload["actions"][0]["action_id"] = "choice_0"  # a button of the bot's own answers
    assert relay.slack_request(Request(payload=payload)) is None


def test_without_the_staff_channel_nothing_is_ours_and_no_message_is_looked_up():
    off = Relay(store=NoStore(), staff=StaffChannel("xoxb-test", ""), timeout_seconds=900)
    assert off.slack_request(Request(event(ts="2.0", thread_ts="1.0"))) is None
    message = UserMessage("hello", CollectingOutputChannel(), "abc", input_channel="socketio")
    assert asyncio.run(off.intercept(message)) is False


def test_rest_and_staff_messages_are_never_looked_up(relay):
    for channel in ("rest", "slack", "staff"):
        message = UserMessage("hello", CollectingOutputChannel(), "abc", input_channel=channel)
        assert asyncio.run(relay.intercept(message)) is False


@pytest.mark.parametrize(
    "text, plain",
    [
        (
            "Fees are here: <https://cers.calepa.ca.gov/fees|fee page>",
            "Fees are here: fee page (https://cers.calepa.ca.gov/fees)",
        ),
        ("See <https://cers.calepa.ca.gov>", "See https://cers.calepa.ca.gov"),
        ("Write to <mailto:eh@example.gov|eh@example.gov>", "Write to eh@example.gov"),
        ("<@U0MARIA> will call you &amp; explain &lt;soon&gt;", "will call you & explain <soon>"),
    ],
)
def test_slack_text_is_plain_for_the_person(text, plain):
    assert plain_slack_text(text) == plain
