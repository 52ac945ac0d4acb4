"""Every answer of two sentences or more, and every walkthrough step, reads at grade 9 or lower (Flesch-Kincaid, textstat)."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import textstat

from cers.office_details import office_details
from cers.settings import load_office
from tests.unit.answer_texts import ROOT, guide_texts, responses

MAX_GRADE = 9.0
# Names a reader recognises as names, not as words to read: left out of the count (issue 9).
NAMES = (
    "Hazardous Materials Inventory",
    "Emergency Response and Training Plans",
    "Facility Information",
    "Business Owner/Operator Identification",
    "Business Activities",
    "Aboveground Petroleum Storage Act",
    "Aboveground Petroleum Storage",
    "Underground Storage Tanks",
    "Underground storage tanks",
    "Hazardous Waste",
    "California Health and Safety Code",
    "Health and Safety Code",
    "California Environmental Reporting System",
    "Cal OES State Warning Center",
    "National Response Center",
    "Department of Toxic Substances Control",
    "California Accidental Release Prevention program",
    "Spill Prevention, Control and Countermeasure",
    "Risk Management Plan",
    "Tank Facility Statement",
    "Hazardous Materials Business Plan",
    "Business Portal",
    "Lead User",
    "Lead Users",
)


def office_words():
    """The office's FAQ (its page, and Part A of cers-facts.md): its words, not ours to simplify."""
    shared = ROOT.parent / "shared/domain"
    if not shared.exists():
        shared = Path("/work/shared/domain")
    page = (shared / "office-faq-page.txt").read_text(encoding="utf-8")
    facts = (shared / "cers-facts.md").read_text(encoding="utf-8")
    return (page + facts.split("## Part B")[0]).lower()


def readable(text: str) -> str:
    """The text as it is read: office values filled in, names and quoted buttons out, one sentence a line.

    The office's own name is a name like CERS's (any office's: the grade is of our words)."""
    office = load_office()
    text = text.replace("{office_name}", "the office")
    for key, value in office_details(office).items():
        text = text.replace("{" + key + "}", value.replace(office.name, "the office"))
    text = re.sub(r"'[^']*'", "it", text)  # quoted button and link names
    text = re.sub(r"\([^)]*\)", "", text)  # acronym expansions, statute numbers, examples
    for name in NAMES:
        text = text.replace(name, "it")
    lines = [line.strip(" -") for line in text.splitlines() if line.strip(" -")]
    return " ".join(line if line[-1] in ".!?:" else line + "." for line in lines)


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?:](?:\s|$)", text))


def texts():
    yield from responses()
    quoted = re.sub(r"[^a-z]+", " ", office_words())
    for name, text in guide_texts():
        # A Part A step is the office's FAQ word for word (tests/unit/test_guides.py): exempt.
        if " step " in name and text and re.sub(r"[^a-z]+", " ", text.lower()).strip() not in quoted:
            yield name, text


def grades():
    found = []
    for name, text in texts():
        plain = readable(text)
        if name.startswith("utter_") and sentences(plain) < 2:
            continue
        found.append((textstat.flesch_kincaid_grade(plain), name))
    return sorted(found, reverse=True)


def test_every_answer_and_step_reads_at_grade_9_or_lower():
    found = grades()
    assert len(found) > 80
    too_hard = [f"{name}: grade {grade:.1f}" for grade, name in found if grade > MAX_GRADE]
    assert not too_hard, "hardest first:\n" + "\n".join(too_hard)


def test_median_grade_is_reported():
    median = statistics.median(grade for grade, _ in grades())
    print(f"median Flesch-Kincaid grade of answers and steps: {median:.1f}")
    assert median <= MAX_GRADE
