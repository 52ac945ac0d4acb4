"""Reaching the office's staff, without Rasa: whether to offer a live handoff or a callback, when the office next opens, checking a callback's name, phone or e-mail and question, and the texts posted to the staff channel."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from cers import roles
from cers.dates import DEFAULT_LANGUAGE, format_clock, format_date, format_month_day, weekday_name
from cers.settings import Office, OfficeHours
from cers.templates import office_values, render

HANDOFF = "handoff"
CALLBACK = "callback"
# The Slack buttons on the staff channel's posts (their action_id; the value is the handoff's or request's id).
END_HANDOFF_BUTTON = "cers_handoff_end"
CALLBACK_DONE_BUTTON = "cers_callback_done"
# Channels that can carry a staff reply to the person later (the widget's socket, a text message).
LIVE_CHANNELS = frozenset({roles.WIDGET, roles.SMS})
TURNS_IN_SUMMARY = 6
TURN_CHARS = 300
QUESTION_CHARS = 500


def say(template: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    return render("handoff", template, language=language, **values)


# ---------------------------------------------------------------- handoff or callback


def contact_kind(channel: Optional[str], hours: OfficeHours, now: dt.datetime, staff_channel_on: bool) -> str:
    """HANDOFF when a staff member can answer here now (office open, a channel that carries a late
    reply, the staff channel on Slack set up); otherwise CALLBACK. No hours listed: callbacks only."""
    if channel in LIVE_CHANNELS and staff_channel_on and hours.listed and hours.is_open(now):
        return HANDOFF
    return CALLBACK


def describe_moment(moment: dt.datetime, now: dt.datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """ "today at 1:00 PM", "tomorrow at 8:00 AM", "Monday, November 30 at 8:00 AM" (office time)."""
    moment = moment.astimezone(now.tzinfo) if now.tzinfo and moment.tzinfo else moment
    clock = format_clock(moment.time(), language)
    days = (moment.date() - now.date()).days
    if days == 0:
        return say("when_open.today", language, clock=clock)
    if days == 1:
        return say("when_open.tomorrow", language, clock=clock)
    date = format_month_day(moment.month, moment.day, language)
    if moment.year != now.year:
        date = format_date(moment.date(), language)
    weekday = weekday_name(moment.weekday(), language)
    return say("when_open.later", language, weekday=weekday, date=date, clock=clock)


def when_open(hours: OfficeHours, now: dt.datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """One sentence from office.yml's hours alone: open until when, or when it next opens."""
    if not hours.listed:
        return say("when_open.not_listed", language)
    until = hours.open_until(now)
    if until is not None:
        return say("when_open.open_until", language, until=format_clock(until.time(), language))
    opening = hours.next_opening(now)
    if opening is None:
        return say("when_open.not_listed", language)
    return say("when_open.closed_next", language, next=describe_moment(opening, now, language))


# ---------------------------------------------------------------- the callback request's answers


@dataclass(frozen=True)
class Checked:
    """An answer to one of the callback request's questions: the value to keep, or None and why not."""

    value: Optional[str]
    problem: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.value is not None


_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$"
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+$")
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*(\d{1,6})\s*$", re.IGNORECASE)


def check_name(text: str) -> Checked:
    """A person's name: letters (any alphabet), spaces, hyphens, apostrophes; at most 5 words and 60 characters."""
    name = " ".join((text or "").split()).strip()
    if not name or len(name) > 60 or len(name.split()) > 5 or not _NAME.match(name):
        return Checked(None, "name")
    return Checked(name)


def check_phone(text: str) -> Optional[str]:
    """A North American phone number written any usual way, as "(530) 555-0123" (with " ext. 12"); None if it is not one."""
    text = (text or "").strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[: match.start()]
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    # NANP: area code and exchange start with 2-9.
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    phone = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{phone} ext. {extension}" if extension else phone


def check_email(text: str) -> Optional[str]:
    text = (text or "").strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_contact(text: str) -> Checked:
    """A phone number or an e-mail address, in a standard form."""
    value = check_phone(text) or check_email(text)
    return Checked(value) if value else Checked(None, "contact")


def check_question(text: str) -> Checked:
    """What they want to ask: a few words (at least 3 letters), cut to QUESTION_CHARS."""
    question = " ".join((text or "").split()).strip()
    if question.startswith("/") or sum(char.isalpha() for char in question) < 3:
        return Checked(None, "question")
    if len(question) > QUESTION_CHARS:
        question = question[: QUESTION_CHARS - 1].rstrip() + "…"
    return Checked(question)


# ---------------------------------------------------------------- staff's side


DONE_WORDS = frozenset({"done", "end", "end chat", "close", "finished", "resolved"})


def is_done(text: str) -> bool:
    """Whether a staff message in a thread ends the chat / marks the callback done ("done", "Done.", "end chat")."""
    words = re.sub(r"[^\w\s]", " ", (text or "").lower())
    return " ".join(words.split()) in DONE_WORDS


def timed_out(
    requested_at: dt.datetime, last_staff_at: Optional[dt.datetime], now: dt.datetime, timeout_seconds: float
) -> bool:
    """Whether `timeout_seconds` passed with no staff reply: since the request, or since the last staff reply."""
    since = max(requested_at, last_staff_at) if last_staff_at else requested_at
    return (now - since).total_seconds() >= timeout_seconds


def channel_label(channel: Optional[str]) -> str:
    try:
        return say(f"channel.{channel}")
    except KeyError:
        return channel or "chat"


def shorten(text: str, limit: int = TURN_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def handoff_summary(
    channel: Optional[str],
    question: Optional[str],
    turns: Sequence[Tuple[str, str]],
    facility: Optional[Tuple[str, str]],
    timeout_seconds: float,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The post that asks staff to take a chat (in English, the staff's language): where, the
    language the person writes in when not English, the question as written, the facility only if
    the person verified it here (name, CERS ID), the last few turns ("person" or "bot", text), and
    how to answer."""
    lines = [say("summary.title", channel=channel_label(channel))]
    if language != DEFAULT_LANGUAGE:
        lines.append(say(f"summary.writes_in.{language}"))
    lines.append(
        say("summary.question", question=shorten(question, QUESTION_CHARS))
        if question
        else say("summary.question_unknown")
    )
    if facility:
        lines.append(say("summary.facility", name=facility[0], cers_id=facility[1]))
    shown = [(who, shorten(text)) for who, text in turns if text and text.strip()][-TURNS_IN_SUMMARY:]
    if shown:
        lines.append(say("summary.turns"))
        lines += [
            say("summary.turn_person" if who == "person" else "summary.turn_bot", text=text) for who, text in shown
        ]
    lines.append(say("summary.how", minutes=minutes(timeout_seconds)))
    return "\n".join(lines)


def callback_summary(channel: Optional[str], name: str, contact: str, question: str) -> str:
    return "\n".join(
        [
            say("callback.title", channel=channel_label(channel)),
            say("callback.name", name=name) if name else say("callback.name_not_given"),
            say("callback.contact", contact=contact),
            say("callback.question", question=question) if question else say("callback.question_not_given"),
            say("callback.how"),
        ]
    )


def minutes(seconds: float) -> str:
    value = seconds / 60
    return f"{value:.0f}" if value >= 1 else f"{value:.1f}"


def call_office(office: Office, language: str = DEFAULT_LANGUAGE) -> str:
    return office_values(office, language)["call_office"]
