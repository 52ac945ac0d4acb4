"""Evaluates a trained model's intent classification on the held-out set (tests/nlu/).

Prints intent accuracy and macro-F1, lists the misclassified messages, and exits 1 when
macro-F1 is below --min-macro-f1 or when a held-out message also appears in the training data.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def quiet() -> None:
    """Keeps Rasa's per-message debug logs out of the report."""
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def load_examples(path: str):
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(path)
    return [(ex.get("text"), ex.get("intent")) for ex in data.intent_examples]


async def predict(model: str, texts):
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions


def evaluate(model: str, heldout: str, training: str = "data/nlu") -> dict:
    examples = load_examples(heldout)
    training_texts = {normalise(text) for text, _ in load_examples(training)}
    overlap = [text for text, _ in examples if normalise(text) in training_texts]
    texts = [text for text, _ in examples]
    truth = [intent for _, intent in examples]
    predicted = asyncio.run(predict(model, texts))
    errors = [(t, y, p) for t, y, p in zip(texts, truth, predicted) if y != p]
    return {
        "messages": len(texts),
        "intents": len(set(truth)),
        "accuracy": accuracy_score(truth, predicted),
        "macro_f1": f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0),
        "errors": errors,
        "overlap": overlap,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/cers.tar.gz")
    parser.add_argument("--heldout", default="tests/nlu")
    parser.add_argument("--training", default="data/nlu")
    parser.add_argument("--min-macro-f1", type=float, default=0.0)
    parser.add_argument("--json", help="write the scores to this file")
    args = parser.parse_args()
    quiet()

    result = evaluate(args.model, args.heldout, args.training)
    print(f"NLU held-out evaluation: {result['messages']} messages, {result['intents']} intents")
    for text, truth, predicted in result["errors"]:
        print(f"  wrong: {text!r}: expected {truth}, got {predicted}")
    print(f"intent accuracy: {result['accuracy']:.3f}")
    print(f"intent macro-F1: {result['macro_f1']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: result[k] for k in ("messages", "accuracy", "macro_f1")}))
    if result["overlap"]:
        print(f"FAIL: {len(result['overlap'])} held-out messages are also training examples:")
        for text in result["overlap"]:
            print(f"  {text!r}")
        return 1
    if result["macro_f1"] < args.min_macro_f1:
        print(f"FAIL: macro-F1 {result['macro_f1']:.3f} is below {args.min_macro_f1}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
