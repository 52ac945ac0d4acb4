"""Writes cers/common_english_words.txt: the English words never to be read as a typo of a rule word (cers/emergency.py), from spacy-lookups-data.

A word is English when it is frequent in spaCy's word table, is a WordNet lemma, or is a form in
the lemma lookup ("leased", "hosed", "pooling"). Run by hand after changing the cut-off:
`.venv/bin/python scripts/make_common_words.py`. The list is committed (words of four letters or
more: shorter ones are never corrected) so that no process loads the tables (1.4 s, 250 MB) at start.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import spacy_lookups_data

# Log probability in spaCy's English word table: "comming" is -14.1, "runing" -15.9, "fuming"
# -14.7, "tuning" -12.4, "leap" -11.9. Above the cut-off a word is taken as meant.
CUT_OFF = -13.5
OUT = Path(__file__).resolve().parents[1] / "cers" / "common_english_words.txt"


def table(name: str) -> dict:
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def main() -> None:
    probabilities: dict = {}
    for word, logp in table("en_lexeme_prob").items():
        probabilities[word.lower()] = max(logp, probabilities.get(word.lower(), logp))
    found = {word for word, logp in probabilities.items() if logp > CUT_OFF}
    found |= {lemma.lower() for lemmas in table("en_lemma_index").values() for lemma in lemmas}
    found |= {word.lower() for word in table("en_lemma_lookup")}
    usable = {word for word in found if len(word) >= 4 and word.isascii() and word.isalpha()}
    # Most frequent first (cers/emergency.py prefers the more frequent of two equally near words).
    words = sorted(usable, key=lambda word: (-probabilities.get(word, -100.0), word))
    header = "# English words, most frequent first (spacy-lookups-data), made by scripts/make_common_words.py.\n"
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
