"""FAQ answers that need a computation: the annual due date with the days left, and the topics whose answer depends on the office's profile (cers/office_answers.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.state import reply_language
from cers.conversation.names import ANNUAL_DUE_DATE_ACTION, CHECK_STATUS_INTENT, OFFICE_TOPIC_ACTION
from cers.dates import days_left, format_date, format_month_day, next_annual_due, plural_days
from cers.language import ENGLISH
from cers.office_answers import office_answer
from cers.settings import load_office, today
from cers.templates import office_values, render

# After the due date, for this many days the answer says plainly that a business that has not
# submitted is late, and offers the status check.
LATE_NOTICE_DAYS = 60


def say(template: str, language: str = ENGLISH, **values) -> str:
    return render("answers", f"annual_due_date.{template}", language=language, **values)


def days_past_due(day, office) -> int:
    """Days since this year's due date (0 on or before it)."""
    this_year = dt.date(day.year, office.annual_due_month, office.annual_due_day)
    return max((day - this_year).days, 0)


def in_late_period(day) -> bool:
    return 1 <= days_past_due(day, load_office()) <= LATE_NOTICE_DAYS


def annual_due_date_answer(day, language: str = ENGLISH) -> str:
    office = load_office()
    due = next_annual_due(day, office.annual_due_month, office.annual_due_day)
    left = days_left(day, due)
    every_year = format_month_day(office.annual_due_month, office.annual_due_day, language)
    paragraphs = [say("rule", language, every_year=every_year)]
    if in_late_period(day):
        passed = format_date(dt.date(day.year, office.annual_due_month, office.annual_due_day), language)
        paragraphs.append(say("late", language, passed=passed))
    paragraphs.append(
        say("next_today", language, due=format_date(due, language))
        if left == 0
        else say("next_in", language, due=format_date(due, language), days=plural_days(left, language))
    )
    paragraphs.append(say("changes", language))
    paragraphs.append(say("next_step", language, call_office=office_values(office, language)["call_office"]))
    return "\n\n".join(paragraphs)


class ActionAnnualDueDate(Action):
    def name(self) -> Text:
        return ANNUAL_DUE_DATE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        day = today()
        language = reply_language(tracker)
        buttons = (
            [{"title": say("status_button", language), "payload": f"/{CHECK_STATUS_INTENT}"}]
            if in_late_period(day)
            else None
        )
        dispatcher.utter_message(text=annual_due_date_answer(day, language), buttons=buttons)
        return []


class ActionOfficeTopic(Action):
    """A topic answered as this office's profile says: its usual response, or who runs the
    program instead, then the office's own page and local rules for it."""

    def name(self) -> Text:
        return OFFICE_TOPIC_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        answer = office_answer(intent, load_office(), reply_language(tracker))
        if answer.response:
            dispatcher.utter_message(response=answer.response)
        for text in answer.texts:
            dispatcher.utter_message(text=text)
        return []
