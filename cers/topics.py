"""The topic table (cers/topics.yml): each one-reply topic's intent, "Did you mean" title, answer, offered guide and walkthrough behaviour, and the rules made from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from cers.conversation.names import ENGLISH, OFFER_CONTINUE_ACTION, OFFICE_TOPIC_ACTION, SLOT_GUIDE_OPEN
from cers.templates import templates

TOPICS_FILE = Path(__file__).with_name("topics.yml")
KEYS = {"title", "answer", "guide", "interrupts", "own_rules"}
# Guesses below this confidence are not worth a button.
MIN_GUESS_CONFIDENCE = 0.08
MAX_GUESSES = 3


class TopicError(ValueError):
    """The topic table cannot be used; the message names the entry and what is wrong."""


@dataclass(frozen=True)
class Topic:
    intent: str
    title: Optional[str] = None  # None: never offered as a guess
    answer: str = ""  # a response (utter_...) or an action (action_...)
    guide: Optional[str] = None  # the walkthrough the answer offers
    interrupts: bool = True  # answered in the middle of a walkthrough, then an offer to continue
    own_rules: bool = False  # a flow with hand-written rules: only the title is used


@lru_cache(maxsize=1)
def topics() -> Dict[str, Topic]:
    """intent -> Topic, in the file's order."""
    with open(TOPICS_FILE, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    table: Dict[str, Topic] = {}
    for intent, entry in raw.items():
        entry = entry or {}
        where = f"{TOPICS_FILE.name}: {intent}"
        if not isinstance(entry, dict) or set(entry) - KEYS:
            raise TopicError(f"{where}: expected a mapping with some of {', '.join(sorted(KEYS))}")
        title = entry.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise TopicError(f"{where}: title must be a text")
        table[intent] = Topic(
            intent=intent,
            title=title,
            answer=str(entry.get("answer") or f"utter_{intent}"),
            guide=entry.get("guide"),
            interrupts=bool(entry.get("interrupts", True)),
            own_rules=bool(entry.get("own_rules", False)),
        )
    return table


def topic_titles(language: str = ENGLISH) -> Dict[str, str]:
    """intent -> button title, for the topics that have one, in the file's order (in Spanish:
    cers/templates/es/topics.yml)."""
    english = {intent: topic.title for intent, topic in topics().items() if topic.title}
    if language == ENGLISH:
        return english
    translated = templates("topics", language)
    return {intent: translated[f"titles.{intent}"] for intent in english}


def topic_answered_by(action: Optional[str]) -> Optional[Topic]:
    """The topic whose answer is this response or action (for an office topic, its response too)."""

    def answers(topic: Topic) -> bool:
        if topic.answer == OFFICE_TOPIC_ACTION:
            return action == f"utter_{topic.intent}"
        return topic.answer == action

    return next((t for t in topics().values() if action and answers(t) and not t.own_rules), None)


def topic_offering(guide_id: str) -> Optional[Topic]:
    return next((t for t in topics().values() if t.guide == guide_id), None)


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


def topic_rules() -> List[dict]:
    """The rules of every one-reply topic, as Rasa's YAML reads them: the intent is answered by its
    answer; one that interrupts a walkthrough is, while a guide is open, followed by the offer to continue."""
    rules: List[dict] = []
    for topic in topics().values():
        if topic.own_rules:
            continue
        rules.append({"rule": f"topic {topic.intent}", "steps": [{"intent": topic.intent}, {"action": topic.answer}]})
        if topic.interrupts:
            rules.append(
                {
                    "rule": f"topic {topic.intent} during a walkthrough",
                    "condition": [{"slot_was_set": [{SLOT_GUIDE_OPEN: True}]}],
                    "steps": [
                        {"intent": topic.intent},
                        {"action": topic.answer},
                        {"action": OFFER_CONTINUE_ACTION},
                        {"slot_was_set": [{SLOT_GUIDE_OPEN: False}]},
                    ],
                }
            )
    return rules


def topic_rules_yaml() -> str:
    return yaml.safe_dump({"version": "3.1", "rules": topic_rules()}, sort_keys=False, allow_unicode=True)
