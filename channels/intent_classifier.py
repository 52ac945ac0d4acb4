"""The project's intent classifier as a Rasa component (registered with the recipe, named in config.yml): it feeds cers/intent_model.py the pipeline's tokens and the message's sentence embedding, and sets the intent and its ranking."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cers.conversation.names import EXAMPLE_LANGUAGE
from cers.intent_model import BilingualIntentModel, IntentModelSettings
from cers.language import ENGLISH, message_language

logger = logging.getLogger(__name__)
MODEL_FILE = "intent_model.joblib"


@lru_cache(maxsize=1)
def _shared_encoder():
    from cers.sentence_encoder import SentenceEncoder

    return SentenceEncoder.load()


def _encoder(enabled: bool):
    """The sentence encoder, loaded once per process (its weights come from an installed package)."""
    return _shared_encoder() if enabled else None


def example_language(example: Message) -> str:
    """A training example's language: its intent block's `metadata: {language: ...}`, else English."""
    metadata = example.get(METADATA) or {}
    return str((metadata.get(METADATA_INTENT) or {}).get(EXAMPLE_LANGUAGE) or ENGLISH)


def _words(message: Message) -> List[str]:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return [token.text for token in tokens]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class CersIntentClassifier(GraphComponent, IntentClassifier):
    """Words, character n-grams and a sentence embedding into a linear SVM (cers/intent_model.py):
    one for English messages, one for the others (Spanish, unclear), see BilingualIntentModel.

    A training example is Spanish when its intent block says `metadata: {language: es}`
    (data/nlu/es/); every other one is English."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = IntentModelSettings()
        return {
            "sentence_embeddings": True,
            "embedding_weight": defaults.embedding_weight,
            "svm_c": defaults.svm_c,
            "temperature": defaults.temperature,
            "ranking_length": defaults.ranking_length,
            "cascade_confidence": defaults.cascade_confidence,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[BilingualIntentModel] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model or BilingualIntentModel.with_settings(
            IntentModelSettings(
                embedding_weight=float(self.config["embedding_weight"]),
                svm_c=float(self.config["svm_c"]),
                temperature=float(self.config["temperature"]),
                ranking_length=int(self.config["ranking_length"]),
                cascade_confidence=float(self.config["cascade_confidence"]),
            )
        )
        self.encoder = _encoder(bool(self.config["sentence_embeddings"]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CersIntentClassifier":
        return cls(config, model_storage, resource)

    @property
    def _embed(self):
        return None if self.encoder is None else self.encoder.encode

    def train(self, training_data: TrainingData) -> Resource:
        examples = [ex for ex in training_data.intent_examples if ex.get(TEXT) and ex.get(INTENT)]
        texts = [ex.get(TEXT) for ex in examples]
        english = [example_language(ex) == ENGLISH for ex in examples]
        logger.info("Training the intent models on %d examples (%d in English)", len(texts), sum(english))
        self.model.fit(
            texts, [_words(ex) for ex in examples], [ex.get(INTENT) for ex in examples], english, self._embed
        )
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [message.get(TEXT) or "" for message in messages]
        if not isinstance(self.model, BilingualIntentModel) or not self.model.trained:
            return messages
        in_english = [message_language(text) == ENGLISH for text in texts]
        rankings = self.model.rank(texts, [_words(m) for m in messages], in_english, self._embed)
        for message, ranking in zip(messages, rankings):
            ranked = [{INTENT_NAME_KEY: name, "confidence": confidence} for name, confidence in ranking]
            message.set(INTENT, ranked[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranked, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CersIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent model found: messages get no intent until you train.")
            model = None
        return cls(config, model_storage, resource, model)
