"""The office's details as the domain's responses say them ({office_name}, {office_phone}, {office_due_date_es}, ...), from office.yml: the Rasa server's response generator (channels/nlg.py) fills them in, so a change to office.yml reaches every answer without retraining and no conversation stores them."""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

from cers.conversation.names import SLOT_OFFICE_CONTACT, SLOT_OFFICE_DUE_DATE, SLOT_OFFICE_NAME, SLOT_OFFICE_PHONE
from cers.dates import describe_hours, format_month_day
from cers.language import ENGLISH, LANGUAGES
from cers.settings import Office, load_office
from cers.templates import render


def contact_text(office: Office, language: str = ENGLISH) -> str:
    """The office's details; one that office.yml does not give is said to be not listed."""

    def say(template: str, **values) -> str:
        return render("answers", f"contact.{template}", language=language, **values)

    lines = [office.name, say("phone", phone=office.phone)]
    if office.address:
        lines.append(say("address", address=office.address))
    else:
        lines.append(say("address_not_listed_city", city=office.city) if office.city else say("address_not_listed"))
    lines.append(say("email", email=office.email) if office.email else say("email_not_listed"))
    hours = describe_hours(office.hours, language)
    lines.append(say("hours", hours=hours) if office.hours.listed else say("hours_not_listed"))
    if not (office.address and office.email and office.hours.listed):
        lines.append(say("not_listed", phone=office.phone))
    return "\n".join(lines)


def office_details(office: Office) -> Dict[Text, Any]:
    """The office's details the responses say; the due date and the contact card once per language
    (Spanish responses say {office_due_date_es}, {office_contact_es})."""
    details: Dict[Text, Any] = {SLOT_OFFICE_NAME: office.name, SLOT_OFFICE_PHONE: office.phone}
    for language in LANGUAGES:
        suffix = "" if language == ENGLISH else f"_{language}"
        details[f"{SLOT_OFFICE_DUE_DATE}{suffix}"] = format_month_day(
            office.annual_due_month, office.annual_due_day, language
        )
        details[f"{SLOT_OFFICE_CONTACT}{suffix}"] = contact_text(office, language)
    return details


_latest: Optional[Tuple[Office, Dict[Text, Any]]] = None


def current_office_details() -> Dict[Text, Any]:
    """office_details() of office.yml as it is now, made again only when the file changes
    (load_office gives the same Office until then)."""
    global _latest
    office = load_office()
    if _latest is None or _latest[0] is not office:
        _latest = (office, office_details(office))
    return _latest[1]
