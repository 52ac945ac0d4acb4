"""FAQ answers that need a computation: the annual due date with the days left."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dates import days_left, format_date, format_month_day, next_annual_due, plural_days
from actions.settings import load_office, today


def annual_due_date_answer(day) -> str:
    office = load_office()
    due = next_annual_due(day, office.annual_due_month, office.annual_due_day)
    left = days_left(day, due)
    due_text = format_date(due)
    every_year = format_month_day(office.annual_due_month, office.annual_due_day)
    when = "today" if left == 0 else f"in {plural_days(left)}"
    return (
        f"The annual CERS submission is due on or before {every_year} every year "
        f"(California Health and Safety Code, section 25508(a)(1)).\n\n"
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
        dispatcher.utter_message(text=annual_due_date_answer(today()))
        return []
