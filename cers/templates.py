"""Composed replies are data: named templates in cers/templates/<language>/*.yml (one folder per language; English, en, for now), filled in here (a change of wording needs no Python)."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

TEMPLATES_ROOT = Path(__file__).with_name("templates")
# The language of every reply until the conversation's language is chosen (issue 20).
DEFAULT_LANGUAGE = "en"
TEMPLATES_DIR = TEMPLATES_ROOT / DEFAULT_LANGUAGE


class TemplateError(KeyError):
    """A template that does not exist, or a placeholder it needs that was not given."""


@lru_cache(maxsize=None)
def templates(group: str, language: str = DEFAULT_LANGUAGE) -> Dict[str, str]:
    """The templates of one file (cers/templates/<language>/<group>.yml), flattened: "item.annual_due" -> text."""
    path = TEMPLATES_ROOT / language / f"{group}.yml"
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    flat: Dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, str):
            flat[prefix] = node.strip()
        else:
            raise TemplateError(f"{path}: {prefix} must be text, not {node!r}")

    walk("", raw)
    return flat


def placeholders(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def office_values(office: Any) -> Dict[str, str]:
    """The office.yml values templates may use, and the one "call the office" phrase built from them."""
    values = {"office_name": office.name, "office_short_name": office.short_name, "office_phone": office.phone}
    values["call_office"] = render("common", "call_office", **values)
    return values


def render(group: str, template: str, /, **values: Any) -> str:
    """Template `template` of `group` with its {placeholders} filled in; every placeholder must be given."""
    try:
        text = templates(group)[template]
    except KeyError:
        raise TemplateError(f"no template {template!r} in cers/templates/{DEFAULT_LANGUAGE}/{group}.yml") from None
    missing = placeholders(text) - set(values)
    if missing:
        raise TemplateError(f"template {group}:{template} needs {', '.join(sorted(missing))}")
    return text.format(**values)
