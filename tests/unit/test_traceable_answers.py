"""Every number, date, statute section, phone number, e-mail address and quoted button name in the bot's answers and walkthroughs appears in ../shared/domain/ or office.yml."""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import pytest

from cers.settings import load_office, office_file
from tests.unit.answer_texts import ROOT, all_texts

SHARED = ROOT.parent / "shared/domain" if (ROOT.parent / "shared/domain").exists() else Path("/work/shared/domain")

PHONE = re.compile(r"(?:\(\d{3}\) ?|\b\d{3}-)\d{3}-\d{4}\b|\b1-\d{3}-\d{3}-\d{4}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
STATUTE = re.compile(r"\b(?:H&SC|HSC|Health and Safety Code,? section|section)\s+(\d{5}(?:\.\d+)?(?:\([a-z0-9]+\))*)")
NUMBER = re.compile(r"(?<![\w{])\$?\d[\d,]*(?:\.\d+)?(?![\w}])")
QUOTED = re.compile(r"'([A-Z][^']{2,60})'")
MONTH_DAY = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b"
)


# Numbers that are the text's own structure, not facts: step numbers ("1.", "Step 2") and "911".
def step_numbers(text: str) -> str:
    return re.sub(r"(?m)^\s*\d+\.\s", "", re.sub(r"\bStep \d+ of \d+", "", text))


def sources() -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SHARED.glob("*.md")) + sorted(SHARED.glob("*.txt"))]
    texts.append(office_file().read_text(encoding="utf-8"))  # the office in use (office.yml or OFFICE_FILE)
    # Its annual due date, which the profile gives as numbers (annual_due_month: 4), as answers write it.
    office = load_office()
    texts.append(f"{calendar.month_name[office.annual_due_month]} {office.annual_due_day}")
    return "\n".join(texts)


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("HSC", "H&SC")).lower()


def tokens(text: str):
    text = re.sub(r"\{[a-z_]+\}", " ", text)  # template placeholders
    for pattern, kind in ((PHONE, "phone"), (EMAIL, "e-mail")):
        for match in pattern.finditer(text):
            yield kind, match.group(0)
        text = pattern.sub(" ", text)
    for match in STATUTE.finditer(text):
        yield "statute", match.group(1).split("(")[0]
    for match in MONTH_DAY.finditer(text):
        yield "date", match.group(0)
    for match in QUOTED.finditer(text):
        yield "button", match.group(1)
    for match in NUMBER.finditer(step_numbers(text)):
        if match.group(0) not in ("911",):
            yield "number", match.group(0).rstrip(".,")


def digits_only(value: str) -> str:
    return re.sub(r"\D", "", value)


@pytest.mark.parametrize(
    "name, text", list(all_texts()), ids=lambda value: value if isinstance(value, str) and len(value) < 60 else None
)
def test_every_fact_in_an_answer_is_in_the_sources(name, text):
    source = normal(sources())
    source_digits = re.sub(r"\D", " ", sources())
    missing = []
    for kind, value in tokens(text):
        if kind == "phone":
            ok = digits_only(value)[-10:] in re.sub(r"\D", "", sources())
        elif kind == "number":
            ok = f" {digits_only(value)} " in f" {source_digits} " or normal(value) in source
        else:
            ok = normal(value) in source
        if not ok:
            missing.append(f"{kind} {value!r}")
    assert not missing, f"{name}: not in shared/domain/ or office.yml: {', '.join(missing)}"


def test_the_check_finds_an_invented_fact():
    with pytest.raises(AssertionError, match=r"phone '\(555\) 123-4567'.*number '\$3,000'"):
        test_every_fact_in_an_answer_is_in_the_sources("made up", "Call (555) 123-4567: fines up to $3,000 a day.")


@pytest.mark.parametrize("day", ["2026-11-23", "2027-03-15"])
def test_the_composed_due_date_answer_is_traceable_too(day):
    """Its computed dates and day counts are exempt; the rest (statute, 30 days, phone) is not."""
    import datetime as dt

    from actions.faq import annual_due_date_answer

    text = annual_due_date_answer(dt.date.fromisoformat(day))
    computed = re.sub(r"\b[A-Z][a-z]+ \d{1,2}, \d{4}\b|\bin \d+ days?\b|\b\d+ days?\b(?= left)", " ", text)
    test_every_fact_in_an_answer_is_in_the_sources("annual_due_date_answer", computed)


def part_d() -> str:
    facts = (SHARED / "cers-facts.md").read_text(encoding="utf-8")
    return facts[facts.index("## Part D") :]


def response_text(name: str) -> str:
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return " ".join(variant["text"] for variant in domain["responses"][name])


# The answers Part D corrected (2026-12): what each must now say. Words in `quoted` are Part D's
# own and must be in it too; the others are the answer's plain version of a Part D sentence.
PART_D_ANSWERS = [
    ("utter_submittal_elements", ["25 MB"], ["Word", "Excel", "not by e-mail"]),
    ("utter_element_plans", ["25 MB"], ["Word"]),
    ("utter_site_map", ["25 MB"], ["image", "PNG"]),
    ("utter_website_technical_problem", ["duplicate records"], ["Back button"]),
    ("utter_ust_program", ["30 days", "36 months"], ["holds product"]),
]


@pytest.mark.parametrize("name, quoted, plain", PART_D_ANSWERS)
def test_the_answers_part_d_corrected_say_what_it_says(name, quoted, plain):
    text = response_text(name)
    for phrase in quoted + plain:
        assert phrase in text, f"{name} should say {phrase!r}"
    for phrase in quoted:
        assert phrase in part_d(), f"{phrase!r} is not in Part D"


def test_no_answer_says_uploads_must_be_pdf():
    """Part D: CERS accepts PDF, Word, Excel and image files; "as PDF" was one county's rule."""
    for name, text in all_texts():
        assert not re.search(r"\bas (?:a )?PDF\.", text), name
