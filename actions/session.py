"""Starts each conversation with the office's details from office.yml as slots.

The domain's responses say {office_name}, {office_phone}... so a change to office.yml reaches
every answer without retraining; only this action reads the file.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.state import CALLBACK_SLOTS, SLOT_CONTACT_REQUEST
from cers.dates import format_month_day
from cers.settings import Office, load_office
from cers.templates import render

NOT_CARRIED_OVER = frozenset({SLOT_CONTACT_REQUEST, "requested_slot", *CALLBACK_SLOTS})


def say(template: str, **values) -> str:
    return render("answers", f"contact.{template}", **values)


def contact_text(office: Office) -> str:
    """The office's details; one that office.yml does not give is said to be not listed."""
    lines = [office.name, say("phone", phone=office.phone)]
    if office.address:
        lines.append(say("address", address=office.address))
    else:
        lines.append(say("address_not_listed_city", city=office.city) if office.city else say("address_not_listed"))
    lines.append(say("email", email=office.email) if office.email else say("email_not_listed"))
    lines.append(say("hours", hours=office.hours.describe()) if office.hours.listed else say("hours_not_listed"))
    if not (office.address and office.email and office.hours.listed):
        lines.append(say("not_listed", phone=office.phone))
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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # Carry over what the conversation already knew (e.g. an open walkthrough), but not a callback
        # request left half-way: its form does not carry over, so its answers must not either.
        for key, value in tracker.current_slot_values().items():
            if value is not None and not key.startswith("office_") and key not in NOT_CARRIED_OVER:
                events.append(SlotSet(key, value))
        events += [SlotSet(key, value) for key, value in office_slots(load_office()).items()]
        events.append(ActionExecuted("action_listen"))
        return events
