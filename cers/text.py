"""Reading what people type, one way each: words, CERS IDs and ZIP codes, numbered choices, spans of days."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

DEFAULT_DAYS = 30
# Obviously made up, and no demo facility's: a person must not mistake an example for a real ID.
EXAMPLE_ID = "12345678"
EXAMPLE_ZIP = "12345"

# Function words that never tell what a message is about; callers add the words of their own task.
STOPWORDS = frozenset(
    """
a about am an and any anything are at be by can could did do does for get give how i im in into is it
its just let lets like me my need needs now of on onto our please s so some tell that the their them
there this to up us via want wanna we what whats when where which who will with would you your
""".split()
)

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> List[str]:
    """Lower-case words and numbers, accents and apostrophes dropped ("Café #2", "let's" -> "cafe", "2", "lets")."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _WORD.findall(re.sub(r"(?<=[a-z])'(?=[a-z])", "", plain))


# ---------------------------------------------------------------- CERS IDs and ZIP codes

_DIGITS = re.compile(r"\d+")
# What may separate the parts of one CERS ID typed in groups: "10 234 567", "10-234-567", "10.234.567".
_ID_PART_SEPARATORS = (" ", "-", ".")


@dataclass(frozen=True)
class Numbers:
    """The CERS ID and ZIP code found in a message, and the digit groups that are neither."""

    cers_id: Optional[str] = None
    zip: Optional[str] = None
    unclaimed: Tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.cers_id or self.zip)


def is_cers_id(digits: str) -> bool:
    return len(digits) in (8, 9) and digits[0] != "0"


def _joined_id(groups: Sequence[Tuple[str, int, int]], start: int, text: str) -> Tuple[Optional[str], int]:
    """A CERS ID typed in parts from groups[start] on ("10 234 567"): (the ID, the next group) or (None, start)."""
    joined, best, end = "", None, start
    for index in range(start, len(groups)):
        digits, begin, _ = groups[index]
        if len(digits) > 4:
            break
        if index > start and text[groups[index - 1][2] : begin] not in _ID_PART_SEPARATORS:
            break
        joined += digits
        if len(joined) > 9:
            break
        if index > start and is_cers_id(joined):
            best, end = joined, index + 1
    return (best, end) if best else (None, start)


def find_numbers(text: str) -> Numbers:
    """The CERS ID (8 or 9 digits, no leading zero, maybe typed in groups) and the ZIP code
    (5 digits, maybe with its +4) in a message, in either order; the first of each counts."""
    text = text or ""
    groups = [(m.group(), m.start(), m.end()) for m in _DIGITS.finditer(text)]
    cers_id = zip_code = None
    unclaimed: List[str] = []
    index = 0
    while index < len(groups):
        digits, _, end = groups[index]
        following = groups[index + 1] if index + 1 < len(groups) else None
        if len(digits) == 5 and following and len(following[0]) == 4 and text[end : following[1]].strip() == "-":
            zip_code = zip_code or digits  # ZIP+4: "95971-1234"
            index += 2
            continue
        joined, after = _joined_id(groups, index, text)
        if joined:
            cers_id = cers_id or joined
            index = after
            continue
        if is_cers_id(digits):
            cers_id = cers_id or digits
        elif len(digits) == 5:
            zip_code = zip_code or digits
        else:
            unclaimed.append(digits)
        index += 1
    return Numbers(cers_id, zip_code, tuple(unclaimed))


# A US phone number in a sentence ("reach me on 530-555-0142", "(530) 555 0142"): never an ID.
_PHONE = re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s*|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b|\b\d{3}-\d{4}\b")
# Words that offer a number as the facility's ID or ZIP ("my id is ...", "zip 9597").
_OFFERS_A_NUMBER = re.compile(r"\b(?:cers|id|ids|zip|zipcode|zip code|postal|number|facility|#)", re.IGNORECASE)
# A message of at most this many words besides its numbers is an answer, not a sentence.
_SHORT_ANSWER_WORDS = 3


def _without_phones(text: str) -> str:
    return _PHONE.sub(" ", text)


def _digits_only(text: str) -> bool:
    return not re.search(r"[A-Za-z]{3,}", text or "")


def looks_like_a_try(text: str, numbers: Numbers) -> bool:
    """Whether the message holds a number that was meant as a CERS ID or ZIP but is not one.

    Short numbers inside a sentence ("we have 2 sites") are not tries, nor a phone number in one
    ("something about users, 530-555-0142"); a message of digits alone is, and so is a longer
    number the message offers as an ID or ZIP ("my id is 1023456") or gives as a short answer."""
    if not numbers.unclaimed:
        return False
    if _digits_only(text):
        return True
    sentence = _without_phones(text or "")
    long_numbers = [group for group in re.findall(r"\d+", sentence) if len(group) >= 4 and group in numbers.unclaimed]
    if not long_numbers:
        return False
    words = re.findall(r"[A-Za-z]+", sentence)
    return bool(_OFFERS_A_NUMBER.search(sentence)) or len(words) <= _SHORT_ANSWER_WORDS


def offers_facility_ids(text: str) -> bool:
    """Whether a message is (or plainly offers) a CERS ID or ZIP code, well formed or not: a
    question that only happens to hold a number is not ("something about users, 530-555-0142")."""
    numbers = find_numbers(text)
    if _digits_only(text):
        return bool(numbers.found or numbers.unclaimed)
    sentence_numbers = find_numbers(_without_phones(text or ""))
    return sentence_numbers.found or looks_like_a_try(text, numbers)


def mentions_zip(text: str) -> bool:
    return bool(re.search(r"\bzip", text or "", re.IGNORECASE)) and not re.search(
        r"\b(cers|id)\b", text or "", re.IGNORECASE
    )


# ---------------------------------------------------------------- choices and spans

_CHOICE = re.compile(r"^\s*(?:#|no\.?|number|option|choice)?\s*(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def parse_choice(text: str) -> Optional[int]:
    """A number picked from a numbered list or buttons: "2", "#2", "2.", "number 2"."""
    match = _CHOICE.match(text or "")
    return int(match.group(1)) if match else None


_WORD_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "eight": 8,
    "ten": 10,
    "twelve": 12,
    "few": 3,
    "couple of": 2,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


def parse_days(text: str, default: int = DEFAULT_DAYS) -> int:
    """How far ahead "due in the next N days/weeks/months" looks; 30 days unless the message says."""
    text = (text or "").lower()
    words = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
    match = re.search(rf"\b(\d{{1,5}}|{words})\s+(day|week|month)s?\b", text)
    if match:
        amount = match.group(1)
        count = int(amount) if amount.isdigit() else _WORD_NUMBERS[amount]
        return max(1, min(count * _UNIT_DAYS[match.group(2)], 366))
    match = re.search(r"\b(?:this|next|coming)\s+(week|month)\b", text)
    if match:
        return _UNIT_DAYS[match.group(1)]
    return default


# Words around a facility's name in a staff question ("what's the status of ... ?"); the rest is the name.
STATUS_QUERY_WORDS = STOPWORDS | frozenset(
    """
check cers compliance compliant current date details doing facility find id info information look
lookup number pull record report show site status
""".split()
)


def staff_query(text: str) -> str:
    """The part of a staff question that names a facility: "status of chester lumbr" -> "chester lumbr"."""
    if (text or "").startswith("/"):
        return ""  # a button payload names an intent, not a facility
    return " ".join(word for word in words(text) if word not in STATUS_QUERY_WORDS)
