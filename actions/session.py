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
from cers.conversation.names import (
    LISTEN_ACTION,
    OFFICE_SLOT_PREFIX,
    SESSION_START_ACTION,
    SLOT_OFFICE_CONTACT,
    SLOT_OFFICE_DUE_DATE,
    SLOT_OFFICE_NAME,
    SLOT_OFFICE_PHONE,
    SLOT_REQUESTED,
)
from cers.dates import describe_hours, format_month_day
from cers.language import ENGLISH, LANGUAGES
from cers.settings import Office, load_office
from cers.templates import render

NOT_CARRIED_OVER = frozenset({SLOT_CONTACT_REQUEST, SLOT_REQUESTED, *CALLBACK_SLOTS})


def contact_text(office: Office, language: str = ENGLISH) -> str:
    """The office's details; one that office.yml does not give is said to be not listed."""

    def say(template: str, **values) -> str:
        return render("answers", f"contact.{template}", language=language, **values)

    lines = [office.name, say("phone", phone=office.phone)]
    if office.address:
        lines.append(say("address", address=office.address))
    else:
        lines.append(say("address_not_listed_city", city=office.city) if office.city else say("address_not_listed"))
    lines.append(say("email", email=office.email) if office.email else say("email_not_listed"))
    hours = describe_hours(office.hours, language)
    lines.append(say("hours", hours=hours) if office.hours.listed else say("hours_not_listed"))
    if not (office.address and office.email and office.hours.listed):
        lines.append(say("not_listed", phone=office.phone))
    return "\n".join(lines)


def office_slots(office: Office) -> Dict[Text, Any]:
    """The office's details the responses say; the due date and the contact card once per language
    (Spanish responses say {office_due_date_es}, {office_contact_es})."""
    slots: Dict[Text, Any] = {SLOT_OFFICE_NAME: office.name, SLOT_OFFICE_PHONE: office.phone}
    for language in LANGUAGES:
        suffix = "" if language == ENGLISH else f"_{language}"
        slots[f"{SLOT_OFFICE_DUE_DATE}{suffix}"] = format_month_day(
            office.annual_due_month, office.annual_due_day, language
        )
        slots[f"{SLOT_OFFICE_CONTACT}{suffix}"] = contact_text(office, language)
    return slots


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
        events += [SlotSet(key, value) for key, value in office_slots(load_office()).items()]
        events.append(ActionExecuted(LISTEN_ACTION))
        return events
