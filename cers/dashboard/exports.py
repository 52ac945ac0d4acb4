"""Unsure messages as training-example lines (CSV or Rasa YAML), masked, for the office and the developers."""

from __future__ import annotations

import csv
import io
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from cers.conversation.names import ENGLISH, EXAMPLE_LANGUAGE
from cers.dashboard.masking import mask
from cers.dashboard.summary import UnsureMessage, channel_name

GUESSES = 3
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def suggested_intent(message: UnsureMessage, titles: Dict[str, str]) -> str:
    """The bot's best guess among the topics (cers/topics.yml), else its best guess at all."""
    for intent, _ in message.guesses:
        if intent in titles:
            return intent
    return message.guesses[0][0] if message.guesses else ""


def _line(text: str) -> str:
    return " ".join(mask(text).split())  # one line: an example never spans lines


def _cell(value: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula: a leading ' keeps it text.
    return "'" + value if value.startswith(_FORMULA_START) else value


def training_csv(
    messages: Sequence[UnsureMessage], titles: Dict[str, str], intents: Optional[Dict[int, str]] = None
) -> str:
    """text,intent,guess_1,confidence_1,...,time,channel,language: one row per message (text masked).

    intent is the one chosen on the dashboard (intents: event id -> intent) or the bot's best guess."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["text", "intent"]
    for number in range(1, GUESSES + 1):
        header += [f"guess_{number}", f"confidence_{number}"]
    writer.writerow(header + ["time", "channel", "language"])
    for message in messages:
        intent = (intents or {}).get(message.event_id) or suggested_intent(message, titles)
        row = [_cell(_line(message.text)), intent]
        for number in range(GUESSES):
            if number < len(message.guesses):
                row += [message.guesses[number][0], f"{message.guesses[number][1]:.3f}"]
            else:
                row += ["", ""]
        time = message.time.isoformat(timespec="seconds")
        writer.writerow(row + [time, channel_name(message.channel), message.language])
    return out.getvalue()


def training_yaml(
    messages: Iterable[UnsureMessage], titles: Dict[str, str], intents: Optional[Dict[int, str]] = None
) -> str:
    """Rasa NLU training data (version 3.1), one example per message (text masked), grouped by
    intent and language: a Spanish group says `metadata: {language: es}`, as data/nlu/es/ does.

    The intent is the one chosen on the dashboard or the bot's best guess: check it before adding
    the lines to data/nlu/<topic>.yml (data/nlu/es/ for Spanish)."""
    groups: Dict[Tuple[str, str], List[str]] = {}
    for message in messages:
        intent = (intents or {}).get(message.event_id) or suggested_intent(message, titles) or "TODO_choose_an_intent"
        text = _line(message.text)
        key = (intent, message.language)
        if text and text not in groups.setdefault(key, []):
            groups[key].append(text)
    lines = [
        "# Messages the CERS help assistant was not sure about, from the office's dashboard.",
        "# Phone numbers and e-mail addresses are masked. Check each intent (the bot's best guess",
        "# unless staff chose one) before adding an example to data/nlu/<topic>.yml.",
        'version: "3.1"',
        "nlu:",
    ]
    for (intent, language), texts in groups.items():
        lines.append(f"- intent: {intent}")
        if language != ENGLISH:
            lines.append(f"  metadata: {{{EXAMPLE_LANGUAGE}: {language}}}")
        lines.append("  examples: |")
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"
