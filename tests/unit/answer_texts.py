"""Every text the bot says from data: domain responses, walkthrough steps and composed-reply templates, for the content tests (grade, length, sources, acronyms)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]


def responses() -> Iterator[Tuple[str, str]]:
    """(response name, text) for every variant of every response in domain.yml."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            yield name, variant.get("text") or ""


def guides() -> Iterator[dict]:
    for path in sorted((ROOT / "cers/guides/texts/en").glob("*.yml")):
        yield yaml.safe_load(path.read_text(encoding="utf-8"))


def guide_texts() -> Iterator[Tuple[str, str]]:
    """("<guide> step N text|help" or "<guide> done", text) for every walkthrough."""
    for guide in guides():
        for number, step in enumerate(guide["steps"], 1):
            for key in ("text", "help"):
                yield f"{guide['id']} step {number} {key}", step.get(key) or ""
        yield f"{guide['id']} done", guide.get("done") or ""


def template_texts() -> Iterator[Tuple[str, str]]:
    """("template <group>:<name>", text) for every template in cers/templates."""
    from cers.templates import TEMPLATES_DIR, templates

    for path in sorted(TEMPLATES_DIR.glob("*.yml")):
        for name, text in templates(path.stem).items():
            yield f"template {path.stem}:{name}", text


def all_texts() -> Iterator[Tuple[str, str]]:
    yield from responses()
    yield from guide_texts()
    yield from template_texts()
