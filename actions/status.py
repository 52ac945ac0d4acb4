"""Facility status in the chat: a public check by CERS ID and site ZIP, and staff look-ups and lists (thin Rasa actions over store.py and deadlines.py)."""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from cers.deadlines import Records
from cers.roles import is_staff_channel
from cers.text import find_numbers, looks_like_a_try, mentions_zip, parse_choice, parse_days, staff_query
from cers.status_reply import list_reply, status_reply
from cers.settings import Office, load_office, today
from cers.facilities.store import FacilityStore, Match, StoreUnavailable
from actions.walkthrough import (
    OFFERS_GUIDE,
    SLOT_GUIDE_ID,
    SLOT_GUIDE_OPEN,
    SLOT_GUIDE_PAUSED,
    ActionWalkthroughCommand,
    last_bot_turn,
)

logger = logging.getLogger(__name__)

# The names the domain uses; keep them in step with domain.yml ("Facility status" sections).
SLOT_OPEN = "status_open"  # waiting for a CERS ID / ZIP (public) or a facility (staff)
SLOT_CERS_ID = "status_cers_id"  # a CERS ID given but not yet checked with a ZIP
SLOT_ZIP = "status_zip"
SLOT_FAILURES = "status_failures"  # failed tries in this conversation (public)
SLOT_CHOICES = "status_choices"  # staff: the CERS IDs of the numbered list last shown
ACTION_STATUS = "action_facility_status"

MAX_FAILURES = 3
# The answer must come within 3 seconds of the message; NLU and the round trips need some of
# that, so a store call gets 2 (the store itself gives up after 1.5 s: this is the backstop).
STORE_DEADLINE_SECONDS = 2.0
CHOICE_LIMIT = 5  # staff: the most facilities in a "which one?" list
LIST_LIMIT = 10  # staff: facilities shown in the overdue / due-soon lists
UPDATE_GUIDE = "update_business_info"

# Obviously made up, and no demo facility's: a person must not mistake an example for a real ID.
EXAMPLE_ID = "12345678"
EXAMPLE_ZIP = "12345"
ID_HELP = f"It has 8 or 9 digits, for example {EXAMPLE_ID}"
ZIP_HELP = f"5 digits, for example {EXAMPLE_ZIP}"
OFFER_BUTTONS = [{"title": "Yes, step by step", "payload": "/affirm"},
                 {"title": "No, thanks", "payload": "/deny"}]

T = TypeVar("T")


# ---------------------------------------------------------------- reading what people type

# ---------------------------------------------------------------- the store, off the event loop

class LookupFailed(Exception):
    """The database is down, slow or broken: say so and give the office's phone number."""


_store: Optional[FacilityStore] = None
_store_lock = threading.Lock()
# The store is synchronous: its calls run on these threads so the action server keeps serving.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="facility-store")


def _warm(store: FacilityStore) -> None:
    try:
        store.warm_search_index()
    except Exception as error:  # a database that is down now may be up for the next lookup
        logger.warning("could not build the facility search index yet: %s", error)


def facility_store() -> FacilityStore:
    """The one FacilityStore of this action-server process, made at first use (DATABASE_URL).

    Making it also starts building the fuzzy name index in the background, so the first staff
    search does not wait for it."""
    global _store
    with _store_lock:
        if _store is None:
            _store = FacilityStore()
            _executor.submit(_warm, _store)
        return _store


def _make_store_quietly() -> None:
    try:
        facility_store()
    except Exception as error:  # e.g. a malformed DATABASE_URL: the lookup itself will say so
        logger.warning("could not open the facility database yet: %s", error)


def warm_up_soon() -> None:
    """At the first status question, open the store and build its index in the background,
    so the lookup that follows (once the ID and ZIP are in) finds them ready."""
    if _store is None:
        _executor.submit(_make_store_quietly)


async def ask_store(question: Callable[[FacilityStore], T]) -> T:
    """question(store) on a worker thread, within STORE_DEADLINE_SECONDS; LookupFailed otherwise."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(
            loop.run_in_executor(_executor, lambda: question(facility_store())), STORE_DEADLINE_SECONDS)
    except asyncio.TimeoutError:
        logger.warning("facility database: no answer within %s s", STORE_DEADLINE_SECONDS)
        raise LookupFailed("timeout") from None
    except StoreUnavailable as error:
        raise LookupFailed(str(error)) from error
    except Exception as error:  # nothing about the database may crash the conversation
        logger.exception("facility database lookup failed")
        raise LookupFailed(str(error)) from error


# ---------------------------------------------------------------- tracker helpers

def is_staff(tracker: Tracker) -> bool:
    # Only the channel the server authenticated decides this, never the message or metadata.
    return is_staff_channel(tracker.get_latest_input_channel())


def intent_of(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def text_of(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def asked_last_turn(tracker: Tracker) -> bool:
    """Whether the bot's previous turn was this check asking for something (and not another answer since)."""
    turn = last_bot_turn(tracker)
    return bool(turn) and turn[-1] == (ACTION_STATUS, True)


def failures_of(tracker: Tracker) -> int:
    try:
        return int(float(tracker.get_slot(SLOT_FAILURES) or 0))
    except (TypeError, ValueError):
        return 0


def close_events() -> List[Dict[Text, Any]]:
    """The check is over (answered, stopped, dropped): nothing pending, nothing kept but the failure count."""
    return [SlotSet(SLOT_OPEN, False), SlotSet(SLOT_CERS_ID, None), SlotSet(SLOT_ZIP, None),
            SlotSet(SLOT_CHOICES, None)]


def pause_guide_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """A status check started in the middle of a walkthrough pauses it ("continue" picks it up again)."""
    if tracker.get_slot(SLOT_GUIDE_OPEN) and tracker.get_slot(SLOT_GUIDE_ID):
        return [SlotSet(SLOT_GUIDE_OPEN, False), SlotSet(SLOT_GUIDE_PAUSED, True)]
    return []


def unavailable_text(office: Office) -> str:
    return (f"Sorry, I can't look up facility records right now. Please try again later, "
            f"or call {office.name} at {office.phone}.")


# ---------------------------------------------------------------- the public check (CERS ID + ZIP)

def first_prompt() -> str:
    return ("I can check that. I need the facility's CERS ID and the ZIP code of its site.\n"
            f"What's the CERS ID? {ID_HELP}. (Say \"stop\" to cancel.)")


def ask_zip_text() -> str:
    return f"Thanks. Now the ZIP code of the facility's site ({ZIP_HELP})?"


def ask_id_text() -> str:
    return f"Thanks. Now the facility's CERS ID? {ID_HELP}."


def bad_id_text() -> str:
    return (f"That doesn't look like a CERS ID: a CERS ID has 8 or 9 digits and doesn't start with 0, "
            f"for example {EXAMPLE_ID}. Please send it again.")


def bad_zip_text() -> str:
    return (f"That doesn't look like a ZIP code: it has {ZIP_HELP}. "
            "Please send the ZIP code of the facility's site again.")


# The same words whether the ID is unknown or the ZIP is wrong: nobody can probe which IDs exist.
NOT_FOUND = "I couldn't find a facility with that CERS ID and ZIP code."


def not_found_text() -> str:
    return f"{NOT_FOUND} Please check both and send them again, for example: {EXAMPLE_ID} {EXAMPLE_ZIP}"


def too_many_text(office: Office) -> str:
    return (f"That's {MAX_FAILURES} tries that didn't work, so I'll stop here. Please call {office.name} "
            f"at {office.phone}: they can look up your facility's status for you.")


def blocked_text(office: Office) -> str:
    return (f"I can't check a facility's status again in this conversation after {MAX_FAILURES} tries "
            f"that didn't work. Please call {office.name} at {office.phone}: they can look it up for you.")


def still_waiting_text(need: str, office: Office) -> str:
    if need == "zip":
        what = f"the ZIP code of the facility's site ({ZIP_HELP})"
    else:
        what = f"the facility's CERS ID ({ID_HELP[0].lower()}{ID_HELP[1:]})"
    return (f"When you have it, send {what}, or say \"stop\". "
            f"If you can't find it, call {office.name} at {office.phone}.")


def public_status_text(records: Records, office: Office) -> str:
    status = records.evaluate(today(), office.annual_due_month, office.annual_due_day)
    return status_reply(status, staff=False)


async def public_check(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    office = load_office()
    events = pause_guide_events(tracker)
    failures = failures_of(tracker)
    if failures >= MAX_FAILURES:
        dispatcher.utter_message(text=blocked_text(office))
        return events + close_events()

    text = text_of(tracker)
    numbers = find_numbers(text)
    tried = looks_like_a_try(text, numbers)
    if intent_of(tracker) == "nlu_fallback" and not (numbers.found or tried or asked_last_turn(tracker)):
        # Not understood, and not an answer to our question: they have moved on.
        dispatcher.utter_message(response="utter_default")
        return events + close_events()

    cers_id = numbers.cers_id or tracker.get_slot(SLOT_CERS_ID)
    zip_code = numbers.zip or tracker.get_slot(SLOT_ZIP)

    if tried and not (cers_id and zip_code):
        failures += 1
        events.append(SlotSet(SLOT_FAILURES, float(failures)))
        if failures >= MAX_FAILURES:
            dispatcher.utter_message(text=too_many_text(office))
            return events + close_events()
        wrong_zip = bool(cers_id) or mentions_zip(text)
        dispatcher.utter_message(text=bad_zip_text() if wrong_zip else bad_id_text())
        return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CERS_ID, cers_id), SlotSet(SLOT_ZIP, zip_code)]

    if cers_id and zip_code:
        try:
            records = await ask_store(lambda store: store.verify(cers_id, zip_code))
        except LookupFailed:
            dispatcher.utter_message(text=unavailable_text(office))
            return events + close_events()
        if records is None:
            failures += 1
            events.append(SlotSet(SLOT_FAILURES, float(failures)))
            if failures >= MAX_FAILURES:
                dispatcher.utter_message(text=f"{NOT_FOUND} {too_many_text(office)}")
                return events + close_events()
            dispatcher.utter_message(text=not_found_text())
            return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CERS_ID, None), SlotSet(SLOT_ZIP, None)]
        dispatcher.utter_message(text=public_status_text(records, office), buttons=OFFER_BUTTONS,
                                 **{OFFERS_GUIDE: UPDATE_GUIDE})
        return events + close_events()

    if numbers.found:
        dispatcher.utter_message(text=ask_zip_text() if cers_id else ask_id_text())
    elif tracker.get_slot(SLOT_OPEN) and (asked_last_turn(tracker) or intent_of(tracker) == "stuck"):
        # "hmm, hold on", "I can't find it": no answer yet.
        dispatcher.utter_message(text=still_waiting_text("zip" if cers_id else "cers_id", office))
    elif cers_id or zip_code:
        # Asked again after something else: pick up where the check was.
        dispatcher.utter_message(text=ask_zip_text() if cers_id else ask_id_text())
    else:
        dispatcher.utter_message(text=first_prompt())
    return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CERS_ID, cers_id), SlotSet(SLOT_ZIP, zip_code)]


# ---------------------------------------------------------------- staff look-ups

def staff_status_text(records: Records, office: Office) -> str:
    status = records.evaluate(today(), office.annual_due_month, office.annual_due_day)
    return status_reply(status, staff=True)


def _address(match: Match) -> str:
    return ", ".join(part for part in (match.street, match.city) if part)


def choice_text(matches: Sequence[Match], query: str, more: bool) -> str:
    if more:
        lines = [f"More than {len(matches)} facilities match \"{query}\". The best {len(matches)}:"]
    else:
        lines = [f"{len(matches)} facilities match \"{query}\":"]
    lines += [f"{number}. {m.name}, {_address(m)} (CERS ID {m.cers_id})" for number, m in enumerate(matches, 1)]
    lines.append("Reply with the number, or tap one.")
    if more:
        lines.append("Not there? Add a word of the name, the street or the city to narrow it down.")
    return "\n".join(lines)


def clear_winner(matches: Sequence[Match]) -> bool:
    """One match, or a best one well ahead of the next ("401 main st chester")."""
    return len(matches) == 1 or (len(matches) > 1 and matches[0].score - matches[1].score >= 15)


async def staff_lookup(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    office = load_office()
    text = text_of(tracker)
    events = pause_guide_events(tracker)
    choices = tracker.get_slot(SLOT_CHOICES) or []
    choice = parse_choice(text) if choices else None

    async def show(cers_id: str) -> List[Dict[Text, Any]]:
        records = await ask_store(lambda store: store.get(cers_id))
        if records is None:
            dispatcher.utter_message(text=f"No facility has CERS ID {cers_id}.")
        else:
            dispatcher.utter_message(text=staff_status_text(records, office))
        return events + close_events()

    try:
        if choice is not None and 1 <= choice <= len(choices):
            return await show(str(choices[choice - 1]))
        numbers = find_numbers(text)
        if numbers.cers_id:
            return await show(numbers.cers_id)
        query = staff_query(text)
        if not query:
            if intent_of(tracker) == "nlu_fallback" and not asked_last_turn(tracker):
                dispatcher.utter_message(response="utter_default")
                return events + close_events()
            dispatcher.utter_message(text="Which facility? Send its CERS ID, name or street address "
                                          "(typos and partial names are fine).")
            return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CHOICES, None)]
        matches = await ask_store(lambda store: store.search(query, CHOICE_LIMIT + 1))
        if not matches:
            dispatcher.utter_message(text=f"I found no facility matching \"{query}\". Try its CERS ID, "
                                          "another part of its name, or its street address.")
            return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CHOICES, None)]
        if clear_winner(matches):
            return await show(matches[0].cers_id)
        shown = list(matches[:CHOICE_LIMIT])
        buttons = [{"title": f"{n}. {m.name} ({m.city})", "payload": m.cers_id} for n, m in enumerate(shown, 1)]
        dispatcher.utter_message(text=choice_text(shown, query, more=len(matches) > CHOICE_LIMIT), buttons=buttons)
        return events + [SlotSet(SLOT_OPEN, True), SlotSet(SLOT_CHOICES, [m.cers_id for m in shown])]
    except LookupFailed:
        dispatcher.utter_message(text=unavailable_text(office))
        return events + close_events()


# ---------------------------------------------------------------- staff lists

def staff_only_text() -> str:
    return ("Sorry, lists of facilities are only for the office's staff. I can check your own facility's "
            f"status: send its CERS ID and the ZIP code of its site, for example {EXAMPLE_ID} {EXAMPLE_ZIP}.")


# ---------------------------------------------------------------- the actions

class ActionFacilityStatus(Action):
    """"Am I up to date?", a CERS ID or ZIP, a facility's name (staff), or a number from a list."""

    def name(self) -> Text:
        return ACTION_STATUS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        warm_up_soon()
        if is_staff(tracker):
            return await staff_lookup(dispatcher, tracker)
        return await public_check(dispatcher, tracker)


class ActionStopFacilityStatus(Action):
    """"stop" while a status check waits: end the check, or the walkthrough if one started since."""

    def name(self) -> Text:
        return "action_stop_facility_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if tracker.get_slot(SLOT_GUIDE_OPEN) and not asked_last_turn(tracker):
            # A walkthrough opened after the question: "stop" is for the walkthrough.
            return ActionWalkthroughCommand().run(dispatcher, tracker, domain) + close_events()
        text = "OK, I've stopped the status check."
        if tracker.get_slot(SLOT_GUIDE_PAUSED) and tracker.get_slot(SLOT_GUIDE_ID):
            text += ' Say "continue" to get back to the walkthrough you were in.'
        dispatcher.utter_message(text=text + " Anything else I can help with?")
        return close_events()


class ActionCloseFacilityStatus(Action):
    """Silently drop a waiting status check (a walkthrough is starting instead)."""

    def name(self) -> Text:
        return "action_close_facility_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        return close_events()


class ActionListOverdueFacilities(Action):
    """Staff: "which facilities are overdue?"; politely refused on public channels."""

    def name(self) -> Text:
        return "action_list_overdue_facilities"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if not is_staff(tracker):
            dispatcher.utter_message(text=staff_only_text())
            return []
        office, day = load_office(), today()
        try:
            result = await ask_store(lambda store: store.overdue(
                day, LIST_LIMIT, office.annual_due_month, office.annual_due_day))
        except LookupFailed:
            dispatcher.utter_message(text=unavailable_text(office))
            return []
        dispatcher.utter_message(text=list_reply("overdue", result.total, result.items, day))
        return []


class ActionListDueSoonFacilities(Action):
    """Staff: "which are due in the next 30 days?"; politely refused on public channels."""

    def name(self) -> Text:
        return "action_list_due_soon_facilities"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if not is_staff(tracker):
            dispatcher.utter_message(text=staff_only_text())
            return []
        office, day = load_office(), today()
        days = parse_days(text_of(tracker))
        try:
            result = await ask_store(lambda store: store.due_within(
                day, days, LIST_LIMIT, office.annual_due_month, office.annual_due_day))
        except LookupFailed:
            dispatcher.utter_message(text=unavailable_text(office))
            return []
        dispatcher.utter_message(text=list_reply("due", result.total, result.items, day, days))
        return []
