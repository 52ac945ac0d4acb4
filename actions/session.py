"""Starts each conversation with the office's details from office.yml as slots.

The domain's responses say {office_name}, {office_phone}... so a change to office.yml reaches
every answer without retraining; only this action reads the file.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dates import format_month_day
from actions.settings import Office, load_office


def office_slots(office: Office) -> Dict[Text, Any]:
    due = format_month_day(office.annual_due_month, office.annual_due_day)
    lines = [office.name]
    if office.address:
        lines.append(office.address)
    elif office.city:
        lines.append(office.city)
    lines.append(f"Phone: {office.phone}")
    if office.hours:
        lines.append(f"Hours: {office.hours}")
    return {
        "office_name": office.name,
        "office_phone": office.phone,
        "office_due_date": due,
        "office_contact": "\n".join(lines),
    }


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # Carry over what the conversation already knew (e.g. an open walkthrough).
        for key, value in tracker.current_slot_values().items():
            if value is not None and not key.startswith("office_"):
                events.append(SlotSet(key, value))
        events += [SlotSet(key, value) for key, value in office_slots(load_office()).items()]
        events.append(ActionExecuted("action_listen"))
        return events
