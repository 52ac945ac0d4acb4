"""An in-memory fuzzy index of facility names and addresses: typo- and partial-name-tolerant search."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from cers.text import words

# Address words weigh a little less, so "chester lumber" ranks Chester Lumber above a lumber yard in Chester.
ADDRESS_WEIGHT = 0.8
PREFIX_SCORE = 90.0  # "lumb" for "lumber": a partial word, almost as good as the word
TYPO_CUTOFF = 80.0  # rapidfuzz ratio: "lumbr"/"lumber" is 91, "chestr"/"chester" 92
MIN_SCORE = 55.0  # mean per query word: below this a result is noise
RELATIVE_CUTOFF = 0.75  # keep results within 75% of the best one


@dataclass(frozen=True)
class Hit:
    position: int  # index into the rows the index was built from
    score: float  # 0..100, mean over the query's words


class FuzzyIndex:
    """Word postings for names and addresses; a query word matches words exactly, by prefix or by typo."""

    def __init__(self, rows: Sequence[tuple[str, str]]):
        """rows: (name, address text) per facility, in the order positions refer to."""
        self.size = len(rows)
        self.names = [name for name, _ in rows]
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for position, (name, address) in enumerate(rows):
            for word in set(words(name)):
                postings.setdefault(word, ([], []))[0].append(position)
            for word in set(words(address)):
                postings.setdefault(word, ([], []))[1].append(position)
        self._postings = {
            w: (np.asarray(n, dtype=np.int32), np.asarray(a, dtype=np.int32)) for w, (n, a) in postings.items()
        }
        self._words = sorted(self._postings)
        # Numbers (house numbers, ZIP codes, IDs) match exactly only, never by prefix or typo.
        self._alpha_words = [w for w in self._words if not w.isdigit()]

    def _matches(self, word: str) -> dict[str, float]:
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = 100.0
        if len(word) >= 3 and not word.isdigit():
            start = bisect.bisect_left(self._words, word)
            for candidate in self._words[start : start + 50]:
                if not candidate.startswith(word):
                    break
                found.setdefault(candidate, PREFIX_SCORE)
        if len(word) >= 4 and not word.isdigit():
            for candidate, score, _ in process.extract(
                word, self._alpha_words, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=10
            ):
                found[candidate] = max(found.get(candidate, 0.0), min(score, 99.0))
        return found

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        query = list(dict.fromkeys(words(text)))
        if not query or not self.size:
            return []
        total = np.zeros(self.size, dtype=np.float32)
        for word in query:
            best = np.zeros(self.size, dtype=np.float32)
            for candidate, score in self._matches(word).items():
                in_name, in_address = self._postings[candidate]
                best[in_name] = np.maximum(best[in_name], score)
                best[in_address] = np.maximum(best[in_address], score * ADDRESS_WEIGHT)
            total += best
        total /= len(query)
        keep = min(self.size, max(limit * 4, 20))
        candidates = np.argpartition(-total, keep - 1)[:keep]
        top = [int(i) for i in candidates if total[i] >= MIN_SCORE]
        if not top:
            return []
        # Break near-ties by how the whole name reads against the whole query.
        ranked = sorted(top, key=lambda i: float(total[i]) + fuzz.WRatio(text, self.names[i]) / 100.0, reverse=True)
        best_score = float(total[ranked[0]])
        return [Hit(i, round(float(total[i]), 1)) for i in ranked[:limit] if total[i] >= best_score * RELATIVE_CUTOFF]


def address_text(street: str, city: str, zip_code: str) -> str:
    return " ".join(part for part in (street, city, zip_code) if part)


def build(rows: Iterable[tuple[str, str, str, str]]) -> FuzzyIndex:
    """From (name, street, city, zip) rows."""
    return FuzzyIndex([(name, address_text(street, city, zip_code)) for name, street, city, zip_code in rows])
