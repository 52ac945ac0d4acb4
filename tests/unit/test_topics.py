"""The topic table (cers/topics.yml) is the one place a one-reply topic is declared: it must match the domain, the guides, and the rules Rasa trains on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cers.conversation.names import OFFER_CONTINUE_ACTION
from cers.guides.loader import load_guides
from cers.topics import topic_rules, topics

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_topic_is_an_intent_of_the_domain_answered_by_something_it_has():
    intents = set(DOMAIN["intents"]) | {"nlu_fallback"}  # Rasa's own, from the FallbackClassifier
    answers = set(DOMAIN["responses"]) | set(DOMAIN.get("actions") or [])
    for topic in topics().values():
        assert topic.intent in intents, f"{topic.intent}: not an intent in domain.yml"
        if not topic.own_rules:
            assert topic.answer in answers, f"{topic.intent}: {topic.answer} is neither a response nor an action"


def test_every_guide_a_topic_offers_exists_and_each_guide_is_offered():
    guides = load_guides()
    offered = {topic.guide for topic in topics().values() if topic.guide}
    assert offered <= set(guides)
    assert offered == set(guides), f"guides no topic offers: {set(guides) - offered}"


def rasa_rules():
    """The rules Rasa trains on, read the way training reads them (config.yml's importer)."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    rules = []
    for step in importer.get_stories().story_steps:
        if not step.block_name.startswith("topic ") and not any(isinstance(e, UserUttered) for e in step.events):
            continue
        first_user = (
            next(i for i, e in enumerate(step.events) if isinstance(e, UserUttered))
            if any(isinstance(e, UserUttered) for e in step.events)
            else 0
        )
        # A rule's conditions: slots, or a form being active (an emergency during the callback request).
        conditions = [e for e in step.events[:first_user] if isinstance(e, (SlotSet, ActiveLoop))]
        events = [e for e in step.events if isinstance(e, (UserUttered, ActionExecuted))]
        names = [e.intent_name if isinstance(e, UserUttered) else e.action_name for e in events]
        names = [n for n in names if n and n not in ("action_listen", "...")]
        rules.append((step.block_name, names, conditions))
    return rules


@pytest.fixture(scope="module")
def trained_rules():
    return rasa_rules()


def test_rasa_trains_on_one_rule_per_topic_and_one_during_a_walkthrough(trained_rules):
    by_name = {name: steps for name, steps, _ in trained_rules}
    for topic in topics().values():
        if topic.own_rules:
            continue
        assert by_name.get(f"topic {topic.intent}") == [topic.intent, topic.answer]
        during = by_name.get(f"topic {topic.intent} during a walkthrough")
        if topic.interrupts:
            assert during == [topic.intent, topic.answer, OFFER_CONTINUE_ACTION]
        else:
            assert during is None


def test_no_hand_written_rule_answers_a_topic_a_second_way(trained_rules):
    table = {intent for intent, topic in topics().items() if not topic.own_rules}
    for name, steps, conditions in trained_rules:
        if not name.startswith("topic ") and steps and not conditions:
            assert steps[0] not in table or name.endswith("after the elements answer"), name


def test_the_rules_are_made_from_the_table_alone():
    assert len(topic_rules()) == sum(1 + t.interrupts for t in topics().values() if not t.own_rules)
