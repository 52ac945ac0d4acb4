"""Composed replies are data: named templates in cers/templates/<language>/*.yml (one folder per language: en, es), filled in here (a change of wording needs no Python); and domain.yml's responses in the other languages."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

from cers.conversation.names import ENGLISH, LANGUAGES, SLOT_LANGUAGE

TEMPLATES_ROOT = Path(__file__).with_name("templates")
# The language of every reply until the conversation's language is chosen (issue 20).
DEFAULT_LANGUAGE = ENGLISH
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


def office_values(office: Any, language: str = DEFAULT_LANGUAGE) -> Dict[str, str]:
    """The office.yml values templates may use, and the one "call the office" phrase built from them."""
    short_name = office.short_name if language == DEFAULT_LANGUAGE else office.short_names.get(language)
    if not short_name:
        short_name = render("common", "office_short_name_default", language=language)
    values = {"office_name": office.name, "office_short_name": short_name, "office_phone": office.phone}
    values["call_office"] = render("common", "call_office", language=language, **values)
    return values


def render(group: str, template: str, /, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """Template `template` of `group`, in `language`, with its {placeholders} filled in; every
    placeholder must be given."""
    try:
        text = templates(group, language)[template]
    except KeyError:
        raise TemplateError(f"no template {template!r} in cers/templates/{language}/{group}.yml") from None
    missing = placeholders(text) - set(values)
    if missing:
        raise TemplateError(f"template {group}:{template} needs {', '.join(sorted(missing))}")
    return text.format(**values)


# Languages other than English, each with its texts in cers/templates/<language>/ (English: domain.yml).
OTHER_LANGUAGES = tuple(language for language in LANGUAGES if language != ENGLISH)


@lru_cache(maxsize=None)
def translated_responses(language: str) -> Dict[str, List[Dict[str, Any]]]:
    """cers/templates/<language>/responses.yml: domain.yml's responses in that language, by name."""
    path = TEMPLATES_ROOT / language / "responses.yml"
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    for name, variants in raw.items():
        if not isinstance(variants, list) or not all(isinstance(v, dict) and v.get("text") for v in variants):
            raise TemplateError(f"{path}: {name} must be a list of variations, each with a text")
    return raw


def responses_in_every_language(english: Dict[str, List[Dict[str, Any]]]) -> Dict[str, List[Dict[str, Any]]]:
    """domain.yml's responses with each other language's texts added as conditional variations:
    Rasa sends the variation whose condition (the language slot) the conversation meets, and the
    English one otherwise. Every response must have its translation, and no translation may name
    a response domain.yml does not have."""
    combined = {name: list(variants) for name, variants in english.items()}
    for language in OTHER_LANGUAGES:
        translated = translated_responses(language)
        missing = sorted(set(english) - set(translated))
        extra = sorted(set(translated) - set(english))
        if missing or extra:
            raise TemplateError(
                f"cers/templates/{language}/responses.yml: "
                + "; ".join(
                    part
                    for part in (
                        f"no text for {', '.join(missing)}" if missing else "",
                        f"{', '.join(extra)} not in domain.yml" if extra else "",
                    )
                    if part
                )
            )
        condition = [{"type": "slot", "name": SLOT_LANGUAGE, "value": language}]
        for name, variants in translated.items():
            combined[name] = [{**variant, "condition": condition} for variant in variants] + combined[name]
    return combined
