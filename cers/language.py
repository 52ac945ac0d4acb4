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

from cers.conversation.names import CHOOSE_LANGUAGE_INTENT, EMERGENCY_INTENT
from cers.emergency import describes_emergency, normalise

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
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
    r"hablo espa[nñ]ol|habla(?:s)? espa[nñ]ol|no hablo (?:ingl[eé]s|english)|no entiendo (?:el )?ingl[eé]s|"
    r"castellano)\b"
)
_CHOOSE_ENGLISH = re.compile(
    r"\b(?:in english|english(?: please)?|en ingl[eé]s|ingl[eé]s(?: por favor)?|speak english|habla ingl[eé]s|"
    r"do you speak english|i don'?t speak spanish|no spanish)\b"
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


def message_language(text: Optional[str]) -> Optional[str]:
    """ "en" or "es" when the message is clearly in that language (or asks for it), None when it
    cannot tell (a number, "ok", CERS names only, a payload)."""
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


_SPANISH_EMERGENCY = re.compile(
    r"\b(?:derrame|derramando|derramo|derramó|se derram\w+|fuga|fugas|se (?:esta|está) "
    r"(?:saliendo|saliendo el|tirando|quemando|derramando)|se (?:esta|está|estan|están) \w*(?:ando|iendo|yendo)|"
    r"saliendo|se sale|nube|se rompi[oó]|se revent[oó]|revent[oó]|roto|rota|sale (?:gas|humo|liquido|líquido)|"
    r"incendio|fuego|se solt[oó]|se desbord[oó]|desbordando|corriendo|entrando a la|coladera|alcantarilla|"
    r"en la cara|los ojos|silbando|sonando|olor (?:muy )?(?:fuerte )?a|mareados|mareadas|se sienten? mal|"
    r"le cay[oó]|en los ojos|gritando|se quema|quemando|humo|explosión|explot[oó]|olor a|huele a|huele "
    r"(?:mucho )?(?:raro|fuerte)|me arden|le arden|arden los ojos|no (?:puedo|puede|podemos) "
    r"respirar|tosiendo|mareado|mareada|desmay\w+|intoxicad\w+|emergencia)\b"
)
_SPANISH_NOT_NOW = re.compile(
    r"\b(?:el a[nñ]o pasado|el mes pasado|la semana pasada|hace (?:un|dos|tres|unos|\d+) "
    r"(?:a[nñ]os?|mes(?:es)?|semanas?|d[ií]as)|tuvimos|si alg[uú]n d[ií]a|hubiera|hubiese|tendr[ií]amos|c[oó]mo (?:reporto|reportar|se reporta|"
    r"informo)|si (?:hay|tenemos|ocurre|pasa)|en caso de|contacto de emergencia|plan de emergencia|"
    r"plan de respuesta|extintor|simulacro|capacitaci[oó]n)\b"
)

_CLAUSE_SPLIT = re.compile(r"[,.;!?\n]+|\s+(?:y|pero|and|but)\s+")
_WORD = re.compile(r"[a-záéíóúüñ']+")


def describes_spanish_emergency(text: str) -> bool:
    """True when a Spanish (or mixed) message names a leak, fire, fumes or exposure happening now."""
    return any(
        _SPANISH_EMERGENCY.search(clause) and not _SPANISH_NOT_NOW.search(clause)
        for clause in _CLAUSE_SPLIT.split(normalise(text))
    )


def mentions_spanish_hazard(text: str) -> bool:
    """True when a Spanish message names a leak, fire, fumes or exposure (now or not)."""
    return bool(_SPANISH_EMERGENCY.search(normalise(text)))


def spanish_not_now(text: str) -> bool:
    """True when a Spanish message puts a release in the past or a hypothetical ("el año pasado")."""
    return bool(_SPANISH_NOT_NOW.search(normalise(text)))


def answer_in_both(text: str, language: Optional[str]) -> bool:
    """Whether the 911 reply goes in Spanish and English: an English conversation whose message
    names an emergency in Spanish ("the tank is leaking, hay fuga")."""
    return language != SPANISH and describes_spanish_emergency(text)


def triage_intent(text: Optional[str]) -> Optional[str]:
    """The intent a message must get whatever the classifier says, or None to keep its guess."""
    if not text or text.startswith("/"):
        return None  # a button's payload names its intent itself
    if describes_emergency(text) or describes_spanish_emergency(text):
        return EMERGENCY_INTENT
    if only_chooses_language(text):
        return CHOOSE_LANGUAGE_INTENT
    return None
