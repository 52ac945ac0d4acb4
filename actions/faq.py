"""FAQ answers that need a computation: the annual due date with the days left, and the topics whose answer depends on the office's profile (cers/office_answers.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from cers.dates import days_left, format_date, format_month_day, next_annual_due, plural_days
from cers.office_answers import office_answer
from cers.settings import load_office, today
from cers.templates import office_values, render

# After the due date, for this many days the answer says plainly that a business that has not
# submitted is late, and offers the status check.
LATE_NOTICE_DAYS = 60


def say(template: str, **values) -> str:
    return render("answers", f"annual_due_date.{template}", **values)


def days_past_due(day, office) -> int:
    """Days since this year's due date (0 on or before it)."""
    this_year = dt.date(day.year, office.annual_due_month, office.annual_due_day)
    return max((day - this_year).days, 0)


def in_late_period(day) -> bool:
    return 1 <= days_past_due(day, load_office()) <= LATE_NOTICE_DAYS


def annual_due_date_answer(day) -> str:
    office = load_office()
    due = next_annual_due(day, office.annual_due_month, office.annual_due_day)
    left = days_left(day, due)
    paragraphs = [say("rule", every_year=format_month_day(office.annual_due_month, office.annual_due_day))]
    if in_late_period(day):
        paragraphs.append(
            say("late", passed=format_date(dt.date(day.year, office.annual_due_month, office.annual_due_day)))
        )
    paragraphs.append(
        say("next_today", due=format_date(due))
        if left == 0
        else say("next_in", due=format_date(due), days=plural_days(left))
    )
    paragraphs.append(say("changes"))
    paragraphs.append(say("next_step", call_office=office_values(office)["call_office"]))
    return "\n\n".join(paragraphs)


class ActionAnnualDueDate(Action):
    def name(self) -> Text:
        return "action_annual_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        day = today()
        buttons = (
            [{"title": say("status_button"), "payload": "/check_facility_status"}] if in_late_period(day) else None
        )
        dispatcher.utter_message(text=annual_due_date_answer(day), buttons=buttons)
        return []


class ActionOfficeTopic(Action):
    """A topic answered as this office's profile says: its usual response, or who runs the
    program instead, then the office's own page and local rules for it."""

    def name(self) -> Text:
        return "action_office_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        answer = office_answer(intent, load_office())
        if answer.response:
            dispatcher.utter_message(response=answer.response)
        for text in answer.texts:
            dispatcher.utter_message(text=text)
        return []
