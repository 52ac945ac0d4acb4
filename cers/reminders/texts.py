"""The reminders' texts, ready to send by SMS: cers/templates/<language>/reminders.yml filled in with the office's values, made GSM-7 and fitted into one segment where possible (never more than two) by shortening the facility's name, never what is due.

GSM-7 is the SMS alphabet: a text of its characters only takes 160 characters a segment (153
once split); one character outside it (a curly quote, an "á") makes the whole text UCS-2, 70 a
segment. cers/sms_text.plain_text replaces the usual offenders (Spanish á, í, ó, ú lose their
accent, as in the rest of the SMS channel); whatever else is outside GSM-7 in a facility's name
loses its accent or is left out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Optional, Sequence

from cers.dates import format_date
from cers.reminders.schedule import ANNUAL, CHANGE, CORRECTION, Reminder
from cers.reminders.store import CODE_MINUTES
from cers.sms_text import plain_text
from cers.templates import office_values, render

GROUP = "reminders"
SEGMENT_CHARS = 160  # one GSM-7 segment
PART_CHARS = 153  # each segment of a longer GSM-7 text (7 characters go to the header that joins them)
UCS2_SEGMENT_CHARS, UCS2_PART_CHARS = 70, 67
MAX_SEGMENTS = 2
MIN_NAME_CHARS = 16  # a facility's name is never shortened below this (with its "...")
KEEP_NAME_CHARS = 24  # nor below this to keep a longer version of the text (the office's name, the days left)
LONG_OFFICE_NAME_CHARS = (
    70  # the texts fit two segments with office names this long (tests/unit/test_reminders_texts.py)
)
ELLIPSIS = "..."

# GSM 03.38: the basic set, and the extension set (each of those takes two characters).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
KINDS_WHAT = {ANNUAL: "what.annual", CHANGE: "what.change", CORRECTION: "what.correction"}
VARIANTS = ("full", "short", "shortest")  # reminders.yml's versions of a reminder, most complete first


# ---------------------------------------------------------------- GSM-7 and segments


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def to_gsm7(text: str) -> str:
    """The text in GSM-7: plain_text's replacements, then accents dropped, then anything else left out."""
    kept = []
    for char in plain_text(text):
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            kept.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        kept.append("".join(c for c in base if c in GSM7_BASIC or c in GSM7_EXTENDED))
    return re.sub(r" {2,}", " ", "".join(kept)).strip()


def gsm7_length(text: str) -> int:
    """Characters as GSM-7 counts them (an extension character counts two)."""
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS segments the text takes (GSM-7 if it can be, else UCS-2)."""
    if is_gsm7(text):
        length, single, part = gsm7_length(text), SEGMENT_CHARS, PART_CHARS
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SEGMENT_CHARS, UCS2_PART_CHARS
    return 1 if length <= single else math.ceil(length / part)


def _room(segment_count: int) -> int:
    return SEGMENT_CHARS if segment_count == 1 else PART_CHARS * segment_count


def shorten(name: str, chars: int) -> str:
    """The name cut to at most `chars` characters, at a word where it can be, with "..." after."""
    if gsm7_length(name) <= chars:
        return name
    room = max(chars - len(ELLIPSIS), 1)
    cut = name[:room]
    while gsm7_length(cut) > room:
        cut = cut[:-1]
    if " " in cut[room // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-&/") + ELLIPSIS


# ---------------------------------------------------------------- fitting a text


def fit(keys: Sequence[str], language: str, name: Optional[str] = None, tail: str = "", **values: Any) -> str:
    """The first of `keys` (templates, most complete first) that fits one segment, with the
    facility's whole name or, if need be, its name shortened (to KEEP_NAME_CHARS at least, the
    last template to MIN_NAME_CHARS); failing that, the same for two segments. `tail` is a template
    said after it ("Reply YES"). The last resort (the last template with the shortest name) is what
    the tests check fits two segments, with office names as long as LONG_OFFICE_NAME_CHARS."""
    whole = to_gsm7(name) if name is not None else None
    after = " " + to_gsm7(render(GROUP, tail, language=language)) if tail else ""

    def text(key: str, facility: Optional[str]) -> str:
        extra = {"facility": facility} if facility is not None else {}
        return to_gsm7(render(GROUP, key, language=language, **values, **extra)) + after

    for count in range(1, MAX_SEGMENTS + 1):
        for index, key in enumerate(keys):
            found = text(key, whole)
            if segments(found) <= count:
                return found
            floor = MIN_NAME_CHARS if index == len(keys) - 1 else KEEP_NAME_CHARS
            if whole is not None and gsm7_length(whole) > floor:
                room = _room(count) - gsm7_length(text(key, ""))
                if room >= floor:
                    found = text(key, shorten(whole, room))
                    if segments(found) <= count:
                        return found
    return text(keys[-1], shorten(whole, MIN_NAME_CHARS) if whole is not None else None)


def _office(office: Any, language: str) -> dict:
    values = office_values(office, language)
    return {"office_name": values["office_name"], "office_phone": values["office_phone"]}


def per_deadline(office: Any) -> int:
    """How many reminders one deadline can bring: one per office.yml reminder_days, one once it has passed."""
    return len(office.reminder_days) + 1


def days_left(days: int, language: str) -> str:
    """As the status reply says it: "7 days left", "1 day left", "that's today"."""
    key = "left.today" if days == 0 else "left.one" if days == 1 else "left.many"
    return render("status", key, language=language, days=days)


# ---------------------------------------------------------------- the texts


def reminder(office: Any, language: str, facility_name: str, due: Reminder) -> str:
    """The reminder of one deadline: the facility, what is due and its date, STATUS and STOP."""
    group = "overdue" if due.overdue else "due"
    values = {
        **_office(office, language),
        "what": render(GROUP, KINDS_WHAT[due.kind], language=language),
        "date": format_date(due.deadline, language),
        "left": days_left(due.days_left, language),
    }
    return fit([f"{group}.{variant}" for variant in VARIANTS], language, facility_name, **values)


def disclosure(office: Any, language: str, facility_name: str, sms: bool = True) -> str:
    """What is shown before consent: who sends, what, how often at most, rates, STOP and HELP.

    sms=False: the widget's text, with every accent (no segments to count there)."""
    values = {**_office(office, language), "per_deadline": per_deadline(office)}
    if not sms:
        return render(GROUP, "consent.disclosure", language=language, facility=facility_name, **values)
    return fit(["consent.disclosure"], language, facility_name, **values)


def offer_by_sms(office: Any, language: str, facility_name: str) -> str:
    """The offer texted after a status check on SMS: the disclosure, then "Reply YES" (keep it with the consent)."""
    values = {**_office(office, language), "per_deadline": per_deadline(office)}
    return fit(["consent.disclosure"], language, facility_name, tail="consent.reply_yes", **values)


def subscribed(office: Any, language: str, facility_name: str) -> str:
    """The first text a number gets once its consent is stored."""
    values = {**_office(office, language), "per_deadline": per_deadline(office)}
    return fit(["consent.subscribed"], language, facility_name, **values)


def code(office: Any, language: str, digits: str, minutes: int = CODE_MINUTES) -> str:
    """The confirmation code's text (sent to the number given on the widget or REST)."""
    return fit(["code.text"], language, code=digits, minutes=minutes, **_office(office, language))


def stopped(office: Any, language: str) -> str:
    """The one confirmation of STOP (every reminder to the number has ended)."""
    return fit(["stopped"], language, **_office(office, language))


def started(office: Any, language: str) -> str:
    """START, when it turned reminders back on."""
    return fit(["started"], language, **_office(office, language))


def nothing_to_start(office: Any, language: str) -> str:
    """START from a number with no reminders that STOP ended."""
    return fit(["nothing_to_start"], language, **_office(office, language))


def help_text(office: Any, language: str) -> str:
    """HELP: who sends, the office's phone, how to stop."""
    return fit(["help"], language, **_office(office, language))
