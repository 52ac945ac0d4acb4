"""The intent classifier's model in plain Python: words, character n-grams and a sentence embedding in, ranked intents out.

Chosen by measurement on the held-out sets (README, "NLU variants"): TF-IDF of words (1-2 grams)
and of character n-grams inside words (2-5, robust to typos), plus the all-MiniLM-L6-v2 sentence
embedding (meaning beyond shared words: "our phone number in CERS is out of date"), into a
linear SVM. Confidences are a softmax of the SVM's margins; the temperature makes them comparable
with the FallbackClassifier's threshold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

Ranking = List[Tuple[str, float]]


@dataclass
class IntentModelSettings:
    # How much the sentence embedding weighs against the TF-IDF features (both have unit length).
    embedding_weight: float = 0.5
    # The SVM's regularisation (higher: fits the training examples more closely).
    svm_c: float = 1.0
    # Softmax temperature over the margins: the confidences the FallbackClassifier compares.
    temperature: float = 8.0
    ranking_length: int = 10


def word_ngrams(words: Sequence[str]) -> List[str]:
    """A message's words (already split by the pipeline's tokenizer) and word pairs."""
    lowered = [word.lower() for word in words]
    return lowered + [f"{a} {b}" for a, b in zip(lowered, lowered[1:])]


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, dtype=np.float32)


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                           dtype=np.float32)


@dataclass
class IntentModel:
    settings: IntentModelSettings = field(default_factory=IntentModelSettings)
    words: TfidfVectorizer = field(default_factory=_word_vectorizer)
    characters: TfidfVectorizer = field(default_factory=_char_vectorizer)
    svm: Optional[LinearSVC] = None
    # Kept for speed: the SVM's weights as a contiguous array, transposed once.
    _weights: Optional[np.ndarray] = None

    @property
    def intents(self) -> List[str]:
        return [] if self.svm is None else [str(name) for name in self.svm.classes_]

    def features(self, texts: Sequence[str], words: Sequence[Sequence[str]],
                 embeddings: Optional[np.ndarray], fit: bool = False):
        lowered = [text.lower() for text in texts]
        if fit:
            parts = [self.words.fit_transform(words), self.characters.fit_transform(lowered)]
        else:
            parts = [self.words.transform(words), self.characters.transform(lowered)]
        if embeddings is not None:
            parts.append(sp.csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.settings.embedding_weight))
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def fit(self, texts: Sequence[str], words: Sequence[Sequence[str]], intents: Sequence[str],
            embeddings: Optional[np.ndarray]) -> None:
        if len(set(intents)) < 2:
            raise ValueError("the intent classifier needs examples of at least two intents")
        self.svm = LinearSVC(C=self.settings.svm_c, class_weight="balanced", random_state=42)
        self.svm.fit(self.features(texts, words, embeddings, fit=True), list(intents))
        self._weights = None

    def rank(self, texts: Sequence[str], words: Sequence[Sequence[str]],
             embeddings: Optional[np.ndarray]) -> List[Ranking]:
        """For each text, (intent, confidence) pairs, best first, at most ranking_length of them."""
        if self.svm is None:
            raise RuntimeError("the intent model is not trained")
        if self._weights is None:
            self._weights = np.ascontiguousarray(self.svm.coef_.T, dtype=np.float32)
        features = self.features(texts, words, embeddings)
        margins = np.asarray(features @ self._weights) + self.svm.intercept_.astype(np.float32)
        scaled = (margins - margins.max(axis=1, keepdims=True)) * self.settings.temperature
        confidences = np.exp(scaled)
        confidences /= confidences.sum(axis=1, keepdims=True)
        names = self.svm.classes_
        rankings = []
        for row in confidences:
            best = np.argsort(-row)[: self.settings.ranking_length]
            rankings.append([(str(names[i]), float(row[i])) for i in best])
        return rankings
