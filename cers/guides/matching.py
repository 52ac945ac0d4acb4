"""Which guide a person means: free text ("walk me through adding a user"), an id, a title, or the FAQ answer that offers it."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Optional, Sequence, Tuple

from rapidfuzz.distance import OSA

from cers.guides.loader import Guide, load_guides
from cers.text import words
from cers.topics import topic_answered_by, topics

# Words that say "walk me through" rather than which task: they must not decide the guide.
# (Not cers.text.STOPWORDS: "in", "up" and "get" matter here, as in "log in", "sign up".)
WALKTHROUGH_WORDS = frozenset(
    """
a an the my our your their me i im to how do does did can could would will you we us please help
walk walkthrough walking through thru step steps by one at time guide guided show tell with for of it
this that is are be want wanna need needs like just some and or start go going let lets what
where when which who there here about so now again cers cer on into onto via
""".split()
)

# Spellings people use for the same word; mapped before matching so phrases stay short.
SYNONYMS = {
    "info": "information",
    "infos": "information",
    "biz": "business",
    "acct": "account",
    "pw": "password",
    "pwd": "password",
    "someone": "person",
    "somebody": "person",
    "people": "person",
    "signon": "signin",
    "logon": "login",
    "coworker": "person",
    "coworkers": "person",
    "employee": "person",
    "employees": "person",
    "colleague": "person",
    "colleagues": "person",
}
# Hyphenated spellings joined before the text is split into words ("sign-in" is "signin").
_JOINED = re.compile(r"\b(sign|log|co)-(in|on|up|workers?)\b", re.IGNORECASE)


def _stem(word: str) -> str:
    """A crude stemmer: the same one is applied to phrases and messages, so it need only be consistent."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    while len(word) > 2 and word[-1] == word[-2]:
        word = word[:-1]
    return word


def _tokens(text: str) -> Tuple[str, ...]:
    joined = _JOINED.sub(lambda m: m.group(1) + m.group(2), text)
    return tuple(_stem(SYNONYMS.get(word, word)) for word in words(joined) if word not in WALKTHROUGH_WORDS)


def _similar(word: str, other: str) -> bool:
    if word == other:
        return True
    shortest, longest = sorted((len(word), len(other)))
    # Short words differ by one letter too often ("log"/"lot"): only longer words get typo tolerance,
    # and typos rarely hit the first letter ("submit" is not a typo of "resubmit").
    allowed = 0 if longest <= 3 or shortest < 3 else (1 if longest <= 8 else 2)
    if allowed == 0 or word[0] != other[0] or abs(len(word) - len(other)) > allowed:
        return False
    return OSA.distance(word, other) <= allowed  # a swapped pair of letters is one typo


def _with_joined_pairs(tokens: Sequence[str]) -> Tuple[str, ...]:
    # "log in" should match "login" and the other way round.
    return tuple(tokens) + tuple(_stem(a + b) for a, b in zip(tokens, tokens[1:]))


@lru_cache(maxsize=64)
def _guide_patterns(guide: Guide) -> Tuple[Tuple[Tuple[str, ...], ...], Tuple[str, ...]]:
    phrases = [guide.title, guide.id.replace("_", " "), *guide.phrases]
    patterns = tuple({t for t in (_tokens(p) for p in phrases) if t})
    keywords = tuple(token for word in guide.keywords for token in _tokens(word))
    return patterns, keywords


def guide_scores(text: str, guides: Optional[Dict[str, Guide]] = None) -> Dict[str, float]:
    """How well the text names each guide: the most words of one phrase found in it (0 when none)."""
    guides = guides if guides is not None else load_guides()
    words = _with_joined_pairs(_tokens(text or ""))
    scores: Dict[str, float] = {}
    if not words:
        return scores
    for guide in guides.values():
        patterns, keywords = _guide_patterns(guide)
        best = 0.0
        for pattern in patterns:
            if all(any(_similar(p, w) for w in words) for p in pattern):
                best = max(best, float(len(pattern)))
        if best == 0 and any(_similar(k, w) for k in keywords for w in words):
            best = 0.5  # a keyword alone is weaker evidence than any whole phrase
        if best:
            scores[guide.id] = best
    return scores


def match_guide(text: str, guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """The guide the text names, or None when it names none or two equally well (then ask)."""
    guides = guides if guides is not None else load_guides()
    scores = guide_scores(text, guides)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return guides[ranked[0][0]]


def find_guide(reference: Optional[str], guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """A guide from an id ("add_user"), a title, or words that name it ("adding a user")."""
    if not reference or not str(reference).strip():
        return None
    guides = guides if guides is not None else load_guides()
    key = str(reference).strip().lower().replace(" ", "_").replace("-", "_")
    if key in guides:
        return guides[key]
    for guide in guides.values():
        if guide.title.lower() == str(reference).strip().lower():
            return guide
    return match_guide(str(reference), guides)


def guide_for_faq(name: Optional[str], guides: Optional[Dict[str, Guide]] = None) -> Optional[Guide]:
    """The guide a topic's answer offers (cers/topics.yml), by the topic's intent or its answer's name."""
    if not name:
        return None
    guides = guides if guides is not None else load_guides()
    topic = topics().get(name) or topic_answered_by(name)
    return guides.get(topic.guide) if topic and topic.guide else None
