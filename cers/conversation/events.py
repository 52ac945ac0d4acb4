"""The one reader of stored conversation events, Rasa-free: the actions, the dashboard, the widget's missed replies, de-duplication, SMS numbered choices and the handoff relay all read a conversation through it.

Rasa keeps a conversation as a list of events: dicts as `Event.as_dict()` writes them (what the
action server gets in `tracker.events`), stored by the SQL tracker store as the same dict in JSON
(`events.data`) beside a few columns (type_name, timestamp, intent_name, action_name). A
StoredEvent is one of them, read once: its kind, time, intent or action/slot name, and, read from
the event's body when first asked (the dashboard reads millions of rows and needs a body for few
of them), its text, metadata, slot value, buttons, channel and language. Functions below answer
the questions asked of a whole conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from cers.conversation.names import LANGUAGE_ENTITY, MESSAGE_ID

# ---------------------------------------------------------------- the kinds read (Rasa's `event` names)
USER = "user"  # a person's message
BOT = "bot"  # a message of the bot (or of staff, in a handoff)
ACTION = "action"  # an action ran: `name` is the action's
SLOT = "slot"  # a slot was set: `name` is the slot's, `value` its value
SESSION_STARTED = "session_started"

_INPUT_CHANNEL = re.compile(r'"input_channel":\s*"([^"\\]*)"')
_VALID_MESSAGE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces, at most 128 characters


def message_id_of(metadata: Any) -> Optional[str]:
    """The message_id in a message's metadata (a channel's own id for the message, so a retry is
    known), if it is a usable one."""
    value = metadata.get(MESSAGE_ID) if isinstance(metadata, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and _VALID_MESSAGE_ID.match(value) else None


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


class StoredEvent:
    """One stored event, read only. `body` is the event as Rasa wrote it: a dict, or its JSON
    text, read on first use (a plain class with slots: the dashboard makes one per stored event)."""

    __slots__ = ("kind", "timestamp", "intent", "name", "body", "_parsed")

    def __init__(
        self,
        kind: str,
        timestamp: float = 0.0,
        intent: Optional[str] = None,  # USER: the intent the message was classified as
        name: Optional[str] = None,  # ACTION: the action's name; SLOT: the slot's name
        body: Union[Mapping[str, Any], str, None] = None,
    ) -> None:
        self.kind = kind
        self.timestamp = timestamp
        self.intent = intent
        self.name = name
        self.body = body
        self._parsed: Optional[Mapping[str, Any]] = body if isinstance(body, Mapping) else None

    def __repr__(self) -> str:
        return f"StoredEvent({self.kind!r}, {self.timestamp!r}, intent={self.intent!r}, name={self.name!r})"

    @classmethod
    def read(cls, event: Mapping[str, Any]) -> "StoredEvent":
        """An event as a dict (`Event.as_dict()`, the action server's `tracker.events`)."""
        kind = str(event.get("event") or "")
        intent = name = None
        if kind == USER:
            intent = _str_or_none(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
        elif kind == ACTION or kind == SLOT:
            name = _str_or_none(event.get("name"))
        return cls(kind, _number(event.get("timestamp")), intent, name, event)

    @classmethod
    def from_row(
        cls, kind: str, timestamp: Any, intent: Optional[str], name: Optional[str], data: Optional[str]
    ) -> "StoredEvent":
        """A row of the SQL tracker store's `events` table (type_name, timestamp, intent_name, action_name, data)."""
        return cls(
            kind, timestamp if type(timestamp) is float else _number(timestamp), intent or None, name or None, data
        )

    @property
    def _body(self) -> Mapping[str, Any]:
        if self._parsed is None:
            parsed: Any = None
            if isinstance(self.body, str):
                try:
                    parsed = json.loads(self.body)
                except ValueError:
                    parsed = None
            self._parsed = parsed if isinstance(parsed, dict) else {}
        return self._parsed

    @property
    def text(self) -> str:
        text = self._body.get("text")
        return text if isinstance(text, str) else ""

    @property
    def is_payload(self) -> bool:
        """A button's payload ("/affirm") rather than words a person typed."""
        return self.text.strip().startswith("/")

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self._body.get("metadata")
        return metadata if isinstance(metadata, Mapping) else {}

    @property
    def message_id(self) -> Optional[str]:
        return message_id_of(self.metadata)

    @property
    def value(self) -> Any:
        """SLOT: the value set."""
        return self._body.get("value")

    @property
    def input_channel(self) -> str:
        if isinstance(self.body, str) and self._parsed is None:
            match = _INPUT_CHANNEL.search(self.body)  # a row's body: found without reading all of it
            if match:
                return match.group(1)
        return str(self._body.get("input_channel") or "")

    @property
    def data(self) -> Mapping[str, Any]:
        """BOT: what the message carries beside its text (buttons, image, custom), as Rasa keeps it."""
        data = self._body.get("data")
        return data if isinstance(data, Mapping) else {}

    @property
    def buttons(self) -> Tuple[Button, ...]:
        """BOT: its buttons (those with a text title and payload)."""
        return tuple(
            Button(b["title"], b["payload"])
            for b in self.data.get("buttons") or []
            if isinstance(b, Mapping) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)
        )

    @property
    def language(self) -> Optional[str]:
        """USER: the language the message made clear (the `language` entity channels/triage.py puts on it), or None."""
        if isinstance(self.body, str) and f'"{LANGUAGE_ENTITY}"' not in self.body:
            return None  # most messages: no need to read the whole body
        entities = (self._body.get("parse_data") or {}).get("entities") or []
        values = [
            str(e.get("value")) for e in entities if isinstance(e, Mapping) and e.get("entity") == LANGUAGE_ENTITY
        ]
        return values[-1][:8] if values else None

    @property
    def intent_ranking(self) -> Tuple[Tuple[str, float], ...]:
        """USER: the classifier's guesses, most likely first, as (intent, confidence)."""
        ranking = (self._body.get("parse_data") or {}).get("intent_ranking") or []
        return tuple(
            (str(guess["name"]), _number(guess.get("confidence")))
            for guess in ranking
            if isinstance(guess, Mapping) and guess.get("name")
        )

    def sent(self) -> Dict[str, Any]:
        """BOT: the message as Rasa sent it to the output channel (rasa's BotUttered.message())."""
        message: Dict[str, Any] = dict(self.data)
        message["text"] = self._body.get("text")
        message["timestamp"] = self._body.get("timestamp")
        message.update(self.metadata)
        if message.get("image") == message.get("attachment"):
            message["attachment"] = None  # Rasa's own rule: an image is not sent twice
        return message


def _number(value: Any) -> float:  # a time or a confidence: a number, 0.0 when it is not one
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _str_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def read_events(events: Iterable[Any]) -> List[StoredEvent]:
    """A conversation's events, each a dict (`Event.as_dict()`) or a Rasa Event (anything with as_dict())."""
    return [StoredEvent.read(event if isinstance(event, Mapping) else event.as_dict()) for event in events]


# ---------------------------------------------------------------- questions asked of a conversation


def current_session(events: Sequence[StoredEvent]) -> Sequence[StoredEvent]:
    """The events of the latest session (after its session_started); all of them when none started."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].kind == SESSION_STARTED:
            return events[index + 1 :]
    return events


def after_user_message(events: Sequence[StoredEvent], back: int = 1) -> Sequence[StoredEvent]:
    """The events after the `back`-th latest user message (1: the latest) up to the next one; [] when there are fewer."""
    users = [index for index, event in enumerate(events) if event.kind == USER]
    if len(users) < back:
        return []
    return events[users[-back] + 1 : users[-back + 1] if back > 1 else len(events)]


def bot_messages(events: Iterable[StoredEvent]) -> List[StoredEvent]:
    return [event for event in events if event.kind == BOT]


@dataclass(frozen=True)
class Turn:
    """A person's message found by its message_id, and the bot's messages after it up to the next one."""

    message: StoredEvent
    replies: List[StoredEvent]
    latest: bool  # no message of the person came after it


def turn_of(events: Sequence[StoredEvent], message_id: str) -> Optional[Turn]:
    """The latest turn whose message has this message_id, or None."""
    start = None
    for index, event in enumerate(events):
        if event.kind == USER and event.message_id == message_id:
            start = index
    if start is None:
        return None
    replies: List[StoredEvent] = []
    for event in events[start + 1 :]:
        if event.kind == USER:
            return Turn(events[start], replies, latest=False)
        if event.kind == BOT:
            replies.append(event)
    return Turn(events[start], replies, latest=True)


def latest_buttons(events: Sequence[StoredEvent]) -> Tuple[Button, ...]:
    """The buttons of the bot's latest message with buttons since the person's latest message; () if none."""
    for event in reversed(events):
        if event.kind == USER:
            return ()
        if event.kind == BOT and event.buttons:
            return event.buttons
    return ()
