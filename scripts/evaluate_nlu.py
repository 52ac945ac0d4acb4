"""Evaluates a trained model on the held-out sets (tests/nlu/) and the emergency sets, against the floors in tests/nlu/floors.yml.

For each held-out set: intent accuracy and macro-F1, where a "Did you mean" reply (nlu_fallback)
counts as wrong, and the rate of such replies on its own. For each emergency set: every
emergency must be report_emergency, every other message must not be.
Exits 1 when a figure is below its floor, when a held-out message is also a training example
(after lowercasing and removing punctuation), when a set marked no_shared_runs shares five
consecutive words with a training example, or when an emergency message is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sklearn.metrics import accuracy_score, f1_score

# The model names components of this project (channels.triage...): import them from here.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cers.conversation.names import EMERGENCY_INTENT, UNSURE_INTENT  # noqa: E402

FLOORS_FILE = Path("tests/nlu/floors.yml")


def normalise(text: str) -> str:
    """Lower case, punctuation removed, single spaces: how 'the same message' is judged."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def quiet() -> None:
    """Keeps Rasa's per-message debug logs out of the report."""
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def load_examples(path: str) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(path)
    return [(ex.get("text"), ex.get("intent")) for ex in data.intent_examples]


def shared_run(text: str, training_ngrams: set, n: int = 5) -> bool:
    words = normalise(text).split()
    return any(tuple(words[i : i + n]) in training_ngrams for i in range(len(words) - n + 1))


def ngrams(texts, n: int = 5) -> set:
    found = set()
    for text in texts:
        words = normalise(text).split()
        found.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return found


async def predict(agent, texts: List[str]) -> List[str]:
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def score_heldout(name: str, examples, predicted, training_texts, training_ngrams) -> Dict:
    texts = [text for text, _ in examples]
    truth = [intent for _, intent in examples]
    return {
        "set": name,
        "messages": len(texts),
        "intents": len(set(truth)),
        "accuracy": accuracy_score(truth, predicted),
        "macro_f1": f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0),
        "did_you_mean_rate": sum(p == UNSURE_INTENT for p in predicted) / max(len(predicted), 1),
        "errors": [(t, y, p) for t, y, p in zip(texts, truth, predicted) if y != p],
        "equal_to_training": [t for t in texts if normalise(t) in training_texts],
        "sharing_5_words": sum(shared_run(t, training_ngrams) for t in texts),
    }


def load_emergency_set(path: Path) -> Tuple[List[str], List[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    urgent = list(data.get("emergencies", [])) + list(data.get("spanish_emergencies", []))
    other = list(data.get("not_emergencies", [])) + list(data.get("spanish_other", []))
    return urgent, other


def evaluate(
    model: str, floors_path: str = str(FLOORS_FILE), training: str = "data/nlu", emergencies: bool = True, show=print
) -> Tuple[Dict[str, Dict], List[str]]:
    """Scores a model on every held-out set (and the emergency sets): (figures, failures)."""
    from rasa.core.agent import Agent

    floors = yaml.safe_load(Path(floors_path).read_text(encoding="utf-8"))
    training_examples = [text for text, _ in load_examples(training)]
    training_texts = {normalise(text) for text in training_examples}
    training_ngrams = ngrams(training_examples)
    agent = Agent.load(model)
    failures: List[str] = []
    report: Dict[str, Dict] = {}

    for name, spec in floors["heldout"].items():
        examples = load_examples(spec["file"])
        started = time.perf_counter()
        predicted = asyncio.run(predict(agent, [text for text, _ in examples]))
        parse_ms = (time.perf_counter() - started) * 1000 / max(len(examples), 1)
        result = score_heldout(name, examples, predicted, training_texts, training_ngrams)
        show(
            f"\n--- held-out set '{name}' ({spec['file']}): {result['messages']} messages, {result['intents']} intents"
        )
        for text, truth, guess in result["errors"]:
            show(f"  wrong: {text!r}: expected {truth}, got {guess}")
        show(
            f"accuracy {result['accuracy']:.3f} (floor {spec['min_accuracy']}), "
            f"macro-F1 {result['macro_f1']:.3f}"
            + (f" (floor {spec['min_macro_f1']})" if "min_macro_f1" in spec else "")
            + f", did-you-mean rate {result['did_you_mean_rate']:.3f}, "
            f"messages sharing 5 consecutive words with training: {result['sharing_5_words']}, "
            f"{parse_ms:.1f} ms per parse"
        )
        if result["equal_to_training"]:
            failures.append(
                f"{name}: {len(result['equal_to_training'])} held-out messages are training "
                f"examples: {result['equal_to_training'][:5]}"
            )
        if spec.get("no_shared_runs") and result["sharing_5_words"]:
            failures.append(
                f"{name}: {result['sharing_5_words']} held-out messages share 5 consecutive words with "
                f"a training example (rewrite or drop those training examples)"
            )
        if result["accuracy"] < spec["min_accuracy"]:
            failures.append(f"{name}: accuracy {result['accuracy']:.3f} < {spec['min_accuracy']}")
        if result["macro_f1"] < spec.get("min_macro_f1", 0.0):
            failures.append(f"{name}: macro-F1 {result['macro_f1']:.3f} < {spec['min_macro_f1']}")
        report[name] = {
            k: result[k] for k in ("messages", "accuracy", "macro_f1", "did_you_mean_rate", "sharing_5_words")
        }
        report[name]["parse_ms"] = parse_ms

    for path in floors["emergency_sets"] if emergencies else []:
        urgent, other = load_emergency_set(Path(path))
        missed = [t for t, p in zip(urgent, asyncio.run(predict(agent, urgent))) if p != EMERGENCY_INTENT]
        false_alarms = [t for t, p in zip(other, asyncio.run(predict(agent, other))) if p == EMERGENCY_INTENT]
        show(
            f"\n--- emergency set {path}: {len(urgent) - len(missed)}/{len(urgent)} emergencies get 911 "
            f"first; {len(false_alarms)}/{len(other)} other messages wrongly do"
        )
        for text in missed:
            show(f"  MISSED: {text!r}")
        for text in false_alarms:
            show(f"  false alarm: {text!r}")
        if missed:
            failures.append(f"{path}: {len(missed)} emergencies missed")
        if false_alarms:
            failures.append(f"{path}: {len(false_alarms)} non-emergencies answered as emergencies")
        report[Path(path).stem] = {
            "emergencies": len(urgent),
            "missed": len(missed),
            "others": len(other),
            "false_alarms": len(false_alarms),
        }
    return report, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/cers.tar.gz")
    parser.add_argument("--training", default="data/nlu")
    parser.add_argument("--floors", default=str(FLOORS_FILE))
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    quiet()
    report, failures = evaluate(args.model, args.floors, args.training)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print()
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
