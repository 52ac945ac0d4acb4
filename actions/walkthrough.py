"""Rasa actions for step-by-step walkthroughs: read the tracker, run the engine in cers/guides, reply and set the guide slots."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from cers.guides.engine import CAPABILITIES, Reply, State, Walkthrough
from cers.guides.loader import Guide, load_guides
from cers.guides.matching import find_guide, guide_for_faq, match_guide

# A broken guide file should stop the action server at start-up, naming the file, rather than
# fail in the middle of someone's conversation.
load_guides()

# The names the domain uses; keep them in step with domain.yml.
SLOT_GUIDE_ID = "guide_id"
SLOT_GUIDE_STEP = "guide_step"
SLOT_GUIDE_OPEN = "guide_open"
SLOT_GUIDE_PAUSED = "guide_paused"
ENTITY_GUIDE = "guide"

INTENT_COMMANDS = {
    "next_step": "next",
    "previous_step": "back",
    "repeat_step": "repeat",
    "stop": "stop",
    "restart_walkthrough": "restart",
    "stuck": "stuck",
    "show_all_steps": "all_steps",
    "continue_walkthrough": "resume",
}

# A custom action's message can offer a guide too (the facility status reply offers
# update_business_info): dispatcher.utter_message(..., offers_guide="<guide id>") puts the id in
# the bot event's metadata, and "yes" / "ok" / "walk me through it" then start that guide.
OFFERS_GUIDE = "offers_guide"
GUIDE_OFFER_PREFIX = "guide_offer:"

# Actions of ours that leave a guide where "yes" or "ok" means "go on".
WALKTHROUGH_ACTIONS = ("action_start_walkthrough", "action_walkthrough_command", "action_affirm")


def state_from_tracker(tracker: Tracker) -> State:
    guide_id = tracker.get_slot(SLOT_GUIDE_ID)
    step = tracker.get_slot(SLOT_GUIDE_STEP)
    try:
        index = int(float(step)) if step is not None else 0
    except (TypeError, ValueError):
        index = 0
    return State(
        guide_id=guide_id or None,
        step=index,
        open=bool(tracker.get_slot(SLOT_GUIDE_OPEN)),
        paused=bool(tracker.get_slot(SLOT_GUIDE_PAUSED)),
    )


def state_events(state: State) -> List[Dict[Text, Any]]:
    return [
        SlotSet(SLOT_GUIDE_ID, state.guide_id),
        SlotSet(SLOT_GUIDE_STEP, float(state.step)),
        SlotSet(SLOT_GUIDE_OPEN, state.open),
        SlotSet(SLOT_GUIDE_PAUSED, state.paused),
    ]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> List[Dict[Text, Any]]:
    """Utter each message; the quick replies go with the last one. Returns the slot events."""
    for position, message in enumerate(reply.messages):
        last = position == len(reply.messages) - 1
        buttons = [b.as_dict() for b in reply.buttons] if last and reply.buttons else None
        if buttons:
            dispatcher.utter_message(text=message, buttons=buttons)
        else:
            dispatcher.utter_message(text=message)
    return state_events(reply.state)


def _bot_actions(events: List[Dict[Text, Any]]) -> List[Tuple[Text, bool]]:
    """(action or response name, whether it said something), oldest first.

    Rasa logs an action before the events it returned, so a "bot" event belongs to the action just
    before it. A retrieval answer shows as "utter_faq" with its full name in the bot event's metadata.
    """
    entries: List[List[Any]] = []
    for event in events:
        if event.get("event") == "action" and event.get("name") not in (None, "action_listen"):
            entries.append([event["name"], False])
        elif event.get("event") == "bot":
            if entries:
                entries[-1][1] = True
            response = (event.get("metadata") or {}).get("utter_action")
            if response and (not entries or entries[-1][0] != response):
                entries.append([response, True])
            offered = (event.get("metadata") or {}).get(OFFERS_GUIDE)
            if offered:
                entries.append([GUIDE_OFFER_PREFIX + str(offered), True])
    return [(name, spoke) for name, spoke in entries]


def last_bot_turn(tracker: Tracker) -> List[Tuple[Text, bool]]:
    """What the bot did in its previous turn (between the last two user messages), oldest first."""
    events = tracker.events or []
    user_positions = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not user_positions:
        return []
    end = user_positions[-1]
    start = user_positions[-2] + 1 if len(user_positions) > 1 else 0
    return _bot_actions(events[start:end])


def this_turn(tracker: Tracker) -> List[Tuple[Text, bool]]:
    """What the bot has done since the latest user message (the answer an action follows), oldest first."""
    events = tracker.events or []
    user_positions = [i for i, e in enumerate(events) if e.get("event") == "user"]
    start = user_positions[-1] + 1 if user_positions else 0
    return _bot_actions(events[start:])


def all_bot_actions(tracker: Tracker) -> List[Tuple[Text, bool]]:
    return _bot_actions(tracker.events or [])


def offered_guide(name: Text, guides: Dict[str, Guide]) -> Optional[Guide]:
    """The guide a bot action offered: an FAQ answer's guide, or the one an action's message names."""
    if name.startswith(GUIDE_OFFER_PREFIX):
        return guides.get(name[len(GUIDE_OFFER_PREFIX):])
    return guide_for_faq(name, guides) if name.startswith("utter_") else None


def faq_guide(actions: List[Tuple[Text, bool]], guides: Dict[str, Guide]) -> Optional[Guide]:
    """The guide offered by the latest FAQ answer (an utter_ response) among these bot actions."""
    for name, _ in reversed(actions):
        guide = offered_guide(name, guides)
        if guide:
            return guide
    return None


def offered_instead(turn: List[Tuple[Text, bool]], state: State, guides: Dict[str, Guide]) -> Optional[Guide]:
    """A guide that an FAQ answer in this bot turn offered, other than the paused one.

    While a guide is open, an answer that offers another guide ("Want me to walk you through it
    step by step?", with a "Yes, step by step" button) is followed by "Or ... say continue" for
    the paused one: "yes" (or "ok") then means the guide just offered.
    """
    if state.open:
        return None
    offered = faq_guide(turn, guides)
    if offered is None or (state.active and offered.id == state.guide_id):
        return None
    return offered


def guide_from_message(tracker: Tracker, guides: Dict[str, Guide]) -> Optional[Guide]:
    """The guide the person named: the `guide` entity (button payloads) first, then their words."""
    for value in tracker.get_latest_entity_values(ENTITY_GUIDE):
        guide = find_guide(value, guides)
        if guide:
            return guide
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return None  # a payload without a guide names none; its words are intent names
    return match_guide(text, guides)


class ActionStartWalkthrough(Action):
    """Start (or switch to) a guide at step 1; ask which one when the message does not say."""

    def name(self) -> Text:
        return "action_start_walkthrough"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        engine = Walkthrough()
        state = state_from_tracker(tracker)
        guide = guide_from_message(tracker, engine.guides) or faq_guide(last_bot_turn(tracker), engine.guides)
        if guide is None and state.active:
            # "walk me through it" in the middle of a guide: that guide, where they were.
            return send(dispatcher, engine.handle("resume", state))
        if guide is None:
            guide = faq_guide(all_bot_actions(tracker), engine.guides)
        return send(dispatcher, engine.start(guide.id if guide else None, state))


class ActionWalkthroughCommand(Action):
    """next, back, repeat, stop, start over, I'm stuck, all steps, continue."""

    def name(self) -> Text:
        return "action_walkthrough_command"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        engine = Walkthrough()
        state = state_from_tracker(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        command = INTENT_COMMANDS.get(intent or "", "repeat")
        turn = last_bot_turn(tracker)
        if state.active and command == "next":
            offered = offered_instead(turn, state, engine.guides)
            if offered:
                # "ok" to an FAQ answer's offer of another guide, while one is paused: that guide.
                # ("continue" still resumes the paused one, as the bot said.)
                return send(dispatcher, engine.start(offered.id, state))
        if not state.active:
            offered = faq_guide(turn, engine.guides)
            if offered and command in ("next", "resume"):
                # "ok" / "let's go" right after an FAQ answer that offered the guide.
                return send(dispatcher, engine.start(offered.id, state))
            if command == "all_steps":
                offered = offered or faq_guide(all_bot_actions(tracker), engine.guides)
                return send(dispatcher, engine.handle(command, state, offered.id if offered else None))
        return send(dispatcher, engine.handle(command, state))


class ActionAffirm(Action):
    """"Yes": start the guide an FAQ answer offered, resume a paused one, go on with an open one, or just OK."""

    def name(self) -> Text:
        return "action_affirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        engine = Walkthrough()
        state = state_from_tracker(tracker)
        # The latest offer in the bot's last turn is what "yes" answers; an FAQ answer's offer of
        # another guide comes first, because then the offer to continue was worded "or say continue".
        turn = last_bot_turn(tracker)
        for name, spoke in reversed(turn):
            if name == "action_offer_continue" and spoke and state.paused:
                offered = offered_instead(turn, state, engine.guides)
                if offered:
                    return send(dispatcher, engine.start(offered.id, state))
                return send(dispatcher, engine.handle("resume", state))
            if name in WALKTHROUGH_ACTIONS and spoke and state.open:
                # "yes" right after a step reads as "done, next".
                return send(dispatcher, engine.handle("next", state))
            guide = offered_guide(name, engine.guides)
            if guide:
                return send(dispatcher, engine.start(guide.id, state))
        dispatcher.utter_message(text=f"OK. {CAPABILITIES}")
        return []


class ActionOfferContinue(Action):
    """After an answer to something else while a guide is open: pause it and offer to continue."""

    def name(self) -> Text:
        return "action_offer_continue"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        state = state_from_tracker(tracker)
        if not (state.open and state.guide_id):
            return []
        engine = Walkthrough()
        # The answer just given may itself offer a guide: then "yes" is for that one.
        offered = faq_guide(this_turn(tracker), engine.guides)
        reply = engine.handle("pause", state, offered.id if offered else None)
        if not reply.messages:
            return []
        return send(dispatcher, reply)
