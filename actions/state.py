"""The conversation's state, in one place: every slot the actions read or set, and what the bot's last message offered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from cers.conversation.channels import is_staff_channel
from cers.conversation.events import (
    BOT,
    SLOT,
    USER,
    StoredEvent,
    after_user_message,
    bot_messages,
    current_session,
    read_events,
)
from cers.conversation.names import (  # noqa: F401 (the names the actions use, re-exported)
    AFFIRM_INTENT,
    ASK_CAPABILITIES_INTENT,
    ASK_FOR_PERSON_INTENT,
    ASKS,
    BLOCKED,
    BOT_CHALLENGE_INTENT,
    CONTINUE_WALKTHROUGH_INTENT,
    DENY_INTENT,
    GOODBYE_INTENT,
    GREET_INTENT,
    HANDOFF_ID,
    LOCKED,
    NEXT_STEP_INTENT,
    NONE_OF_THESE_INTENT,
    NOT_FOUND,
    OFFERS_CONTACT,
    OFFERS_GUIDE,
    PREVIOUS_STEP_INTENT,
    REPEAT_STEP_INTENT,
    RESTART_WALKTHROUGH_INTENT,
    RESUMES_GUIDE,
    SHOW_ALL_STEPS_INTENT,
    SHOWN,
    SHOWS_STEP,
    SLOT_CALLBACK_CONTACT,
    SLOT_CALLBACK_NAME,
    SLOT_CALLBACK_QUESTION,
    SLOT_CONTACT_REQUEST,
    SLOT_GUIDE_ID,
    SLOT_GUIDE_OPEN,
    SLOT_GUIDE_PAUSED,
    SLOT_GUIDE_STEP,
    SLOT_LANGUAGE,
    SLOT_STATUS_CERS_ID,
    SLOT_STATUS_CHOICES,
    SLOT_STATUS_FAILURES,
    SLOT_STATUS_OPEN,
    SLOT_STATUS_ZIP,
    STAFF_NAME,
    STATUS_FACILITY_ID,
    STATUS_FACILITY_NAME,
    STATUS_OUTCOME,
    STOP_INTENT,
    STUCK_INTENT,
    THANK_YOU_INTENT,
    UNAVAILABLE,
)
from cers.guides.engine import State as GuideProgress
from cers.language import ENGLISH, LANGUAGES
from cers.topics import topic_answered_by

# ---------------------------------------------------------------- slots (declared in domain.yml)
# The names live in the conversation's vocabulary (cers/conversation/names.py); what they mean here:
# - guide_*: the walkthrough in progress. guide_open shapes the dialogue (rules): while a guide is
#   open, any other answer is followed by an offer to continue it.
# - status_*: the facility status check in progress. status_open shapes the dialogue: while the bot
#   waits for a CERS ID / ZIP (public) or which facility (staff), "stop" and unclear messages go to it.
# - contact_request, callback_*: reaching the office's staff (actions/handoff.py, data/rules/contact.yml).
#   contact_request is set to "handoff" or "callback" when the person accepts an offer; it starts the
#   handoff or the callback request's form (callback_form: its three slots) and is cleared when done.

CALLBACK_SLOTS = (SLOT_CALLBACK_NAME, SLOT_CALLBACK_CONTACT, SLOT_CALLBACK_QUESTION)


def reply_language(tracker: Tracker) -> str:
    """The conversation's language ("en" or "es"; set from each message clear enough to tell):
    every text an action composes is in it."""
    language = tracker.get_slot(SLOT_LANGUAGE)
    return language if language in LANGUAGES else ENGLISH


# ---------------------------------------------------------------- offers, recorded on the message

# What a message of ours offers is written into its metadata when it is sent (dispatcher
# utter_message(..., **offer.metadata())), so the next turn reads it from the bot's last message
# instead of guessing from which actions ran. A topic's answer (a domain response) offers the
# guide its entry in cers/topics.yml names: Rasa records the response's name on the message.
STATUS_QUESTION = "status"


@dataclass(frozen=True)
class Offer:
    """What one bot message offered; empty when it offered nothing."""

    guide: Optional[str] = None
    resume: Optional[str] = None
    step: Optional[str] = None
    asks: Optional[str] = None
    contact: Optional[str] = None

    def metadata(self) -> Dict[Text, Any]:
        fields = {
            OFFERS_GUIDE: self.guide,
            RESUMES_GUIDE: self.resume,
            SHOWS_STEP: self.step,
            ASKS: self.asks,
            OFFERS_CONTACT: self.contact,
        }
        return {key: value for key, value in fields.items() if value}

    @classmethod
    def of_message(cls, event: StoredEvent) -> "Offer":
        """The offer recorded on a bot event: ours in its metadata, or its topic's guide."""
        metadata = event.metadata
        offer = cls(
            metadata.get(OFFERS_GUIDE),
            metadata.get(RESUMES_GUIDE),
            metadata.get(SHOWS_STEP),
            metadata.get(ASKS),
            metadata.get(OFFERS_CONTACT),
        )
        if offer == cls():
            topic = topic_answered_by(metadata.get("utter_action"))
            return cls(guide=topic.guide) if topic else offer
        return offer


def _events(tracker: Tracker) -> List[StoredEvent]:
    return read_events(tracker.events or [])


def _session_events(tracker: Tracker) -> Sequence[StoredEvent]:
    """The events of the current session (after the latest session_started)."""
    return current_session(_events(tracker))


def bot_messages_before_latest(tracker: Tracker) -> List[StoredEvent]:
    """The bot's messages between the person's last two messages (what the latest one answers)."""
    return bot_messages(after_user_message(_events(tracker), 2))


def previous_offer(tracker: Tracker) -> Offer:
    """What the bot's last message before the person's latest one offered (what "yes" answers)."""
    messages = bot_messages_before_latest(tracker)
    return Offer.of_message(messages[-1]) if messages else Offer()


def offer_this_turn(tracker: Tracker) -> Offer:
    """What the answer given so far in this turn offered (an action that follows it reads this)."""
    messages = bot_messages(after_user_message(_events(tracker), 1))
    return Offer.of_message(messages[-1]) if messages else Offer()


def guide_offered_earlier(tracker: Tracker) -> Optional[str]:
    """The guide the latest topic answer of this session offered ("walk me through it" said later).

    Read from the answers' own messages rather than a slot: a topic answer is a domain response
    sent by a rule, and a response cannot set a slot (an action per answer would cost each FAQ
    answer a call to the action server). Each message names its response, and the topic table
    names the response's guide (Offer.of_message)."""
    for event in reversed(bot_messages(_session_events(tracker))):
        guide = Offer.of_message(event).guide
        if guide:
            return guide
    return None


# ---------------------------------------------------------------- the walkthrough in progress


def guide_progress(tracker: Tracker) -> GuideProgress:
    step = tracker.get_slot(SLOT_GUIDE_STEP)
    try:
        index = int(float(step)) if step is not None else 0
    except (TypeError, ValueError):
        index = 0
    return GuideProgress(
        guide_id=tracker.get_slot(SLOT_GUIDE_ID) or None,
        step=index,
        open=bool(tracker.get_slot(SLOT_GUIDE_OPEN)),
        paused=bool(tracker.get_slot(SLOT_GUIDE_PAUSED)),
    )


def guide_events(progress: GuideProgress) -> List[Dict[Text, Any]]:
    return [
        SlotSet(SLOT_GUIDE_ID, progress.guide_id),
        SlotSet(SLOT_GUIDE_STEP, float(progress.step)),
        SlotSet(SLOT_GUIDE_OPEN, progress.open),
        SlotSet(SLOT_GUIDE_PAUSED, progress.paused),
    ]


def pause_guide_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """Something else (a status check) starts while a guide is open: pause it ("continue" resumes it)."""
    if tracker.get_slot(SLOT_GUIDE_OPEN) and tracker.get_slot(SLOT_GUIDE_ID):
        return [SlotSet(SLOT_GUIDE_OPEN, False), SlotSet(SLOT_GUIDE_PAUSED, True)]
    return []


def guide_paused(tracker: Tracker) -> bool:
    return bool(tracker.get_slot(SLOT_GUIDE_PAUSED) and tracker.get_slot(SLOT_GUIDE_ID))


# ---------------------------------------------------------------- the status check in progress


@dataclass(frozen=True)
class StatusCheck:
    open: bool = False
    cers_id: Optional[str] = None
    zip_code: Optional[str] = None
    failures: int = 0
    choices: tuple = ()

    @classmethod
    def of(cls, tracker: Tracker) -> "StatusCheck":
        try:
            failures = int(float(tracker.get_slot(SLOT_STATUS_FAILURES) or 0))
        except (TypeError, ValueError):
            failures = 0
        return cls(
            bool(tracker.get_slot(SLOT_STATUS_OPEN)),
            tracker.get_slot(SLOT_STATUS_CERS_ID) or None,
            tracker.get_slot(SLOT_STATUS_ZIP) or None,
            failures,
            tuple(tracker.get_slot(SLOT_STATUS_CHOICES) or ()),
        )


def status_waiting(
    cers_id: Optional[str] = None, zip_code: Optional[str] = None, choices: Optional[list] = None
) -> List[Dict[Text, Any]]:
    """The check waits for an answer, keeping what it has."""
    return [
        SlotSet(SLOT_STATUS_OPEN, True),
        SlotSet(SLOT_STATUS_CERS_ID, cers_id),
        SlotSet(SLOT_STATUS_ZIP, zip_code),
        SlotSet(SLOT_STATUS_CHOICES, choices),
    ]


def status_closed() -> List[Dict[Text, Any]]:
    """The check is over (answered, stopped, dropped): nothing pending; only the failure count stays."""
    return [
        SlotSet(SLOT_STATUS_OPEN, False),
        SlotSet(SLOT_STATUS_CERS_ID, None),
        SlotSet(SLOT_STATUS_ZIP, None),
        SlotSet(SLOT_STATUS_CHOICES, None),
    ]


def status_failed(failures: int) -> List[Dict[Text, Any]]:
    return [SlotSet(SLOT_STATUS_FAILURES, float(failures))]


# ---------------------------------------------------------------- the latest message


def is_staff(tracker: Tracker) -> bool:
    # Only the channel the server authenticated decides this, never the message or its metadata.
    return is_staff_channel(tracker.get_latest_input_channel())


def intent_of(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def text_of(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


# ---------------------------------------------------------------- reaching the office's staff

# Intents that say how the conversation goes, not what the person needs (a handoff's question is
# the latest message that is none of these).
NOT_A_QUESTION = frozenset(
    {
        ASK_FOR_PERSON_INTENT,
        AFFIRM_INTENT,
        DENY_INTENT,
        GREET_INTENT,
        GOODBYE_INTENT,
        THANK_YOU_INTENT,
        NONE_OF_THESE_INTENT,
        STUCK_INTENT,
        STOP_INTENT,
        NEXT_STEP_INTENT,
        PREVIOUS_STEP_INTENT,
        REPEAT_STEP_INTENT,
        RESTART_WALKTHROUGH_INTENT,
        SHOW_ALL_STEPS_INTENT,
        CONTINUE_WALKTHROUGH_INTENT,
        BOT_CHALLENGE_INTENT,
        ASK_CAPABILITIES_INTENT,
    }
)


def contact_request_events(kind: Optional[str]) -> List[Dict[Text, Any]]:
    """contact_request set to what the person accepted ("handoff", "callback"), or cleared (None)."""
    return [SlotSet(SLOT_CONTACT_REQUEST, kind)]


def callback_cleared() -> List[Dict[Text, Any]]:
    """The callback request is over (stored or stopped): its answers and contact_request cleared."""
    return [SlotSet(name, None) for name in CALLBACK_SLOTS] + contact_request_events(None)


def callback_answers(tracker: Tracker) -> Dict[str, Optional[str]]:
    return {name: tracker.get_slot(name) for name in CALLBACK_SLOTS}


def times_said(tracker: Tracker, intent: str) -> int:
    """How many of the person's messages in this session had this intent (the latest one included)."""
    return sum(1 for event in _session_events(tracker) if event.kind == USER and event.intent == intent)


def times_stuck_in_guide(tracker: Tracker) -> int:
    """How many times the person said "I'm stuck" in the walkthrough now open (the latest one included)."""
    guide = tracker.get_slot(SLOT_GUIDE_ID)
    count = 0
    for event in reversed(_session_events(tracker)):
        if event.kind == SLOT and event.name == SLOT_GUIDE_ID and event.value != guide:
            break  # before this, another guide (or none) was open
        if event.kind == USER and event.intent == STUCK_INTENT:
            count += 1
    return count


def verified_facility(tracker: Tracker) -> Optional[tuple]:
    """(name, CERS ID) of the latest facility whose status was shown in this session (the person gave
    its CERS ID and ZIP: public channels show nothing else); None if there is none."""
    for event in reversed(bot_messages(_session_events(tracker))):
        metadata = event.metadata
        if metadata.get(STATUS_OUTCOME) == SHOWN and metadata.get(STATUS_FACILITY_ID):
            return str(metadata.get(STATUS_FACILITY_NAME) or ""), str(metadata[STATUS_FACILITY_ID])
    return None


def recent_turns(tracker: Tracker) -> List[tuple]:
    """The conversation so far as ("person" | "bot", text), button payloads left out."""
    speakers = {USER: "person", BOT: "bot"}
    return [
        (speakers[event.kind], event.text.strip())
        for event in _session_events(tracker)
        if event.kind in speakers and event.text.strip() and not event.is_payload
    ]


def latest_question(tracker: Tracker) -> Optional[str]:
    """The person's latest message that asks something (not "yes", "talk to a person", "I'm stuck", a button)."""
    for event in reversed(_session_events(tracker)):
        if event.kind == USER and event.text.strip() and not event.is_payload and event.intent not in NOT_A_QUESTION:
            return event.text.strip()
    return None


def input_channel(tracker: Tracker) -> Optional[str]:
    return tracker.get_latest_input_channel()
