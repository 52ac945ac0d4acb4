"""The one reader of stored events (cers/conversation/events.py) reads what Rasa writes: the same fields from an event, its dict and its SQL row, and a bot message resent exactly as Rasa sent it."""

from __future__ import annotations

import json

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from cers.conversation.events import (
    ACTION,
    BOT,
    SLOT,
    USER,
    StoredEvent,
    after_user_message,
    current_session,
    latest_buttons,
    read_events,
    turn_of,
)

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def user(text, message_id=None, intent="greet", timestamp=None):
    parse = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": "language", "value": "es"}] if text.startswith("hola") else [],
        "intent_ranking": [{"name": intent, "confidence": 0.9}, {"name": "nlu_fallback", "confidence": 0.1}],
    }
    return UserUttered(
        text,
        parse_data=parse,
        input_channel="rest",
        metadata={"message_id": message_id} if message_id else {},
        timestamp=timestamp,
    )


def test_a_dict_and_a_row_read_the_same_as_rasa_wrote_them():
    for event in (
        user("hola necesito ayuda", "m1"),
        BotUttered("Choose", data={"buttons": BUTTONS}, metadata={"offers_guide": "add_user"}),
        SlotSet("guide_id", "add_user"),
        ActionExecuted("action_start_walkthrough"),
    ):
        stored = event.as_dict()
        from_dict = StoredEvent.read(stored)
        from_row = StoredEvent.from_row(
            stored["event"],
            stored["timestamp"],
            from_dict.intent,
            from_dict.name,
            json.dumps(stored),
        )
        for read in (from_dict, from_row):
            assert (read.kind, read.timestamp, read.intent, read.name) == (
                from_dict.kind,
                event.timestamp,
                from_dict.intent,
                from_dict.name,
            )
            assert (read.text, dict(read.metadata), read.value, read.buttons, read.language, read.input_channel) == (
                from_dict.text,
                dict(from_dict.metadata),
                from_dict.value,
                from_dict.buttons,
                from_dict.language,
                from_dict.input_channel,
            )
    said = StoredEvent.read(user("hola necesito ayuda", "m1").as_dict())
    assert (said.kind, said.intent, said.language, said.message_id, said.input_channel) == (
        USER,
        "greet",
        "es",
        "m1",
        "rest",
    )
    assert said.intent_ranking == (("greet", 0.9), ("nlu_fallback", 0.1))
    slot = StoredEvent.read(SlotSet("guide_id", "add_user").as_dict())
    assert (slot.kind, slot.name, slot.value) == (SLOT, "guide_id", "add_user")
    assert StoredEvent.read(ActionExecuted("action_listen").as_dict()).name == "action_listen"
    assert StoredEvent.read(ActionExecuted("action_listen").as_dict()).kind == ACTION


def test_a_bot_message_is_resent_as_rasa_sent_it():
    for event in (
        BotUttered("Choose", data={"buttons": BUTTONS}, metadata={"utter_action": "utter_greet"}),
        BotUttered(None, data={"custom": {"handoff": "relayed"}}),
        BotUttered("A map", data={"image": "https://example.org/map.png", "attachment": "https://example.org/map.png"}),
    ):
        [read] = read_events([event])
        assert read.kind == BOT
        assert read.sent() == event.message()


def test_a_rows_body_that_is_not_json_reads_as_empty():
    broken = StoredEvent.from_row(USER, 5.0, "greet", None, "{not json")
    assert (broken.text, dict(broken.metadata), broken.language, broken.buttons) == ("", {}, None, ())
    assert broken.intent == "greet" and broken.timestamp == 5.0


def test_conversation_questions():
    events = read_events(
        [
            user("old session"),
            SessionStarted(),
            user("how do I add a user", "m1", intent="add_user"),
            BotUttered("Choose", data={"buttons": BUTTONS}),
            BotUttered("Or ask me anything."),
            user("yes", "m2", intent="affirm"),
            BotUttered("Step 1 of 4"),
        ]
    )
    session = current_session(events)
    assert [e.text for e in session if e.kind == USER] == ["how do I add a user", "yes"]
    assert [e.text for e in after_user_message(events, 2)] == ["Choose", "Or ask me anything."]
    assert [e.text for e in after_user_message(events, 1)] == ["Step 1 of 4"]
    assert after_user_message(events, 9) == []
    first = turn_of(events, "m1")
    assert (
        first is not None and not first.latest and [r.text for r in first.replies] == ["Choose", "Or ask me anything."]
    )
    latest = turn_of(events, "m2")
    assert latest is not None and latest.latest and [r.text for r in latest.replies] == ["Step 1 of 4"]
    assert turn_of(events, "m3") is None
    assert latest_buttons(events) == ()  # the person answered the buttons already
    assert [b.payload for b in latest_buttons(events[:5])] == ["/affirm", "/deny"]
