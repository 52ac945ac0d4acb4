"""Which language a message is written in (English or Spanish: the conversation answers in it), whether it asks for a language, and a Spanish emergency (911 first in Spanish too).

The language of a message is read by lingua (a language identifier built for short texts, limited
to English and Spanish) from its own words: CERS's English names (quoted buttons, "submittal",
"login", ...) are left out first, since Spanish speakers use them too. A message too short or too
mixed to tell says nothing, and the conversation keeps the language it had.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from cers.conversation.names import CHOOSE_LANGUAGE_INTENT, EMERGENCY_INTENT, ENGLISH, LANGUAGES, SPANISH  # noqa: F401
from cers.emergency import describes_emergency, normalise
from cers.emergency_es import (  # noqa: F401 (re-exported)
    describes_spanish_emergency,
    mentions_spanish_hazard,
)

# lingua's confidence a message needs to count as written in a language (measured on short
# messages: README, "Spanish"); a one-word message needs more, as "si", "no", "ya" are both.
MIN_CONFIDENCE = 0.7
MIN_CONFIDENCE_ONE_WORD = 0.9
# One-word Spanish greetings lingua is unsure of (0.66 for "hola"): a conversation's first word.
_SPANISH_GREETINGS = frozenset({"hola", "ola", "buenas", "buenos", "saludos"})

# CERS's own English names, used the same way in Spanish sentences: not evidence of English.
_CERS_WORDS = re.compile(
    r"'[^']*'|\"[^\"]*\"|\b(?:cers|cupa|hmbp|ust|apsa|spcc|calarp|rmp|epa|id|ids|submittals?|"
    r"login|log ?in|logout|password|passwords|user ?id|username|users?|lead|approver|editor|viewer|"
    r"business|portal|sign ?in|upload|uploads|click|inventory|site ?map|e-?mail|email|link|online|"
    r"web|website|ok|okay|status|draft|submitted|under review|accepted|not accepted|next|back|"
    r"invoice|manifest|leak|tank|plan|element|elements)\b|[0-9][0-9 .,:/()-]*"
)
_LETTERS = re.compile(r"[^\W\d_]+")

# Asking for a language: the whole message, or a request inside it.
_CHOOSE_SPANISH = re.compile(
    r"\b(?:en espa[nñ]ol|espa[nñ]ol(?: por favor| porfa| plis| please)?|in spanish|spanish(?: please)?|"
    r"hablo espa[nñ]ol|habla(?:s)? espa[nñ]ol|no (?:hablo|entiendo|s[eé]) (?:mucho |bien )?(?:el )?ingl[eé]s|"
    r"mi ingl[eé]s no es bueno|castellano)\b"
)
_CHOOSE_ENGLISH = re.compile(
    r"\b(?:in english|english please|en ingl[eé]s|speak english|habla(?:s)? ingl[eé]s|"
    r"i don'?t speak spanish|no spanish)\b|^(?:english|ingl[eé]s)[.!? ]*$"
)
_CHOICE_ONLY = re.compile(
    r"^(?:(?:can you |could you |please |por favor |puede |me puede |quiero que me )?"
    r"(?:answer|reply|talk|write|speak|hablar|hablarme|contestar|responder|escribir)?\s*(?:me |le )?"
    r"(?:en|in)?\s*)?(?:espa[nñ]ol|spanish|english|ingl[eé]s|castellano)"
    r"(?:\s*(?:please|por favor|porfa|plis|gracias))?[.!?¿¡ ]*$"
)


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_preloaded_language_models()
        .build()
    )


def load_detector() -> None:
    """Load lingua's English and Spanish models now (0.8 s), not on the first message."""
    _detector()


def chosen_language(text: str) -> Optional[str]:
    """The language a message asks to be answered in ("en español por favor", "English"), or None."""
    plain = normalise(text)
    spanish, english = bool(_CHOOSE_SPANISH.search(plain)), bool(_CHOOSE_ENGLISH.search(plain))
    if spanish == english:
        return None
    return SPANISH if spanish else ENGLISH


def only_chooses_language(text: str) -> bool:
    """True when the whole message is a language choice ("español", "in English please")."""
    return chosen_language(text) is not None and bool(_CHOICE_ONLY.match(normalise(text).strip("¿¡ ")))


@lru_cache(maxsize=4096)
def message_language(text: Optional[str]) -> Optional[str]:
    """ "en" or "es" when the message is clearly in that language (or asks for it), None when it
    cannot tell (a number, "ok", CERS names only, a payload). Remembered for the last 4,096
    texts: the classifier, the triage and the emergency rules each ask about the same message."""
    if not text or text.startswith("/"):
        return None
    choice = chosen_language(text)
    if choice:
        return choice
    words = _LETTERS.findall(_CERS_WORDS.sub(" ", normalise(text)))
    if not words:
        return None
    if len(words) == 1 and words[0] in _SPANISH_GREETINGS:
        return SPANISH
    from lingua import Language

    confidences = _detector().compute_language_confidence_values(" ".join(words))
    best = confidences[0]
    needed = MIN_CONFIDENCE_ONE_WORD if len(words) == 1 else MIN_CONFIDENCE
    if best.value < needed:
        return None
    return SPANISH if best.language == Language.SPANISH else ENGLISH


def describes_emergency_in_spanish(text: str) -> bool:
    """A message not in English that describes a release happening now in Spanish (the Spanish
    rules read English words too, so they are not asked about an English message)."""
    return message_language(text) != ENGLISH and describes_spanish_emergency(text)


def answer_in_both(text: str, language: Optional[str]) -> bool:
    """Whether the 911 reply goes in Spanish and English: an English conversation whose message
    names an emergency in Spanish ("the tank is leaking, hay fuga")."""
    return language != SPANISH and describes_emergency_in_spanish(text)


def triage_intent(text: Optional[str]) -> Optional[str]:
    """The intent a message must get whatever the classifier says, or None to keep its guess."""
    if not text or text.startswith("/"):
        return None  # a button's payload names its intent itself
    if describes_emergency(text) or describes_emergency_in_spanish(text):
        return EMERGENCY_INTENT
    if only_chooses_language(text):
        return CHOOSE_LANGUAGE_INTENT
    return None
