"""Rasa actions for step-by-step walkthroughs: read the tracker (actions/state.py), run the engine in cers/guides, reply."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import offer_after_stuck
from actions.reminders import continue_signup
from actions.state import (
    SLOT_CONTACT_REQUEST,
    Offer,
    contact_request_events,
    guide_events,
    guide_offered_earlier,
    guide_progress,
    intent_of,
    offer_this_turn,
    previous_offer,
    reply_language,
    text_of,
)
from cers.conversation.names import (
    AFFIRM_ACTION,
    CONTINUE_WALKTHROUGH_INTENT,
    GUIDE_ENTITY,
    NEXT_STEP_INTENT,
    OFFER_CONTINUE_ACTION,
    PREVIOUS_STEP_INTENT,
    REPEAT_STEP_INTENT,
    RESTART_WALKTHROUGH_INTENT,
    SHOW_ALL_STEPS_INTENT,
    START_WALKTHROUGH_ACTION,
    STOP_INTENT,
    STUCK_INTENT,
    WALKTHROUGH_COMMAND_ACTION,
)
from cers.guides.engine import Reply, Walkthrough, capabilities
from cers.guides.loader import GUIDES_ROOT, Guide, load_guides
from cers.guides.matching import find_guide, match_guide
from cers.language import LANGUAGES
from cers.reminders.signup import Answer
from cers.templates import render

# A broken guide file should stop the action server at start-up, naming the file, rather than
# fail in the middle of someone's conversation: every language's guides are loaded now.
for _language in LANGUAGES:
    load_guides(GUIDES_ROOT / _language)

# Each walkthrough intent's command of the engine (cers/guides/engine.py, COMMANDS).
INTENT_COMMANDS = {
    NEXT_STEP_INTENT: "next",
    PREVIOUS_STEP_INTENT: "back",
    REPEAT_STEP_INTENT: "repeat",
    STOP_INTENT: "stop",
    RESTART_WALKTHROUGH_INTENT: "restart",
    STUCK_INTENT: "stuck",
    SHOW_ALL_STEPS_INTENT: "all_steps",
    CONTINUE_WALKTHROUGH_INTENT: "resume",
}


def send(dispatcher: CollectingDispatcher, reply: Reply, offer: Optional[Offer] = None) -> List[Dict[Text, Any]]:
    """Utter each message; the quick replies and what the reply offers go with the last one. Returns the slot events."""
    if offer is None:
        offer = Offer(step=reply.state.guide_id if reply.state.open else None, guide=reply.offers_guide)
    for position, message in enumerate(reply.messages):
        last = position == len(reply.messages) - 1
        extra: Dict[Text, Any] = {}
        if last:
            extra = offer.metadata()
            if reply.buttons:
                extra["buttons"] = [b.as_dict() for b in reply.buttons]
        dispatcher.utter_message(text=message, **extra)
    return guide_events(reply.state)


def guide_from_message(tracker: Tracker, guides: Dict[str, Guide]) -> Optional[Guide]:
    """The guide the person named: the `guide` entity (button payloads) first, then their words."""
    for value in tracker.get_latest_entity_values(GUIDE_ENTITY):
        guide = find_guide(value, guides)
        if guide:
            return guide
    text = text_of(tracker)
    if text.startswith("/"):
        return None  # a payload without a guide names none; its words are intent names
    return match_guide(text, guides)


def run_command(dispatcher: CollectingDispatcher, tracker: Tracker, command: str) -> List[Dict[Text, Any]]:
    """A walkthrough command (next, back, stop, ...), reading what the bot offered last."""
    engine = Walkthrough(language=reply_language(tracker))
    progress = guide_progress(tracker)
    offered = previous_offer(tracker).guide
    if offered not in engine.guides or offered == progress.guide_id:
        offered = None
    if progress.active and not progress.open and command == "next" and offered:
        # "ok" to another guide offered while one is paused: that guide ("continue" resumes the other).
        return send(dispatcher, engine.start(offered, progress))
    if not progress.active:
        if offered and command in ("next", "resume"):
            # "ok" / "let's go" right after an answer that offered the guide.
            return send(dispatcher, engine.start(offered, progress))
        if command == "all_steps":
            return send(dispatcher, engine.handle(command, progress, offered or guide_offered_earlier(tracker)))
    return send(dispatcher, engine.handle(command, progress))


class ActionStartWalkthrough(Action):
    """Start (or switch to) a guide at step 1; ask which one when the message does not say."""

    def name(self) -> Text:
        return START_WALKTHROUGH_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        engine = Walkthrough(language=reply_language(tracker))
        progress = guide_progress(tracker)
        guide = guide_from_message(tracker, engine.guides)
        guide_id = guide.id if guide else previous_offer(tracker).guide
        if guide_id is None and progress.active:
            # "walk me through it" in the middle of a guide: that guide, where they were.
            return send(dispatcher, engine.handle("resume", progress))
        return send(dispatcher, engine.start(guide_id or guide_offered_earlier(tracker), progress))


class ActionWalkthroughCommand(Action):
    """next, back, repeat, stop, start over, I'm stuck, all steps, continue."""

    def name(self) -> Text:
        return WALKTHROUGH_COMMAND_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        command = INTENT_COMMANDS.get(intent_of(tracker) or "", "repeat")
        events = run_command(dispatcher, tracker, command)
        if command == "stuck" and guide_progress(tracker).active:
            # "I'm stuck" a second time in this walkthrough: offer to reach the office's staff.
            events += offer_after_stuck(dispatcher, tracker)
        return events


class ActionAffirm(Action):
    """ "Yes": start the guide just offered, resume a paused one, go on with an open one, or just OK."""

    def name(self) -> Text:
        return AFFIRM_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        signup = await continue_signup(dispatcher, tracker, Answer.YES)
        if signup is not None:
            return signup
        offer = previous_offer(tracker)
        if offer.contact:
            # "yes" to a chat with staff or a callback request: data/rules/contact.yml goes on from the slot.
            return contact_request_events(offer.contact)
        events = self.answer(dispatcher, tracker, offer)
        # A contact_request left over (a callback request never finished) must not start anything now.
        return events + (contact_request_events(None) if tracker.get_slot(SLOT_CONTACT_REQUEST) else [])

    @staticmethod
    def answer(dispatcher: CollectingDispatcher, tracker: Tracker, offer: Offer) -> List[Dict[Text, Any]]:
        engine = Walkthrough(language=reply_language(tracker))
        progress = guide_progress(tracker)
        if offer.resume and progress.paused:
            # An answer offered another guide while this one was paused: "yes" is for the one offered.
            if offer.guide in engine.guides and offer.guide != progress.guide_id:
                return send(dispatcher, engine.start(offer.guide, progress))
            return send(dispatcher, engine.handle("resume", progress))
        if offer.step and progress.open:
            # "yes" right after a step reads as "done, next".
            return send(dispatcher, engine.handle("next", progress))
        if offer.guide in engine.guides:
            return send(dispatcher, engine.start(offer.guide, progress))
        language = reply_language(tracker)
        text = render("walkthrough", "ok_capabilities", language=language, capabilities=capabilities(language))
        dispatcher.utter_message(text=text)
        return []


class ActionOfferContinue(Action):
    """After an answer to something else while a guide is open: pause it and offer to continue."""

    def name(self) -> Text:
        return OFFER_CONTINUE_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        progress = guide_progress(tracker)
        if not (progress.open and progress.guide_id):
            return []
        engine = Walkthrough(language=reply_language(tracker))
        # The answer just given may itself offer a guide: then "yes" is for that one.
        offered = offer_this_turn(tracker).guide
        offered = offered if offered in engine.guides and offered != progress.guide_id else None
        reply = engine.handle("pause", progress, offered)
        if not reply.messages:
            return []
        return send(dispatcher, reply, Offer(guide=offered, resume=progress.guide_id))
