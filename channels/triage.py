"""An NLU component (registered with Rasa's recipe, named in config.yml) that overrides the intent classifier where a guess is not good enough: a release happening now is always report_emergency, and a message in Spanish is non_english.

It runs last in the pipeline, after the FallbackClassifier, so an emergency is caught even when
the classifier was unsure or sure of something else. The classifier's own guesses stay in
intent_ranking (after the override) for the record. A guess the words contradict is replaced by
the next one: an emergency in the past, or "here is my CERS ID" for a message whose only number is
a phone number. The rules live in cers/emergency.py, cers/language.py and cers/text.py; this
module only applies them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cers.emergency import explicitly_not_now, mentions_hazard
from cers.language import EMERGENCY_INTENT, triage_intent
from cers.text import offers_facility_ids

FALLBACK_INTENT = "nlu_fallback"
IDS_INTENT = "provide_facility_ids"
# When the classifier's "emergency" is overruled (a past leak, a question about leak detection),
# its next guess is answered only if it is at least this likely; otherwise "Did you mean".
MIN_NEXT_GUESS = 0.25


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TriageOverride(GraphComponent):
    """Sets report_emergency or non_english when cers/ says so; leaves other messages alone."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TriageOverride":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = triage_intent(text)
            if intent:
                override(message, intent)
            elif guessed(message) == EMERGENCY_INTENT and (explicitly_not_now(text) or not mentions_hazard(text)):
                demote(message, EMERGENCY_INTENT)
            elif guessed(message) == IDS_INTENT and not offers_facility_ids(text):
                # Digits that are no ID or ZIP offered ("something about users, 530-555-0142").
                demote(message, IDS_INTENT)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


def override(message: Message, intent: Text) -> None:
    chosen = {INTENT_NAME_KEY: intent, "confidence": 1.0}
    ranking = [guess for guess in message.get(INTENT_RANKING_KEY) or [] if guess.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)


def guessed(message: Message) -> Optional[Text]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def demote(message: Message, intent: Text) -> None:
    """The classifier's guess is contradicted by the words (an emergency in the past, in a
    hypothetical or a rules question, or naming no hazard at all; an "ID" that is a phone number):
    its next guess if likely enough, else "not sure"."""
    ranking = [
        guess
        for guess in message.get(INTENT_RANKING_KEY) or []
        if guess.get(INTENT_NAME_KEY) not in (intent, FALLBACK_INTENT)
    ]
    if ranking and ranking[0].get("confidence", 0.0) >= MIN_NEXT_GUESS:
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
    else:
        message.set(INTENT, {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": 1.0}, add_to_output=True)
        ranking = [{INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": 1.0}] + ranking
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
