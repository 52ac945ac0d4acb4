"""The topics the bot can offer as guesses when it is unsure ("Did you mean ..."), read from topics.yml."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

TOPICS_FILE = Path(__file__).with_name("topics.yml")
# Guesses below this confidence are not worth a button.
MIN_GUESS_CONFIDENCE = 0.08
MAX_GUESSES = 3


@lru_cache(maxsize=1)
def topic_titles() -> Dict[str, str]:
    """intent name -> button title, in the file's order."""
    with open(TOPICS_FILE, encoding="utf-8") as handle:
        titles = yaml.safe_load(handle) or {}
    if not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in titles.items()):
        raise ValueError(f"{TOPICS_FILE}: every entry must be 'intent: Button title'")
    return titles


def best_guesses(ranking: Iterable[Tuple[str, float]]) -> List[str]:
    """The likeliest topics that have a title (at most three), best first, from (intent, confidence) pairs."""
    titles = topic_titles()
    guesses: List[str] = []
    for intent, confidence in sorted(ranking, key=lambda pair: -pair[1]):
        if intent in titles and confidence >= MIN_GUESS_CONFIDENCE and intent not in guesses:
            guesses.append(intent)
        if len(guesses) == MAX_GUESSES:
            break
    return guesses
