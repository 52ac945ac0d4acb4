"""Reminders by text, asked for after a status check: the thin Rasa side of cers/reminders/signup.py. The sign-up's pending step rides on the bot's message (its metadata), so an answer is the sign-up's only right after the question; anything else lets it lapse."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import LookupFailed, services
from actions.state import (
    bot_messages_before_latest,
    input_channel,
    is_staff,
    reply_language,
    text_of,
    verified_facility,
)
from cers import roles
from cers.conversation.names import REMINDERS_INTENT, REMINDERS_SIGNUP, REMINDERS_SIGNUP_ACTION
from cers.reminders.sender import Sender, TwilioSender
from cers.reminders.signup import Answer, Pending, Signup, Step, say, staff_answer
from cers.reminders.store import RemindersStore
from cers.settings import SettingsError, load_office, now
from cers.templates import office_values


def button(language: str) -> Dict[Text, str]:
    """The status reply's "Text me reminders" button."""
    return {"title": say("consent.button", language), "payload": f"/{REMINDERS_INTENT}"}


def configured_sender() -> Optional[Sender]:
    """Twilio as the settings describe it; None when they do not (the sign-up then says it is not available)."""
    try:
        return TwilioSender.from_env()
    except SettingsError:
        return None


def pending_signup(tracker: Tracker) -> Optional[Pending]:
    """The sign-up the bot's last message (before the person's latest) waits on, if any."""
    messages = bot_messages_before_latest(tracker)
    return Pending.from_dict(messages[-1].metadata.get(REMINDERS_SIGNUP)) if messages else None


def _signup() -> Signup:
    return Signup(RemindersStore(services().store.engine), load_office(), now(), configured_sender)


def _say(dispatcher: CollectingDispatcher, step: Step) -> List[Dict[Text, Any]]:
    metadata = {REMINDERS_SIGNUP: step.pending.as_dict()} if step.pending else {}
    dispatcher.utter_message(text=step.text, **metadata)
    return []


def _unavailable(dispatcher: CollectingDispatcher, language: str) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(text=say("consent.unavailable", language, **office_values(load_office(), language)))
    return []


async def continue_signup(
    dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer
) -> Optional[List[Dict[Text, Any]]]:
    """The person's answer to the sign-up's question, when the bot's last message asked one; None otherwise
    (the calling action then answers the message as usual)."""
    pending = pending_signup(tracker)
    if pending is None:
        return None
    language, channel, text = reply_language(tracker), input_channel(tracker) or roles.REST, text_of(tracker)
    try:
        step = await services().run(lambda: _signup().answer(pending, answer, text, channel, language))
    except LookupFailed:
        return _unavailable(dispatcher, language)
    return _say(dispatcher, step)


async def staff_reminders(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Staff: a number's reminders, or removing one facility's (logged with the staff member's id)."""

    def answer() -> str:
        store = services().store

        def name(cers_id: str) -> str:
            records = store.get(cers_id)
            return records.facility.name if records else ""

        return staff_answer(
            text_of(tracker), RemindersStore(store.engine), name, tracker.sender_id, input_channel(tracker) or "", now()
        )

    try:
        text = await services().run(answer)
    except LookupFailed:
        return _unavailable(dispatcher, reply_language(tracker))
    dispatcher.utter_message(text=text)
    return []


class ActionRemindersSignup(Action):
    """ "Text me reminders": the disclosure, then YES (SMS) or a number to confirm with a code."""

    def name(self) -> Text:
        return REMINDERS_SIGNUP_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if is_staff(tracker):
            return await staff_reminders(dispatcher, tracker)
        language = reply_language(tracker)
        found = verified_facility(tracker)
        if found is None:
            dispatcher.utter_message(text=say("consent.need_status", language))
            return []
        facility, cers_id = found
        channel = input_channel(tracker)
        sms_number = tracker.sender_id if channel == roles.SMS else None  # Twilio's From: E.164 already
        step = _signup().start(cers_id, facility, sms_number, language)  # no database work: the offer only
        return _say(dispatcher, step)
