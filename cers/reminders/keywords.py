"""What an inbound text asks of the reminders: STOP (opt out), START (opt back in), HELP or STATUS, and in which language; a whole message only, so "stop by at 3" is a question, not an opt-out.

The carriers' and CTIA's opt-out words, and their Spanish ones. The message is compared whole,
ignoring case, spaces, punctuation and accents ("Stop.", " s t o p ", "¡ALTO!", "Stop all").

The language: "es" for a Spanish word (ALTO, AYUDA, ...), "en" for an English-only one
(UNSUBSCRIBE, ...), None for the words both languages' texts tell people to send (STOP, START,
HELP, STATUS): answer those in the number's language (its subscription's), English when unknown.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from cers.conversation.names import ENGLISH, SPANISH


class Kind(enum.Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    STATUS = "status"
    NONE = "none"


# word -> (kind, language; None: the texts of both languages use it)
WORDS: dict[str, tuple[Kind, Optional[str]]] = {
    "STOP": (Kind.OPT_OUT, None),
    "STOPALL": (Kind.OPT_OUT, ENGLISH),
    "UNSUBSCRIBE": (Kind.OPT_OUT, ENGLISH),
    "CANCEL": (Kind.OPT_OUT, ENGLISH),
    "END": (Kind.OPT_OUT, ENGLISH),
    "QUIT": (Kind.OPT_OUT, ENGLISH),
    "ALTO": (Kind.OPT_OUT, SPANISH),
    "PARAR": (Kind.OPT_OUT, SPANISH),
    "CANCELAR": (Kind.OPT_OUT, SPANISH),
    "START": (Kind.OPT_IN, None),
    "UNSTOP": (Kind.OPT_IN, ENGLISH),
    "HELP": (Kind.HELP, None),
    "INFO": (Kind.HELP, None),
    "AYUDA": (Kind.HELP, SPANISH),
    "STATUS": (Kind.STATUS, None),
    "ESTADO": (Kind.STATUS, SPANISH),
}


@dataclass(frozen=True)
class Keyword:
    kind: Kind
    word: str  # as WORDS spells it ("" for NONE): what the opt-out log keeps
    language: Optional[str]  # see the module's docstring

    def reply_language(self, known: Optional[str]) -> str:
        """The language to answer in: the word's own, else the number's (`known`), else English."""
        return self.language or known or ENGLISH


NONE = Keyword(Kind.NONE, "", None)
_NOT_LETTERS = re.compile(r"[^A-Z0-9]+")  # digits stay: "STOP 2" is not STOP


def normalize(message: str) -> str:
    """The message as one word: accents, case, spaces and punctuation gone ("¡Alto!" -> "ALTO")."""
    folded = unicodedata.normalize("NFKD", message or "")
    return _NOT_LETTERS.sub("", "".join(c for c in folded if not unicodedata.combining(c)).upper())


def classify(message: str) -> Keyword:
    """The keyword the whole message is, or NONE (then it is a message for the bot)."""
    word = normalize(message)
    found = WORDS.get(word)
    return Keyword(found[0], word, found[1]) if found else NONE
