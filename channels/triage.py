"""An NLU component (registered with Rasa's recipe, named in config.yml) that overrides the intent classifier where a guess is not good enough (a release happening now is always report_emergency; "English" / "español" alone is choose_language), and names the language of a message whose language is clear.

It runs last in the pipeline, after the FallbackClassifier, so an emergency is caught even when
the classifier was unsure or sure of something else. The classifier's own guesses stay in
intent_ranking (after the override) for the record. A guess the words contradict is replaced by
the next one: an emergency in the past, or "here is my CERS ID" for a message whose only number is
a phone number. A message clearly in English or Spanish (or asking for one) gets a "language"
entity, which fills the conversation's language slot (domain.yml); an unclear one ("ok", a
number) gets none, so the conversation keeps its language. The widget's first message carries
the page's language in its metadata, used when the words do not tell. The rules live in
cers/emergency.py, cers/language.py and cers/text.py; this module only applies them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cers.conversation.names import EMERGENCY_INTENT, LANGUAGE_ENTITY, PAGE_LANGUAGE, PROVIDE_IDS_INTENT, UNSURE_INTENT
from cers.emergency import explicitly_not_now, mentions_hazard
from cers.emergency_es import rules_out_spanish_emergency
from cers.language import (
    LANGUAGES,
    SPANISH,
    describes_emergency_in_spanish,
    load_detector,
    message_language,
    triage_intent,
)
from cers.text import offers_facility_ids

# When the classifier's "emergency" is overruled (a past leak, a question about leak detection),
# its next guess is answered only if it is at least this likely; otherwise "Did you mean".
MIN_NEXT_GUESS = 0.25


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TriageOverride(GraphComponent):
    """Sets report_emergency or choose_language when cers/ says so, and the message's language."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TriageOverride":
        load_detector()  # lingua's models load with the model, not on the first message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            name_language(message, message_language(text) or page_language(message))
            intent = triage_intent(text)
            if intent:
                override(message, intent)
            elif guessed(message) == EMERGENCY_INTENT and not plausible_emergency(text):
                demote(message, EMERGENCY_INTENT)
            elif guessed(message) == PROVIDE_IDS_INTENT and not offers_facility_ids(text):
                # Digits that are no ID or ZIP offered ("something about users, 530-555-0142").
                demote(message, PROVIDE_IDS_INTENT)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


def plausible_emergency(text: Text) -> bool:
    """The classifier's "emergency" stands unless the words put it in the past or a hypothetical,
    or name no hazard at all (in Spanish, whose hazard words the rules know fewer of: unless they
    rule it out, cers/emergency_es.py)."""
    if message_language(text) == SPANISH:
        return not rules_out_spanish_emergency(text)
    if explicitly_not_now(text):
        return False
    return mentions_hazard(text) or describes_emergency_in_spanish(text)


def page_language(message: Message) -> Optional[Text]:
    """The language of the page the widget is on, sent with its first message."""
    language = (message.get(METADATA) or {}).get(PAGE_LANGUAGE)
    return language if language in LANGUAGES else None


def name_language(message: Message, language: Optional[Text]) -> None:
    if not language:
        return
    entity = {"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": 0, "extractor": "TriageOverride"}
    others = [e for e in message.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_ENTITY]
    message.set(ENTITIES, others + [entity], add_to_output=True)


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
        if guess.get(INTENT_NAME_KEY) not in (intent, UNSURE_INTENT)
    ]
    if ranking and ranking[0].get("confidence", 0.0) >= MIN_NEXT_GUESS:
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
    else:
        message.set(INTENT, {INTENT_NAME_KEY: UNSURE_INTENT, "confidence": 1.0}, add_to_output=True)
        ranking = [{INTENT_NAME_KEY: UNSURE_INTENT, "confidence": 1.0}] + ranking
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
