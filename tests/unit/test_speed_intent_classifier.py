"""channels.speedups: LogisticRegressionClassifier.process computed from the non-zero features gives
the same intents, rankings and confidences as Rasa's own process()."""
from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from channels import speedups

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "cers.tar.gz"

speedups.apply()
FAST = LogisticRegressionClassifier.process
ORIGINAL = FAST.original


def same(left, right):
    for a, b in zip(left, right):
        assert a.get("intent")["name"] == b.get("intent")["name"]
        assert [r["name"] for r in a.get("intent_ranking")] == [r["name"] for r in b.get("intent_ranking")]
        assert np.allclose([r["confidence"] for r in a.get("intent_ranking")],
                           [r["confidence"] for r in b.get("intent_ranking")], rtol=1e-9, atol=1e-12)


def message(rng, sparse_widths, dense_width, intent=None):
    m = Message(data={"text": "x", **({"intent": intent} if intent else {})})
    for i, width in enumerate(sparse_widths):
        row = scipy.sparse.random(1, width, density=0.2, random_state=rng, format="coo")
        m.add_features(Features(row, "sentence", "text", f"sparse{i}"))
        m.add_features(Features(scipy.sparse.random(3, width, density=0.2, random_state=rng, format="coo"),
                                "sequence", "text", f"sparse{i}"))
    if dense_width:
        m.add_features(Features(rng.random((1, dense_width)), "sentence", "text", "dense"))
    return m


@pytest.mark.parametrize("dense_width", [0, 4])
def test_same_results_as_rasas_process_on_mixed_features(tmp_path, dense_width):
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    rng = np.random.default_rng(7)
    intents = ["a", "b", "c", "d"]
    training = [message(rng, [30, 50, 7], dense_width, intents[i % 4]) for i in range(80)]
    classifier = LogisticRegressionClassifier({"max_iter": 200}, "clf", LocalModelStorage(tmp_path),
                                              Resource("clf"))
    classifier.train(TrainingData(training))
    messages = [message(rng, [30, 50, 7], dense_width) for _ in range(25)]
    same(FAST(classifier, copy.deepcopy(messages)), ORIGINAL(classifier, copy.deepcopy(messages)))


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_same_parse_as_rasa_on_the_held_out_messages():
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    texts = [example.get("text") for example in load_data(str(ROOT / "tests" / "nlu")).intent_examples]
    agent = Agent.load(str(MODEL))

    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    try:
        LogisticRegressionClassifier.process = ORIGINAL
        theirs = asyncio.run(parse_all())
    finally:
        LogisticRegressionClassifier.process = FAST
    ours = asyncio.run(parse_all())
    assert len(ours) == len(texts) > 100
    for a, b in zip(ours, theirs):
        assert a["intent"]["name"] == b["intent"]["name"]
        assert [r["name"] for r in a["intent_ranking"]] == [r["name"] for r in b["intent_ranking"]]
        assert np.allclose([r["confidence"] for r in a["intent_ranking"]],
                           [r["confidence"] for r in b["intent_ranking"]], rtol=1e-9, atol=1e-12)
