"""Guides are data: loads and checks cers/guides/texts/<language>/*.yml, naming the file and the problem when one cannot be used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

GUIDES_ROOT = Path(__file__).resolve().parent / "texts"
# English guides; one folder per language beside it (cers/guides/texts/es/ for Spanish).
GUIDES_DIR = GUIDES_ROOT / "en"

# Placeholders a guide text may use; filled from office.yml so another office can deploy the same guides.
PLACEHOLDERS = ("office_name", "office_short_name", "office_phone", "call_office")

GUIDE_KEYS = {"id", "order", "title", "phrases", "keywords", "steps", "done"}
REQUIRED_KEYS = ("id", "title", "phrases", "steps", "done")
STEP_KEYS = {"text", "help"}


class GuideError(ValueError):
    """A guide file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Step:
    text: str
    help: Optional[str] = None


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    phrases: Tuple[str, ...]
    keywords: Tuple[str, ...]
    steps: Tuple[Step, ...]
    done: str
    order: int = 100
    source: str = ""

    @property
    def step_count(self) -> int:
        return len(self.steps)


# --- loading and validation -------------------------------------------------------------------


def _check_placeholders(text: str, where: str) -> None:
    """Fail at load time, not in the middle of a conversation, on a misspelled placeholder."""
    try:
        text.format(**{name: "" for name in PLACEHOLDERS})
    except (KeyError, IndexError, ValueError) as error:
        raise GuideError(
            f"{where}: bad placeholder {error} (allowed: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        ) from None


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GuideError(f"{where}: '{key}' must be a non-empty text")
    _check_placeholders(value, f"{where} '{key}'")
    return " ".join(value.split())


def _text_list(raw: dict, key: str, where: str, required: bool) -> Tuple[str, ...]:
    value = raw.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise GuideError(f"{where}: '{key}' must be a{' non-empty' if required else ''} list of texts")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise GuideError(f"{where}: '{key}' has an entry that is not a text: {item!r}")
    return tuple(item.strip() for item in value)


def load_guide_file(path: Path) -> Guide:
    """One guide from its YAML file; GuideError names the file and the problem."""
    path = Path(path)
    name = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise GuideError(f"{name}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise GuideError(f"{name}: expected a mapping with {', '.join(REQUIRED_KEYS)}")
    unknown = sorted(set(raw) - GUIDE_KEYS)
    if unknown:
        raise GuideError(f"{name}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(GUIDE_KEYS))})")
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise GuideError(f"{name}: missing {', '.join(missing)}")
    guide_id = _text(raw, "id", name)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", guide_id):
        raise GuideError(f"{name}: id {guide_id!r} must be lowercase letters, digits and underscores")
    if guide_id != path.stem:
        # The file name is how a maintainer finds a guide: keep them the same.
        raise GuideError(f"{name}: id {guide_id!r} differs from the file name {path.stem!r}")
    steps_raw = raw["steps"]
    if not isinstance(steps_raw, list) or not steps_raw:
        raise GuideError(f"{name}: 'steps' must be a non-empty list")
    steps = []
    for number, step in enumerate(steps_raw, start=1):
        where = f"{name} step {number}"
        if isinstance(step, str):
            step = {"text": step}
        if not isinstance(step, dict):
            raise GuideError(f"{where}: must be a mapping with 'text' (and optional 'help')")
        unknown = sorted(set(step) - STEP_KEYS)
        if unknown:
            raise GuideError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: text, help)")
        help_text = _text(step, "help", where) if step.get("help") is not None else None
        steps.append(Step(text=_text(step, "text", where), help=help_text))
    order = raw.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise GuideError(f"{name}: 'order' must be a whole number")
    return Guide(
        id=guide_id,
        title=_text(raw, "title", name),
        phrases=_text_list(raw, "phrases", name, required=True),
        keywords=_text_list(raw, "keywords", name, required=False),
        steps=tuple(steps),
        done=_text(raw, "done", name),
        order=order,
        source=name,
    )


@lru_cache(maxsize=8)
def _load_dir(directory: str, fingerprint: Tuple[Tuple[str, float], ...]) -> Dict[str, Guide]:
    guides = [load_guide_file(Path(directory) / file_name) for file_name, _ in fingerprint]
    if not guides:
        raise GuideError(f"{directory}: no guide files (*.yml)")
    by_id: Dict[str, Guide] = {}
    for guide in sorted(guides, key=lambda g: (g.order, g.id)):
        by_id[guide.id] = guide
    return by_id


def load_guides(directory: Optional[Path] = None) -> Dict[str, Guide]:
    """Every guide, in display order; re-read when a file in the folder changes."""
    folder = Path(directory or GUIDES_DIR)
    if not folder.is_dir():
        raise GuideError(f"{folder}: guide folder not found")
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    fingerprint = tuple((p.name, p.stat().st_mtime) for p in files)
    return _load_dir(str(folder), fingerprint)
