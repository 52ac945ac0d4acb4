"""Reaching the office's staff: the offer (a chat with staff now, or a callback request), the handoff's start and its post to the staff channel, the callback request's form, and what the person hears when a handoff times out.

The relay of messages while a handoff is open, staff replies, "done" and timeouts happen in the
Rasa server (channels/handoff.py); the state both sides share is in the database (cers/handoffs.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import LookupFailed, services
from actions.state import (
    HANDOFF_ID,
    SLOT_CALLBACK_CONTACT,
    SLOT_CALLBACK_NAME,
    SLOT_CALLBACK_QUESTION,
    Offer,
    callback_answers,
    callback_cleared,
    contact_request_events,
    guide_progress,
    input_channel,
    is_staff,
    latest_question,
    pause_guide_events,
    recent_turns,
    reply_language,
    times_said,
    times_stuck_in_guide,
    verified_facility,
)
from cers import roles
from cers.contact import (
    CALLBACK,
    CALLBACK_DONE_BUTTON,
    END_HANDOFF_BUTTON,
    HANDOFF,
    callback_summary,
    check_contact,
    check_name,
    check_question,
    contact_kind,
    handoff_summary,
    say,
    when_open,
)
from cers.conversation.names import (
    AFFIRM_INTENT,
    ASK_CALLBACK_NAME_RESPONSE,
    ASK_FOR_PERSON_RESPONSE,
    CALLBACK_FORM,
    CONTACT_OFFICE_ACTION,
    CONTINUE_WALKTHROUGH_INTENT,
    DENY_INTENT,
    HANDOFF_TIMED_OUT_ACTION,
    NONE_OF_THESE_ACTION,
    NONE_OF_THESE_INTENT,
    NONE_OF_THESE_RESPONSE,
    SLOT_REQUESTED,
    START_HANDOFF_ACTION,
    STOP_CALLBACK_ACTION,
    SUBMIT_CALLBACK_ACTION,
    VALIDATE_CALLBACK_FORM_ACTION,
)
from cers.guides.loader import load_guides
from cers.handoffs import FAILED
from cers.settings import handoff_timeout_seconds, load_office, now
from cers.staff_channel import button, with_buttons
from cers.templates import office_values


def kind_for(tracker: Tracker) -> str:
    """What can be offered now on this conversation's channel: HANDOFF or CALLBACK."""
    return contact_kind(input_channel(tracker), load_office().hours, now(), services().staff_channel.on)


def offer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    lead: Optional[str] = None,
    kind: Optional[str] = None,
    pause: bool = True,
) -> List[Dict[Text, Any]]:
    """Offers a chat with staff now (office open, widget or SMS) or a callback request; "yes" accepts it.

    An open walkthrough is paused (its offer to continue is the "No" button), so no offer to continue
    follows this one and "yes" answers it; after "I'm stuck" (pause=False) it stays open, so "next"
    still goes on to the next step."""
    kind = kind or kind_for(tracker)
    office = load_office()
    language = reply_language(tracker)
    call = office_values(office, language)["call_office"]
    if kind == HANDOFF:
        text = say("offer.handoff", language, call_office=call)
    else:
        opens = when_open(office.hours, now(), language)
        text = say("offer.callback", language, when_open=opens, call_office=call)
    guide_open = guide_progress(tracker).open
    buttons = [
        {"title": say(f"offer.yes_{kind}", language), "payload": f"/{AFFIRM_INTENT}"},
        {
            "title": say("offer.decline_walkthrough" if guide_open else "offer.decline", language),
            "payload": f"/{CONTINUE_WALKTHROUGH_INTENT}" if guide_open else f"/{DENY_INTENT}",
        },
    ]
    dispatcher.utter_message(text=f"{lead} {text}" if lead else text, buttons=buttons, **Offer(contact=kind).metadata())
    return (pause_guide_events(tracker) if pause else []) + contact_request_events(None)


def question_for(tracker: Tracker) -> Optional[str]:
    """What the person needs, for staff: the walkthrough step they are stuck on, or their latest question."""
    progress = guide_progress(tracker)
    guides = load_guides()
    if progress.guide_id in guides and times_stuck_in_guide(tracker) and (progress.open or progress.paused):
        guide = guides[progress.guide_id]
        index = min(max(progress.step, 0), guide.step_count - 1)
        step = guide.steps[index].text.format(**office_values(load_office()))
        return say("summary.stuck", guide=guide.title, number=index + 1, count=guide.step_count, step=step)
    return latest_question(tracker)


class ActionContactOffice(Action):
    """ "Talk to a person": a chat with staff now, or a callback request (staff channels: the office's contact)."""

    def name(self) -> Text:
        return CONTACT_OFFICE_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if is_staff(tracker):
            dispatcher.utter_message(response=ASK_FOR_PERSON_RESPONSE)
            return []
        return offer(dispatcher, tracker)


class ActionNoneOfThese(Action):
    """ "Something else" after "Did you mean": the office's phone; the second time, the offer to reach staff."""

    def name(self) -> Text:
        return NONE_OF_THESE_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if not is_staff(tracker) and times_said(tracker, NONE_OF_THESE_INTENT) >= 2:
            return offer(dispatcher, tracker, lead=say("offer.after_none_of_these", reply_language(tracker)))
        dispatcher.utter_message(response=NONE_OF_THESE_RESPONSE)
        return []


def offer_after_stuck(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """After the walkthrough's "I'm stuck" answer: the second time in this walkthrough, the offer to reach staff."""
    if is_staff(tracker) or times_stuck_in_guide(tracker) < 2:
        return []
    return offer(dispatcher, tracker, lead=say("offer.after_stuck", reply_language(tracker)), pause=False)


class ActionStartHandoff(Action):
    """The person said yes to a chat with staff: post the summary to the staff channel and say so.

    If that cannot happen now (the office just closed, the staff channel is off or did not take the
    post), contact_request becomes "callback" and the callback request's form starts instead."""

    def name(self) -> Text:
        return START_HANDOFF_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        office = load_office()
        language = reply_language(tracker)
        if kind_for(tracker) != HANDOFF:
            reason = "closed_meanwhile" if not office.hours.is_open(now()) else "could_not_start"
            dispatcher.utter_message(text=say(reason, language))
            return contact_request_events(CALLBACK)
        store, staff = services().handoffs, services().staff_channel
        sender, channel = tracker.sender_id, input_channel(tracker) or roles.WIDGET
        question = question_for(tracker)
        try:
            handoff = await services().run(lambda: store.start(sender, channel, question))
        except LookupFailed:
            call = office_values(office, language)["call_office"]
            dispatcher.utter_message(text=say("callback_failed", language, call_office=call))
            return contact_request_events(None)
        if handoff is None:
            dispatcher.utter_message(text=say("already_open", language))
            return contact_request_events(None)
        summary = handoff_summary(
            channel, question, recent_turns(tracker), verified_facility(tracker), handoff_timeout_seconds(), language
        )
        end = button(say("summary.end_button"), END_HANDOFF_BUTTON, handoff.id, "danger")
        posted = await staff.post(summary, blocks=with_buttons(summary, [end]))
        try:
            if posted is None:
                await services().run(lambda: store.finish(handoff.id, FAILED))
            else:
                where = posted
                await services().run(lambda: store.attach_thread(handoff.id, where.channel, where.ts))
        except LookupFailed:
            posted = None
        if posted is None:
            dispatcher.utter_message(text=say("could_not_start", language))
            return contact_request_events(CALLBACK)
        dispatcher.utter_message(
            text=say("started_sms" if channel == roles.SMS else "started", language), **{HANDOFF_ID: handoff.id}
        )
        return contact_request_events(None)


class ActionHandoffTimedOut(Action):
    """Run by the Rasa server (channels/handoff.py) when no staff reply came in time.

    Unanswered: the handoff becomes a callback request. The callback form starts here with what is
    already known (the question staff were asked; on SMS, the number the person writes from) and
    asks for the rest, so the request is stored once the person answers ("stop" cancels it). After
    staff had answered and went quiet: the person is back with the bot and may leave a request."""

    def name(self) -> Text:
        return HANDOFF_TIMED_OUT_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        store = services().handoffs
        try:
            handoff = await services().run(lambda: store.latest_for(tracker.sender_id))
        except LookupFailed:
            handoff = None
        if handoff is not None and handoff.answered_at:
            return offer(dispatcher, tracker, lead=say("timed_out_quiet", reply_language(tracker)), kind=CALLBACK)
        known: Dict[str, Any] = {}
        question = check_question(handoff.question or "") if handoff is not None else None
        if question is not None and question.ok:
            known[SLOT_CALLBACK_QUESTION] = question.value
        number = check_contact(tracker.sender_id) if input_channel(tracker) == roles.SMS else None
        if number is not None and number.ok:
            known[SLOT_CALLBACK_CONTACT] = number.value
            # The office can call this number back even if the person stops answering now: the
            # request is stored at once, and what they give next completes it (ActionSubmitCallback).
            try:
                await store_callback(
                    tracker.sender_id,
                    roles.SMS,
                    "",
                    known[SLOT_CALLBACK_CONTACT],
                    known.get(SLOT_CALLBACK_QUESTION, ""),
                )
            except LookupFailed:
                pass  # the database is down: the form still asks, and its end stores the request (or says it can't)
        language = reply_language(tracker)
        dispatcher.utter_message(text=f"{say('timed_out_unanswered', language)} {say('timed_out_callback', language)}")
        dispatcher.utter_message(response=ASK_CALLBACK_NAME_RESPONSE)
        return (
            [SlotSet(name, value) for name, value in known.items()]
            + contact_request_events(CALLBACK)
            + [ActiveLoop(CALLBACK_FORM), SlotSet(SLOT_REQUESTED, SLOT_CALLBACK_NAME)]
        )


# ---------------------------------------------------------------- the callback request


class ValidateCallbackForm(FormValidationAction):
    """Checks each answer of the callback request (cers/contact.py); a wrong one is asked again, saying why."""

    def name(self) -> Text:
        return VALIDATE_CALLBACK_FORM_ACTION

    @staticmethod
    def _checked(
        slot: str, checked, dispatcher: CollectingDispatcher, problem: str, tracker: Tracker
    ) -> Dict[Text, Any]:
        if not checked.ok:
            dispatcher.utter_message(text=say(f"invalid.{problem}", reply_language(tracker)))
        return {slot: checked.value}

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._checked(SLOT_CALLBACK_NAME, check_name(str(value or "")), dispatcher, "name", tracker)

    def validate_callback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._checked(SLOT_CALLBACK_CONTACT, check_contact(str(value or "")), dispatcher, "contact", tracker)

    def validate_callback_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._checked(SLOT_CALLBACK_QUESTION, check_question(str(value or "")), dispatcher, "question", tracker)


async def store_callback(sender: str, channel: str, name: str, contact: str, question: str) -> None:
    """Stores a callback request and posts it to the staff channel; LookupFailed when it cannot be stored.

    The sender's open request still without a name (stored when a handoff on SMS timed out) is
    completed instead of a second one being made, and the completion is said in its thread."""
    store, staff = services().handoffs, services().staff_channel
    unnamed = await services().run(lambda: store.open_unnamed_callback(sender)) if name else None
    if unnamed is not None:
        await services().run(lambda: store.complete_callback(unnamed.id, name, contact, question))
        if unnamed.slack_ts:
            await staff.post(say("callback.completed", name=name, question=question), thread_ts=unnamed.slack_ts)
        return
    callback = await services().run(lambda: store.add_callback(sender, channel, name, contact, question))
    summary = callback_summary(channel, name, contact, question)
    done = button(say("callback.done_button"), CALLBACK_DONE_BUTTON, callback.id, "primary")
    posted = await staff.post(summary, blocks=with_buttons(summary, [done]))
    if posted is not None:
        where = posted
        try:
            await services().run(lambda: store.attach_callback_thread(callback.id, where.channel, where.ts))
        except LookupFailed:
            pass  # stored and posted; only "done" in its thread will not find it


class ActionSubmitCallback(Action):
    """The callback request is complete: store it, post it to the staff channel, tell the person when the office opens."""

    def name(self) -> Text:
        return SUBMIT_CALLBACK_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        office = load_office()
        answers = callback_answers(tracker)
        name, contact, question = (
            str(answers[SLOT_CALLBACK_NAME] or ""),
            str(answers[SLOT_CALLBACK_CONTACT] or ""),
            str(answers[SLOT_CALLBACK_QUESTION] or ""),
        )
        sender, channel = tracker.sender_id, input_channel(tracker) or roles.REST
        language = reply_language(tracker)
        try:
            await store_callback(sender, channel, name, contact, question)
        except LookupFailed:
            call = office_values(office, language)["call_office"]
            dispatcher.utter_message(text=say("callback_failed", language, call_office=call))
            return callback_cleared()
        opens = when_open(office.hours, now(), language)
        dispatcher.utter_message(text=say("callback_taken", language, name=name, when_open=opens))
        return callback_cleared()


class ActionStopCallback(Action):
    """ "stop" during the callback request: nothing is stored, and the office's phone is given."""

    def name(self) -> Text:
        return STOP_CALLBACK_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        office = load_office()
        language = reply_language(tracker)
        call = office_values(office, language)["call_office"]
        dispatcher.utter_message(text=say("callback_stopped", language, call_office=call))
        return [ActiveLoop(None), SlotSet(SLOT_REQUESTED, None)] + callback_cleared()
