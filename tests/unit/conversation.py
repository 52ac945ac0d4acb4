"""Runs our rasa_sdk actions on real Trackers, keeping events and slots as Rasa would."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# Keys of a dispatched message that Rasa keeps as data, not as the bot event's metadata.
_MESSAGE_DATA = ("text", "buttons", "elements", "custom", "template", "response", "image", "attachment")


class Conversation:
    """One conversation: user turns, domain responses, and our actions run on a Tracker."""

    def __init__(self, slots: Iterable[str], channel: str = "rest"):
        self.slot_names = tuple(slots)
        self.channel = channel
        self.events: List[Dict[str, Any]] = []
        self.slots: Dict[str, Any] = {name: None for name in self.slot_names}
        self.latest: Dict[str, Any] = {}
        self.messages: List[Dict[str, Any]] = []
        self.last_events: List[Dict[str, Any]] = []
        self.active_loop: Optional[str] = None
        self.sender_id = "test"  # on SMS, the person's phone number
        # The address the channel saw, as the REST and widget channels put it in the metadata.
        self.client = f"198.18.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 254 + 1}"

    def user(self, text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> None:
        self.latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "metadata": {"client": self.client},
        }
        self.events.append({"event": "user", "text": text, "parse_data": self.latest, "input_channel": self.channel})

    def response(self, name: str, text: str = "an answer") -> None:
        """A response from the domain (utter_...), logged as Rasa logs it."""
        self.events.append({"event": "action", "name": name})
        self.events.append({"event": "bot", "text": text, "metadata": {"utter_action": name}})

    def run(self, action) -> List[Dict[str, Any]]:
        tracker = Tracker(
            self.sender_id,
            dict(self.slots),
            self.latest,
            list(self.events),
            False,
            None,
            {},
            self.events[-1].get("name") if self.events else None,
        )
        dispatcher = CollectingDispatcher()
        result = action.run(dispatcher, tracker, {})
        events = asyncio.run(result) if inspect.iscoroutine(result) else result
        self.events.append({"event": "action", "name": action.name()})
        for message in dispatcher.messages:
            metadata = {k: v for k, v in message.items() if k not in _MESSAGE_DATA and v}
            if message.get("response"):
                metadata["utter_action"] = message["response"]
            self.events.append(
                {
                    "event": "bot",
                    "text": message.get("text"),
                    "metadata": metadata,
                    "data": {"buttons": message.get("buttons")},
                }
            )
        for event in events:
            if event["event"] == "active_loop":  # a form started or ended (actions/handoff.py)
                self.active_loop = event["name"]
                self.events.append(event)
                continue
            assert event["event"] == "slot" and event["name"] in self.slot_names, event
            self.slots[event["name"]] = event["value"]
            self.events.append(event)
        self.events.append({"event": "action", "name": "action_listen"})
        self.last_events = events
        self.messages = dispatcher.messages
        return dispatcher.messages


def texts(messages) -> str:
    return "\n\n".join(m.get("text") or m.get("response") or "" for m in messages)
