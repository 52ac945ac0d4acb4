"""Starts each session, carrying over what the conversation knew (not the office's details: the
responses' {office_name}, {office_phone}... are filled in by channels/nlg.py from office.yml, and
office slots an older conversation stored are left behind)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.state import CALLBACK_SLOTS, SLOT_CONTACT_REQUEST
from cers.conversation.names import LISTEN_ACTION, OFFICE_SLOT_PREFIX, SESSION_START_ACTION, SLOT_REQUESTED

NOT_CARRIED_OVER = frozenset({SLOT_CONTACT_REQUEST, SLOT_REQUESTED, *CALLBACK_SLOTS})


class ActionSessionStart(Action):
    def name(self) -> Text:
        return SESSION_START_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # Carry over what the conversation already knew (e.g. an open walkthrough), but not a callback
        # request left half-way: its form does not carry over, so its answers must not either.
        for key, value in tracker.current_slot_values().items():
            if value is not None and not key.startswith(OFFICE_SLOT_PREFIX) and key not in NOT_CARRIED_OVER:
                events.append(SlotSet(key, value))
        events.append(ActionExecuted(LISTEN_ACTION))
        return events
