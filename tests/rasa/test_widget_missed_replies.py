"""A widget coming back gets the bot messages it missed (channels/web.py, missed_replies): a staff reply given while its page was closed, and nothing it already shows."""

from __future__ import annotations

from cers.conversation.events import read_events
from channels.web import MAX_MISSED
from channels.web import missed_replies as missed_from_events


def missed_replies(events, after, shown):
    return missed_from_events(read_events(events), after, shown)


FIRST, LATEST = "a" * 32, "b" * 32


def user(message_id=None, text="hi"):
    return {"event": "user", "text": text, "metadata": {"message_id": message_id} if message_id else {}}


def bot(text, buttons=None):
    return {"event": "bot", "text": text, "data": {"buttons": buttons}}


CONVERSATION = [
    user(FIRST, "talk to a person"),
    {"event": "action", "name": "action_contact_office"},
    bot("Someone at the office can chat with you here now.", [{"title": "Yes, ask them", "payload": "/affirm"}]),
    {"event": "action", "name": "action_listen"},
    user(LATEST, "yes"),
    bot("I've asked the office."),
    {"event": "action", "name": "action_listen"},
    bot("Maria Lopez (office staff): Hi!"),  # given while the page was closed
    bot("Maria Lopez ended the chat."),
]


def test_what_came_after_the_widgets_latest_message_less_what_it_shows():
    assert missed_replies(CONVERSATION, LATEST, 1) == [
        {"text": "Maria Lopez (office staff): Hi!", "buttons": []},
        {"text": "Maria Lopez ended the chat.", "buttons": []},
    ]
    assert missed_replies(CONVERSATION, LATEST, 3) == []  # it has them all


def test_buttons_come_with_their_message():
    [offer] = missed_replies(CONVERSATION[:4], FIRST, 0)
    assert offer["buttons"] == [{"title": "Yes, ask them", "payload": "/affirm"}]


def test_nothing_when_the_widget_is_behind_or_asks_oddly():
    assert missed_replies(CONVERSATION, FIRST, 1) == []  # another tab went on after its latest message
    assert missed_replies(CONVERSATION, "c" * 32, 0) == []  # a message this conversation never had
    for after, shown in ((None, 0), ("not an id!", 0), (LATEST, -1), (LATEST, "1"), (LATEST, True)):
        assert missed_replies(CONVERSATION, after, shown) == []


def test_at_most_the_latest_few():
    many = [user(LATEST)] + [bot(f"reply {n}") for n in range(MAX_MISSED + 5)]
    replies = missed_replies(many, LATEST, 0)
    assert len(replies) == MAX_MISSED and replies[-1]["text"] == f"reply {MAX_MISSED + 4}"


def test_messages_the_widget_does_not_show_are_not_counted():
    events = [user(LATEST), {"event": "bot", "text": None, "data": {"custom": {"handoff": "relayed"}}}, bot("Hi!")]
    assert missed_replies(events, LATEST, 0) == [{"text": "Hi!", "buttons": []}]
