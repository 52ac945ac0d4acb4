"""The intent classifier's model in plain Python: words, character n-grams and a sentence embedding in, ranked intents out.

Chosen by measurement on the held-out sets (README, "NLU variants"): TF-IDF of words (1-2 grams)
and of character n-grams inside words (2-5, robust to typos), plus the all-MiniLM-L6-v2 sentence
embedding (meaning beyond shared words: "our phone number in CERS is out of date"), into a
linear SVM. Confidences are a softmax of the SVM's margins; the temperature makes them comparable
with the FallbackClassifier's threshold.

The embedding costs about 13 ms a message on this machine (numpy streams 42 MB of weights), the
rest well under 1 ms. So two SVMs are trained: one on words and characters alone, one with the
embedding too. A message the first is sure about (confidence >= cascade_confidence, about 87% of
the held-out messages) takes its answer; the others are embedded and go to the second. On the
held-out sets this gives the second model's accuracy (measured: the same to the third decimal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

Ranking = List[Tuple[str, float]]
Embed = Callable[[List[str]], np.ndarray]


@dataclass
class IntentModelSettings:
    # How much the sentence embedding weighs against the TF-IDF features (both have unit length).
    embedding_weight: float = 0.5
    # The SVM's regularisation (higher: fits the training examples more closely).
    svm_c: float = 1.0
    # Softmax temperature over the margins: the confidences the FallbackClassifier compares.
    temperature: float = 8.0
    ranking_length: int = 10
    # Messages the words-and-characters model ranks at least this sure skip the embedding.
    cascade_confidence: float = 0.9


def word_ngrams(words: Sequence[str]) -> List[str]:
    """A message's words (already split by the pipeline's tokenizer) and word pairs."""
    lowered = [word.lower() for word in words]
    return lowered + [f"{a} {b}" for a, b in zip(lowered, lowered[1:])]


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, dtype=np.float32)


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32)


@dataclass
class IntentModel:
    settings: IntentModelSettings = field(default_factory=IntentModelSettings)
    words: TfidfVectorizer = field(default_factory=_word_vectorizer)
    characters: TfidfVectorizer = field(default_factory=_char_vectorizer)
    # On words and characters alone; and with the embedding too (None when trained without).
    fast_svm: Optional[LinearSVC] = None
    full_svm: Optional[LinearSVC] = None
    # Each SVM's weights transposed once into a contiguous array: sklearn's decision_function
    # copies coef_.T for every call (about 1.5 ms here), a product with this array does not.
    _transposed: dict = field(default_factory=dict, repr=False)

    def text_features(self, texts: Sequence[str], words: Sequence[Sequence[str]], fit: bool = False):
        lowered = [text.lower() for text in texts]
        if fit:
            parts = [self.words.fit_transform(words), self.characters.fit_transform(lowered)]
        else:
            parts = [self.words.transform(words), self.characters.transform(lowered)]
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def with_embeddings(self, features, embeddings: np.ndarray):
        scaled = np.asarray(embeddings, dtype=np.float32) * self.settings.embedding_weight
        return sp.hstack([features, sp.csr_matrix(scaled)], format="csr", dtype=np.float32)

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.settings.svm_c, class_weight="balanced", random_state=42)

    def fit(
        self, texts: Sequence[str], words: Sequence[Sequence[str]], intents: Sequence[str], embed: Optional[Embed]
    ) -> None:
        if len(set(intents)) < 2:
            raise ValueError("the intent classifier needs examples of at least two intents")
        features = self.text_features(texts, words, fit=True)
        self._transposed.clear()
        self.fast_svm = self._svm().fit(features, list(intents))
        self.full_svm = None
        if embed is not None:
            self.full_svm = self._svm().fit(self.with_embeddings(features, embed(list(texts))), list(intents))

    def rank(self, texts: Sequence[str], words: Sequence[Sequence[str]], embed: Optional[Embed]) -> List[Ranking]:
        """For each text, (intent, confidence) pairs, best first, at most ranking_length of them."""
        if self.fast_svm is None:
            raise RuntimeError("the intent model is not trained")
        features = self.text_features(texts, words)
        confidences = self.confidences(self.fast_svm, features)
        unsure = [i for i, row in enumerate(confidences) if row.max() < self.settings.cascade_confidence]
        if unsure and embed is not None and self.full_svm is not None:
            embedded = self.with_embeddings(features[unsure], embed([texts[i] for i in unsure]))
            confidences[unsure] = self.confidences(self.full_svm, embedded)
        names = self.fast_svm.classes_
        rankings = []
        for row in confidences:
            best = np.argsort(-row)[: self.settings.ranking_length]
            rankings.append([(str(names[i]), float(row[i])) for i in best])
        return rankings

    def confidences(self, svm: LinearSVC, features) -> np.ndarray:
        """Softmax of the SVM's margins at the model's temperature: (messages, intents)."""
        key = "full" if svm is self.full_svm else "fast"
        if key not in self._transposed:
            self._transposed[key] = (
                np.ascontiguousarray(svm.coef_.T, dtype=np.float32),
                svm.intercept_.astype(np.float32),
            )
        weights, intercept = self._transposed[key]
        margins = np.asarray(features @ weights, dtype=np.float64) + intercept
        scaled = (margins - margins.max(axis=1, keepdims=True)) * self.settings.temperature
        confidences = np.exp(scaled)
        return confidences / confidences.sum(axis=1, keepdims=True)


@dataclass
class BilingualIntentModel:
    """Two intent models: one trained on every example (English and Spanish), one on the English
    examples alone. A message clearly in English is ranked by the English one, so the Spanish
    examples never change an English answer; any other message (Spanish, Spanglish, or unclear:
    "ok", a number) by the one that knows both. Chosen by the held-out sets (docs/intents.md): the
    bilingual model alone lost 2 of 343 English messages of one set; routed, no English set drops
    and Spanish stays within 0.4 points."""

    both: IntentModel = field(default_factory=IntentModel)
    english: IntentModel = field(default_factory=IntentModel)

    @classmethod
    def with_settings(cls, settings: IntentModelSettings) -> "BilingualIntentModel":
        return cls(IntentModel(settings), IntentModel(settings))

    def fit(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        intents: Sequence[str],
        english: Sequence[bool],
        embed: Optional[Embed],
    ) -> None:
        """`english`: for each example, whether it is an English one (the other language's
        examples say so in their training files)."""
        embed_once: Optional[Embed] = None
        if embed is not None:
            # Each example is embedded once (the slow part of training), for both models.
            vectors = dict(zip(texts, embed(list(texts))))

            def embed_once(batch: List[str]) -> np.ndarray:
                return np.stack([vectors[text] for text in batch])

        self.both.fit(texts, words, intents, embed_once)
        chosen = [i for i, is_english in enumerate(english) if is_english]
        self.english.fit(
            [texts[i] for i in chosen], [words[i] for i in chosen], [intents[i] for i in chosen], embed_once
        )

    @property
    def trained(self) -> bool:
        return self.both.fast_svm is not None and self.english.fast_svm is not None

    def rank(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        in_english: Sequence[bool],
        embed: Optional[Embed],
    ) -> List[Ranking]:
        """As IntentModel.rank; `in_english`: for each message, whether it is clearly in English."""
        rankings: List[Optional[Ranking]] = [None] * len(texts)
        for model, wanted in ((self.english, True), (self.both, False)):
            chosen = [i for i, flag in enumerate(in_english) if flag == wanted]
            if chosen:
                ranked = model.rank([texts[i] for i in chosen], [words[i] for i in chosen], embed)
                for i, ranking in zip(chosen, ranked):
                    rankings[i] = ranking
        return [ranking or [] for ranking in rankings]
