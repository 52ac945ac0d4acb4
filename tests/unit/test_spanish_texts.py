"""Two languages, one truth: every Spanish text is paired with its English one and says the same facts (numbers, dates, phones, e-mails, web addresses, statutes, amounts, placeholders, CERS's quoted screen names), in plain Spanish.

The pairs: domain.yml's responses and cers/templates/es/responses.yml, each cers/templates/en/*.yml
and cers/templates/es/*.yml (same keys), each guide in cers/guides/texts/en/ and es/ (same steps).
The plain-language floor is Fernández-Huerta's reading ease (textstat), the Spanish counterpart
of Flesch's: 60 and above reads as "normal" (8th-9th grade) on its scale; each Spanish answer of
two sentences or more must reach MIN_READING_EASE, and the median is reported.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import textstat
import yaml

from cers.guides.loader import GUIDES_ROOT, load_guides
from cers.templates import TEMPLATES_ROOT, placeholders, templates, translated_responses

ROOT = Path(__file__).resolve().parents[2]
GROUPS = sorted(path.stem for path in (TEMPLATES_ROOT / "en").glob("*.yml"))
MIN_READING_EASE = 50.0  # each text ("fairly difficult" is 50-60); see the module's docstring
MONTHS = {
    "January": "enero",
    "February": "febrero",
    "March": "marzo",
    "April": "abril",
    "May": "mayo",
    "June": "junio",
    "July": "julio",
    "August": "agosto",
    "September": "septiembre",
    "October": "octubre",
    "November": "noviembre",
    "December": "diciembre",
}
# The Spanish responses say these slots' Spanish versions.
SPANISH_SLOTS = {"office_due_date": "office_due_date_es", "office_contact": "office_contact_es"}

_NUMBER = re.compile(r"(?<![\w{])\$?\d[\d,.]*\d(?:\([a-z0-9]+\))*|(?<![\w{$])\d(?![\w}])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|\b[\w-]+\.(?:gov|com|org)\b")
_QUOTED = re.compile(r"'([A-Z][^']*)'")


def facts(text: str) -> dict:
    """What a translation must keep: numbers (statutes, amounts, figures), e-mails, addresses,
    placeholders, and the months of the dates."""
    return {
        "numbers": sorted(n.rstrip(".,") for n in _NUMBER.findall(text)),
        "emails": sorted(_EMAIL.findall(text)),
        "urls": sorted(u.rstrip(".,)") for u in _URL.findall(text) if "@" not in u),
        "placeholders": sorted(placeholders(text)),
        "months": sorted(MONTHS[m] for m in MONTHS if re.search(rf"\b{m}\b", text)),
    }


def spanish_facts(text: str) -> dict:
    found = facts(text)
    found["months"] = sorted(m for m in MONTHS.values() if re.search(rf"\b{m}\b", text))
    return found


def pairs():
    """(where, English, Spanish) for every text that has a translation."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    spanish = translated_responses("es")
    for name, variants in domain.items():
        for index, (english, translated) in enumerate(zip(variants, spanish.get(name, []))):
            yield f"responses:{name}[{index}]", english["text"], translated["text"]
            for button, boton in zip(english.get("buttons") or [], translated.get("buttons") or []):
                yield f"responses:{name}[{index}] button", button["title"], boton["title"]
    for group in GROUPS:
        english, translated = templates(group, "en"), templates(group, "es")
        for key in english:
            if key in translated and group != "dates":
                yield f"{group}:{key}", english[key], translated[key]
    english_guides, spanish_guides = load_guides(GUIDES_ROOT / "en"), load_guides(GUIDES_ROOT / "es")
    for guide_id, guide in english_guides.items():
        other = spanish_guides.get(guide_id)
        if other is None:
            continue
        yield f"guide:{guide_id}:done", guide.done, other.done
        for number, (step, paso) in enumerate(zip(guide.steps, other.steps), 1):
            yield f"guide:{guide_id}:step {number}", step.text, paso.text
            if step.help or paso.help:
                yield f"guide:{guide_id}:step {number} help", step.help or "", paso.help or ""


def intent_of(payload: str) -> str:
    return payload if not payload.startswith("/choose_language") else "/choose_language"


def test_every_english_text_has_its_spanish_one():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    spanish = translated_responses("es")
    assert sorted(spanish) == sorted(domain)
    for name, variants in domain.items():
        assert len(spanish[name]) == len(variants), name
        for english, translated in zip(variants, spanish[name]):
            # The same buttons; a language button offers the other language.
            payloads = [intent_of(b["payload"]) for b in english.get("buttons") or []]
            assert [intent_of(b["payload"]) for b in translated.get("buttons") or []] == payloads, name
    for group in GROUPS:
        assert set(templates(group, "es")) == set(templates(group, "en")), f"cers/templates/es/{group}.yml"
    english_guides, spanish_guides = load_guides(GUIDES_ROOT / "en"), load_guides(GUIDES_ROOT / "es")
    assert set(spanish_guides) == set(english_guides)
    for guide_id, guide in english_guides.items():
        assert spanish_guides[guide_id].step_count == guide.step_count, guide_id


def test_every_spanish_text_says_the_same_facts():
    """(One test for every pair: it lists every pair that differs.)"""
    problems = []
    for where, english, spanish in pairs():
        expected = facts(english)
        expected["placeholders"] = sorted(SPANISH_SLOTS.get(p, p) for p in expected["placeholders"])
        found = spanish_facts(spanish)
        problems += [
            f"{where}: {key} {found[key]} in Spanish, {expected[key]} in English"
            for key in expected
            if found[key] != expected[key]
        ]
        # CERS's screens are in English: every name the English quotes is quoted as it is.
        missing = set(_QUOTED.findall(english)) - set(_QUOTED.findall(spanish))
        if missing:
            problems.append(f"{where}: {sorted(missing)} not quoted as in CERS")
    assert len(list(pairs())) > 300
    assert problems == []


def test_an_emergency_says_call_911_first_in_spanish():
    spanish = translated_responses("es")["utter_report_emergency"][0]["text"]
    assert spanish.lower().lstrip("¡").startswith("llame al 911")


def test_spanish_uses_usted():
    """No "tú" forms of the verbs the texts use most (the English says "you": Spanish says usted)."""
    tu = re.compile(r"\b(?:tú|tienes|puedes|quieres|necesitas|haz|dime|tu cuenta|tu negocio|tus)\b")
    offending = [where for where, _, spanish in pairs() if tu.search(spanish.lower())]
    assert not offending, offending


def reading_ease():
    textstat.set_lang("es")
    found = []
    for where, _, spanish in pairs():
        text = re.sub(r"\{[^}]+\}", "la oficina", spanish)
        text = re.sub(r"'[^']*'", "el botón", text)
        if len(re.findall(r"[.!?](?:\s|$)", text)) >= 2:
            found.append((textstat.fernandez_huerta(text), where))
    textstat.set_lang("en_US")
    return found


def test_every_spanish_answer_reads_plainly():
    found = reading_ease()
    assert len(found) > 50
    hard = [f"{where}: {ease:.0f}" for ease, where in found if ease < MIN_READING_EASE]
    assert not hard, hard


def test_median_reading_ease_is_reported():
    median = statistics.median(ease for ease, _ in reading_ease())
    print(f"Spanish texts: median Fernández-Huerta reading ease {median:.0f} (floor per text {MIN_READING_EASE:.0f})")
    assert median >= 60
