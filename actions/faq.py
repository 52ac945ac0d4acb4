"""FAQ answers that need a computation: the annual due date with the days left."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from cers.dates import days_left, format_date, format_month_day, next_annual_due, plural_days
from cers.settings import load_office, today


# After the due date, for this many days the answer says plainly that a business that has not
# submitted is late, and offers the status check.
LATE_NOTICE_DAYS = 60
STATUS_BUTTON = {"title": "Check my status", "payload": "/check_facility_status"}


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
    due_text = format_date(due)
    every_year = format_month_day(office.annual_due_month, office.annual_due_day)
    when = "today" if left == 0 else f"in {plural_days(left)}"
    late = ""
    if in_late_period(day):
        passed = format_date(dt.date(day.year, office.annual_due_month, office.annual_due_day))
        late = (f"The {passed} deadline has passed: if you have not submitted yet, you are late. "
                f"Submit now, and I can check your facility's status.\n\n")
    return (
        f"The annual CERS submittal or certification is due on or before {every_year} every year "
        f"(California Health and Safety Code, section 25508(a)(1)).\n\n"
        f"{late}"
        f"The next due date is {due_text}: {when}.\n\n"
        f"Also update CERS within 30 days of any change at your facility.\n\n"
        f"Next: if nothing changed, you can quickly resubmit last year's information. "
        f"Ask me how, or call {office.name} at {office.phone}."
    )


class ActionAnnualDueDate(Action):
    def name(self) -> Text:
        return "action_annual_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        day = today()
        buttons = [STATUS_BUTTON] if in_late_period(day) else None
        dispatcher.utter_message(text=annual_due_date_answer(day), buttons=buttons)
        return []
