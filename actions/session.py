"""Starts each conversation with the office's details from office.yml as slots.

The domain's responses say {office_name}, {office_phone}... so a change to office.yml reaches
every answer without retraining; only this action reads the file.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from cers.dates import format_month_day
from cers.settings import Office, load_office


def contact_text(office: Office) -> str:
    """The office's details; one that office.yml does not give is said to be not listed."""
    lines = [office.name, f"Phone: {office.phone}"]
    lines.append(f"Address: {office.address}" if office.address else
                 f"Address: not listed{f' (the office is in {office.city})' if office.city else ''}")
    lines.append(f"E-mail: {office.email}" if office.email else "E-mail: not listed")
    lines.append(f"Hours: {office.hours.describe()}" if office.hours.listed else "Hours: not listed")
    if not (office.address and office.email and office.hours.listed):
        lines.append(f"For anything not listed, call {office.phone}.")
    return "\n".join(lines)


def office_slots(office: Office) -> Dict[Text, Any]:
    due = format_month_day(office.annual_due_month, office.annual_due_day)
    return {
        "office_name": office.name,
        "office_phone": office.phone,
        "office_due_date": due,
        "office_contact": contact_text(office),
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
