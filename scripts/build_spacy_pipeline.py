"""Builds the spaCy pipeline config.yml uses: blank English + lookup lemmatizer, from PyPI packages only.

spaCy's trained models are downloaded from GitHub, which this kind of machine cannot reach;
spacy-lookups-data ships the English lemma table, which is all the pipeline needs.
"""

import sys
from pathlib import Path

import spacy


def build(target: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup table from spacy-lookups-data
    lemmas = [token.lemma_ for token in nlp("adding users submitted changes")]
    if lemmas != ["add", "user", "submit", "change"]:
        raise SystemExit(f"lookup lemmatizer is not working: {lemmas}")
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    print(f"spaCy pipeline written to {target}")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "build/spacy_en_lookup"))
