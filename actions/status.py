"""Facility status in the chat: the public check by CERS ID and site ZIP, and staff look-ups and lists (reads the tracker, asks cers/, replies)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Sequence, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import button as reminders_button
from actions.reminders import continue_signup, staff_reminders
from actions.services import LookupFailed, services
from actions.state import (
    BLOCKED,
    LOCKED,
    NOT_FOUND,
    OFFERS_GUIDE,  # noqa: F401 (the dashboard reads the same metadata key; a test ties them)
    SHOWN,
    STATUS_FACILITY_ID,
    STATUS_FACILITY_NAME,
    STATUS_OUTCOME,
    STATUS_QUESTION,
    UNAVAILABLE,
    Offer,
    StatusCheck,
    guide_paused,
    guide_progress,
    intent_of,
    is_staff,
    pause_guide_events,
    previous_offer,
    reply_language,
    status_closed,
    status_failed,
    status_waiting,
    text_of,
)
from actions.triage import caution_if_hazard
from actions.walkthrough import run_command
from cers.conversation.names import (
    AFFIRM_INTENT,
    CLIENT,
    CLOSE_STATUS_ACTION,
    DEFAULT_RESPONSE,
    DENY_INTENT,
    LIST_DUE_SOON_ACTION,
    LIST_OVERDUE_ACTION,
    MAX_STATUS_FAILURES,
    STATUS_ACTION,
    STOP_STATUS_ACTION,
    STUCK_INTENT,
    UNSURE_INTENT,
    UPDATE_GUIDE,
)
from cers.dates import format_clock
from cers.facilities.store import Match
from cers.language import ENGLISH
from cers.reminders.signup import STAFF_COMMAND, Answer
from cers.settings import Office, load_office, today
from cers.status_reply import list_reply, status_reply
from cers.templates import office_values, render
from cers.text import (
    EXAMPLE_ID,
    EXAMPLE_ZIP,
    find_numbers,
    looks_like_a_try,
    mentions_zip,
    parse_choice,
    parse_days,
    staff_query,
)
from cers.verification import CERS_ID, Lock

CHOICE_LIMIT = 5  # staff: the most facilities in a "which one?" list
LIST_LIMIT = 10  # staff: facilities shown in the overdue / due-soon lists
ASKING = Offer(asks=STATUS_QUESTION)
UNLOCK = re.compile(r"^\s*unlock\b", re.IGNORECASE)


def say(template: str, office: Office | None = None, language: str = ENGLISH, **values: Any) -> str:
    """A sentence of the status check (cers/templates/<language>/status.yml, check.*)."""
    values = {
        "example_id": EXAMPLE_ID,
        "example_zip": EXAMPLE_ZIP,
        "tries": MAX_STATUS_FAILURES,
        **(office_values(office, language) if office else {}),
        **values,
    }
    return render("status", f"check.{template}", language=language, **values)


def offer_buttons(language: str = ENGLISH) -> List[Dict[Text, str]]:
    return [
        {"title": say("offer_yes", language=language), "payload": f"/{AFFIRM_INTENT}"},
        {"title": say("offer_no", language=language), "payload": f"/{DENY_INTENT}"},
    ]


def status_buttons(language: str = ENGLISH) -> List[Dict[Text, str]]:
    """The public status reply's buttons: the walkthrough offer's yes and no, and reminders by text."""
    return [*offer_buttons(language), reminders_button(language)]


def client_of(tracker: Tracker) -> str:
    """Who is checking, for the limits across conversations: the address the channel saw (REST, widget),
    else the conversation's sender (on SMS, the phone number)."""
    return str((tracker.latest_message.get("metadata") or {}).get(CLIENT) or tracker.sender_id or "")


def local_time(moment: dt.datetime, office: Office) -> str:
    """A lock's end in the office's time zone: "3:05 PM"."""
    return format_clock(moment.astimezone(ZoneInfo(office.hours.time_zone)).time())


async def tell_staff_of(locks: Sequence[Lock], office: Office) -> None:
    for lock in locks:
        template = "notice_cers_id" if lock.kind == CERS_ID else "notice_client"
        await services().notify_staff(
            say(template, cers_id=lock.key, failures=lock.failures, until=local_time(lock.until, office))
        )


def asked_last_turn(tracker: Tracker) -> bool:
    """Whether the bot's last message was this check asking for something."""
    return previous_offer(tracker).asks == STATUS_QUESTION


# ---------------------------------------------------------------- the public check (CERS ID + ZIP)


async def public_check(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    office = load_office()
    language = reply_language(tracker)
    events = pause_guide_events(tracker)
    check = StatusCheck.of(tracker)

    def ask(template: str, cers_id=None, zip_code=None, **values) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=say(template, office, language, **values), **ASKING.metadata())
        return events + status_waiting(cers_id, zip_code)

    def end(text: str, outcome: str) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=text, **{STATUS_OUTCOME: outcome})
        return events + status_closed()

    if check.failures >= MAX_STATUS_FAILURES:
        return end(say("blocked", office, language), BLOCKED)

    text = text_of(tracker)
    numbers = find_numbers(text)
    tried = looks_like_a_try(text, numbers)
    if intent_of(tracker) == UNSURE_INTENT and not (numbers.found or tried or asked_last_turn(tracker)):
        # Not understood, and not an answer to our question: they have moved on.
        caution_if_hazard(dispatcher, tracker)
        dispatcher.utter_message(response=DEFAULT_RESPONSE)
        return events + status_closed()

    cers_id = numbers.cers_id or check.cers_id
    zip_code = numbers.zip or check.zip_code

    if tried and not (cers_id and zip_code):
        failures = check.failures + 1
        events += status_failed(failures)
        if failures >= MAX_STATUS_FAILURES:
            return end(say("too_many", office, language), BLOCKED)
        wrong_zip = bool(cers_id) or mentions_zip(text)
        return ask("bad_zip" if wrong_zip else "bad_id", cers_id, zip_code)

    if cers_id and zip_code:
        client = client_of(tracker)
        verification = services().verification

        def check_pair(store):
            # A locked CERS ID or client gets exactly the reply of a wrong pair: the lock reveals nothing.
            locked = verification.refused(cers_id, client)
            if locked:
                return None, locked, []
            records = store.verify(cers_id, zip_code)
            return records, None, [] if records is not None else verification.failed(cers_id, client)

        try:
            # One deadline for the limits and the look-up together.
            records, locked, new_locks = await services().ask_store(check_pair)
            await tell_staff_of(new_locks, office)
        except LookupFailed:
            return end(say("unavailable", office, language), UNAVAILABLE)
        if records is None:
            outcome = LOCKED if locked else NOT_FOUND
            failures = check.failures + 1
            events += status_failed(failures)
            if failures >= MAX_STATUS_FAILURES:
                return end(f"{say('not_found', language=language)} {say('too_many', office, language)}", outcome)
            dispatcher.utter_message(
                text=f"{say('not_found', language=language)} {say('send_again', office, language)}",
                **ASKING.metadata(),
                **{STATUS_OUTCOME: outcome},
            )
            return events + status_waiting()
        status = records.evaluate(today(), office.annual_due_month, office.annual_due_day)
        dispatcher.utter_message(
            text=status_reply(status, staff=False, language=language),
            buttons=status_buttons(language),
            **Offer(guide=UPDATE_GUIDE).metadata(),
            **{
                STATUS_OUTCOME: SHOWN,
                # Verified by the person: a handoff's summary for staff may name it (actions/handoff.py).
                STATUS_FACILITY_ID: records.facility.cers_id,
                STATUS_FACILITY_NAME: records.facility.name,
            },
        )
        return events + status_closed()

    if numbers.found:
        return ask("ask_zip" if cers_id else "ask_id", cers_id, zip_code)
    if check.open and (asked_last_turn(tracker) or intent_of(tracker) == STUCK_INTENT):
        # "hmm, hold on", "I can't find it": no answer yet.
        return ask("still_waiting_zip" if cers_id else "still_waiting_id", cers_id, zip_code)
    if cers_id or zip_code:
        # Asked again after something else: pick up where the check was.
        return ask("ask_zip" if cers_id else "ask_id", cers_id, zip_code)
    return ask("first_prompt", cers_id, zip_code)


# ---------------------------------------------------------------- staff look-ups


def choice_text(matches: Sequence[Match], query: str, more: bool) -> str:
    lines = [say("staff_choices_more" if more else "staff_choices", count=len(matches), query=query)]
    lines += [
        say(
            "staff_choice",
            number=number,
            name=m.name,
            cers_id=m.cers_id,
            address=", ".join(part for part in (m.street, m.city) if part),
        )
        for number, m in enumerate(matches, 1)
    ]
    lines.append(say("staff_reply_number"))
    if more:
        lines.append(say("staff_narrow"))
    return "\n".join(lines)


def clear_winner(matches: Sequence[Match]) -> bool:
    """One match, or a best one well ahead of the next ("401 main st chester")."""
    return len(matches) == 1 or (len(matches) > 1 and matches[0].score - matches[1].score >= 15)


async def staff_lookup(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    office = load_office()
    text = text_of(tracker)
    events = pause_guide_events(tracker)
    choices = StatusCheck.of(tracker).choices
    choice = parse_choice(text) if choices else None

    async def show(cers_id: str) -> List[Dict[Text, Any]]:
        records = await services().ask_store(lambda store: store.get(cers_id))
        if records is None:
            dispatcher.utter_message(text=say("staff_unknown_id", cers_id=cers_id))
        else:
            status = records.evaluate(today(), office.annual_due_month, office.annual_due_day)
            text = status_reply(status, staff=True)
            lock = await services().run(lambda: services().verification.lock_of(cers_id))
            if lock:
                text += "\n" + say(
                    "staff_locked", cers_id=cers_id, failures=lock.failures, until=local_time(lock.until, office)
                )
            dispatcher.utter_message(text=text)
        return events + status_closed()

    async def unlock(cers_id: str) -> List[Dict[Text, Any]]:
        opened = await services().run(lambda: services().verification.unlock(cers_id))
        dispatcher.utter_message(text=say("staff_unlocked" if opened else "staff_not_locked", cers_id=cers_id))
        return events + status_closed()

    try:
        if choice is not None and 1 <= choice <= len(choices):
            return await show(str(choices[choice - 1]))
        if STAFF_COMMAND.match(text):  # "reminders 530-555-0123", "remove reminders 10234567 530-555-0123"
            return await staff_reminders(dispatcher, tracker) + events + status_closed()
        numbers = find_numbers(text)
        if numbers.cers_id and UNLOCK.match(text):
            return await unlock(numbers.cers_id)
        if numbers.cers_id:
            return await show(numbers.cers_id)
        query = staff_query(text)
        if not query:
            if intent_of(tracker) == UNSURE_INTENT and not asked_last_turn(tracker):
                dispatcher.utter_message(response=DEFAULT_RESPONSE)
                return events + status_closed()
            dispatcher.utter_message(text=say("staff_which"), **ASKING.metadata())
            return events + status_waiting()
        matches = await services().ask_store(lambda store: store.search(query, CHOICE_LIMIT + 1))
        if not matches:
            dispatcher.utter_message(text=say("staff_no_match", query=query), **ASKING.metadata())
            return events + status_waiting()
        if clear_winner(matches):
            return await show(matches[0].cers_id)
        shown = list(matches[:CHOICE_LIMIT])
        buttons = [
            {"title": say("staff_choice_button", number=n, name=m.name, city=m.city), "payload": m.cers_id}
            for n, m in enumerate(shown, 1)
        ]
        dispatcher.utter_message(
            text=choice_text(shown, query, more=len(matches) > CHOICE_LIMIT), buttons=buttons, **ASKING.metadata()
        )
        return events + status_waiting(choices=[m.cers_id for m in shown])
    except LookupFailed:
        dispatcher.utter_message(text=say("unavailable", office))
        return events + status_closed()


# ---------------------------------------------------------------- the actions


class ActionFacilityStatus(Action):
    """ "Am I up to date?", a CERS ID or ZIP, a facility's name (staff), or a number from a list."""

    def name(self) -> Text:
        return STATUS_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if is_staff(tracker):
            return await staff_lookup(dispatcher, tracker)
        signup = await continue_signup(dispatcher, tracker, Answer.OTHER)  # a phone number or a code it asked for
        if signup is not None:
            return signup
        return await public_check(dispatcher, tracker)


class ActionStopFacilityStatus(Action):
    """ "stop" while a status check waits: end the check, or the walkthrough if one started since."""

    def name(self) -> Text:
        return STOP_STATUS_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if guide_progress(tracker).open and not asked_last_turn(tracker):
            # A walkthrough opened after the question: "stop" is for the walkthrough.
            return run_command(dispatcher, tracker, "stop") + status_closed()
        language = reply_language(tracker)
        stopped = say("stopped_guide_paused" if guide_paused(tracker) else "stopped", language=language)
        dispatcher.utter_message(text=f"{stopped} {say('anything_else', language=language)}")
        return status_closed()


class ActionCloseFacilityStatus(Action):
    """Silently drop a waiting status check (a walkthrough is starting instead)."""

    def name(self) -> Text:
        return CLOSE_STATUS_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        return status_closed()


class ActionListOverdueFacilities(Action):
    """Staff: "which facilities are overdue?"; politely refused on public channels."""

    def name(self) -> Text:
        return LIST_OVERDUE_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if not is_staff(tracker):
            dispatcher.utter_message(text=say("staff_only"))
            return []
        office, day = load_office(), today()
        try:
            result = await services().ask_store(
                lambda store: store.overdue(day, LIST_LIMIT, office.annual_due_month, office.annual_due_day)
            )
        except LookupFailed:
            dispatcher.utter_message(text=say("unavailable", office))
            return []
        dispatcher.utter_message(text=list_reply("overdue", result.total, result.items, day))
        return []


class ActionListDueSoonFacilities(Action):
    """Staff: "which are due in the next 30 days?"; politely refused on public channels."""

    def name(self) -> Text:
        return LIST_DUE_SOON_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if not is_staff(tracker):
            dispatcher.utter_message(text=say("staff_only"))
            return []
        office, day = load_office(), today()
        days = parse_days(text_of(tracker))
        try:
            result = await services().ask_store(
                lambda store: store.due_within(day, days, LIST_LIMIT, office.annual_due_month, office.annual_due_day)
            )
        except LookupFailed:
            dispatcher.utter_message(text=say("unavailable", office))
            return []
        dispatcher.utter_message(text=list_reply("due", result.total, result.items, day, days))
        return []
