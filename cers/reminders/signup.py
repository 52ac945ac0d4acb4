"""Signing a number up for reminders after a verified status check (issue 21), one step per message, with no Rasa in it: actions/reminders.py keeps the pending step in a slot and says the replies.

By SMS the number texting is the one signed up, after the disclosure and a clear YES. On the
widget and REST the person types a mobile number, which gets a code by text; the code typed back
confirms it (nobody can sign up someone else's phone). The consent is stored with the exact
disclosure the person saw (cers/reminders/store.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from enum import Enum
from typing import Any, Callable, Optional

from cers.conversation.names import ENGLISH
from cers.reminders import texts
from cers.reminders.numbers import e164, masked
from cers.reminders.sender import PermanentError, Sender, SendError
from cers.reminders.store import CodeOutcome, RemindersStore
from cers.templates import office_values, render
from cers.text import find_numbers

MAX_NUMBER_TRIES = 3  # numbers that are not numbers, or cannot get texts, before the sign-up ends
MAX_NUMBERS_TEXTED = 3  # numbers one sign-up texts a code to (nobody uses the widget to text strangers)


class Answer(Enum):
    """What the person's message is, as the dialogue understood it."""

    YES = "yes"
    OTHER = (
        "other"  # anything else: read as a phone number or a code (a "no" never gets here: it lets the sign-up lapse)
    )


@dataclass(frozen=True)
class Pending:
    """A sign-up waiting for the person: their YES (SMS), a number, or the code texted to it."""

    step: str  # "yes", "number" or "code"
    cers_id: str
    facility: str
    disclosure: str  # what the person was shown before consenting, kept with the consent
    number: str = ""
    tries: int = 0
    texted: int = 0  # numbers texted a code so far

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: Any) -> Optional["Pending"]:
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                **{k: value[k] for k in ("step", "cers_id", "facility", "disclosure")},
                number=str(value.get("number") or ""),
                tries=int(value.get("tries") or 0),
                texted=int(value.get("texted") or 0),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Step:
    """The reply to say, and what is pending after it (None: the sign-up is over)."""

    text: str
    pending: Optional[Pending] = None
    subscribed: bool = False


def say(key: str, language: str, **values: Any) -> str:
    return render(texts.GROUP, key, language=language, **values)


class Signup:
    """The sign-up's steps for one office, store and time; `sender` texts the codes (None: not set up)."""

    def __init__(self, store: RemindersStore, office: Any, now: dt.datetime, sender: Callable[[], Optional[Sender]]):
        self.store, self.office, self.now, self.sender = store, office, now, sender

    def start(self, cers_id: str, facility: str, sms_number: Optional[str], language: str) -> Step:
        """The offer: by SMS (sms_number: the number texting) the disclosure and "Reply YES"; else the
        disclosure and a request for the number."""
        if sms_number:
            shown = texts.offer_by_sms(self.office, language, facility)
            return Step(shown, Pending("yes", cers_id, facility, shown, number=sms_number))
        shown = texts.disclosure(self.office, language, facility, sms=False)
        return Step(f"{shown}\n\n{say('consent.ask_number', language)}", Pending("number", cers_id, facility, shown))

    def answer(self, pending: Pending, answer: Answer, text: str, channel: str, language: str) -> Step:
        if pending.step == "yes":
            if answer is not Answer.YES:
                return Step(say("consent.not_yes", language), pending)
            return self.subscribe(pending, pending.number, channel, language)
        if pending.step == "code" and any(c.isdigit() for c in text) and e164(text) is None:
            return self.check(pending, text, channel, language)
        return self.number(pending, text, channel, language)

    def number(self, pending: Pending, text: str, channel: str, language: str) -> Step:
        """A number typed on the widget or REST: text it a code."""
        number = e164(text)
        if number is None:
            return self.retry(pending, "consent.not_a_number", language)
        if number != pending.number and pending.texted >= MAX_NUMBERS_TEXTED:
            return Step(say("consent.gave_up", language))
        sender = self.sender()
        if sender is None:
            return Step(say("consent.unavailable", language, **office_values(self.office, language)))
        code = self.store.issue_code(number, pending.cers_id, language, channel, self.now)
        if code is None:
            return Step(say("code.too_soon", language), replace(pending, step="code", number=number))
        try:
            sender.send(number, texts.code(self.office, language, code))
        except PermanentError:
            return self.retry(pending, "code.not_sent", language)
        except SendError:
            return Step(say("consent.unavailable", language, **office_values(self.office, language)))
        shown = masked_for_people(number)
        texted = pending.texted + (number != pending.number)
        return Step(
            say("code.ask", language, number=shown), replace(pending, step="code", number=number, texted=texted)
        )

    def check(self, pending: Pending, typed: str, channel: str, language: str) -> Step:
        result = self.store.check_code(pending.number, typed, self.now)
        if result.outcome is CodeOutcome.CONFIRMED:
            step = self.subscribe(pending, pending.number, channel, language)
            sender = self.sender()
            if sender is not None:
                try:
                    sender.send(pending.number, texts.subscribed(self.office, language, pending.facility))
                except SendError:
                    pass  # the consent is stored; the welcome text is a courtesy
            return Step(
                say("code.confirmed", language, number=masked_for_people(pending.number), facility=pending.facility),
                subscribed=step.subscribed,
            )
        if result.outcome is CodeOutcome.WRONG:
            return Step(say("code.wrong", language, tries_left=result.tries_left), pending)
        return Step(say("code.ended", language))

    def subscribe(self, pending: Pending, number: str, channel: str, language: str) -> Step:
        self.store.subscribe(pending.cers_id, number, channel, language, pending.disclosure, self.now)
        return Step(texts.subscribed(self.office, language, pending.facility), subscribed=True)

    @staticmethod
    def retry(pending: Pending, key: str, language: str) -> Step:
        tries = pending.tries + 1
        if tries >= MAX_NUMBER_TRIES:
            return Step(say("consent.gave_up", language))
        return Step(say(key, language), replace(pending, tries=tries, step="number"))


def masked_for_people(number: str) -> str:
    """A number as the person can recognise it without showing it whole: "(***) ***-0123"."""
    return f"(***) ***-{number[-4:]}" if number.startswith("+1") else masked(number)


# ---------------------------------------------------------------- staff: a number's reminders

_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_REMOVE = re.compile(r"\b(remove|delete|end|cancel|stop|unsubscribe)\b", re.IGNORECASE)
STAFF_COMMAND = re.compile(r"^\s*(?:(?:remove|delete|end|cancel|stop|unsubscribe)\s+)?reminders?\b", re.IGNORECASE)


def staff_answer(
    text: str, store: RemindersStore, names: Callable[[str], str], by: str, channel: str, now: dt.datetime
) -> str:
    """Staff (Slack, the staff webhook): "reminders 530-555-0123" lists the number's subscriptions;
    "remove reminders 10234567 530-555-0123" ends that one, logged with who did it. `names` gives a
    facility's name from its CERS ID."""
    found = _PHONE.search(text or "")
    number = e164(found.group()) if found else None
    if number is None:
        return say("staff.how", ENGLISH)
    rest = (text[: found.start()] + " " + text[found.end() :]) if found else text
    cers_id = find_numbers(rest).cers_id
    if _REMOVE.search(rest) and cers_id:
        removed = store.remove(cers_id, number, by, channel, now)
        return say("staff.removed" if removed else "staff.not_removed", ENGLISH, number=number, cers_id=cers_id)
    subscriptions = store.subscriptions(number)
    if not subscriptions:
        return say("staff.none", ENGLISH, number=number)
    lines = [
        say(
            "staff.line",
            ENGLISH,
            facility=names(s.cers_id) or s.cers_id,
            cers_id=s.cers_id,
            state=say("staff.active", ENGLISH)
            if s.active
            else say("staff.ended", ENGLISH, reason=s.ended_reason or ""),
            since=f"{s.created_at:%Y-%m-%d}",
            channel=s.channel,
        )
        for s in subscriptions
    ]
    return say("staff.list", ENGLISH, number=number, lines="\n".join(lines))
