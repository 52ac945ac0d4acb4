"""Each acronym is spelled out the first time an answer uses it; CERS is spelled out in the what-is-CERS answer only."""

from __future__ import annotations

import re

import pytest

from tests.unit.answer_texts import guides, responses

EXPANSIONS = {
    "CUPA": "Certified Unified Program Agency",
    "HMBP": "Hazardous Materials Business Plan",
    "APSA": "Aboveground Petroleum Storage Act",
    "SPCC": "Spill Prevention, Control and Countermeasure",
    "UST": "underground storage tank",
    "RMP": "Risk Management Plan",
    "CalARP": "California Accidental Release Prevention",
    "DTSC": "Department of Toxic Substances Control",
    "EPA": "Environmental Protection Agency",
}
CERS_IN_FULL = "California Environmental Reporting System"
WHAT_IS_CERS = "utter_explain_terms"


def answers():
    """Each response, and each walkthrough as a whole (an acronym is spelled out once per guide)."""
    yield from responses()
    for guide in guides():
        text = "\n".join(f"{s.get('text', '')}\n{s.get('help', '')}" for s in guide["steps"])
        yield f"guide {guide['id']}", f"{text}\n{guide.get('done', '')}"


@pytest.mark.parametrize("name, text", list(answers()), ids=lambda v: v if isinstance(v, str) and len(v) < 50 else None)
def test_acronyms_are_spelled_out_before_or_where_first_used(name, text):
    late = []
    for acronym, expansion in EXPANSIONS.items():
        first = re.search(rf"\b{acronym}s?\b", text)
        if first is None:
            continue
        spelled = text.lower().find(expansion.lower())
        if spelled < 0 or spelled > first.start():
            late.append(acronym)
    assert not late, f"{name}: spell out {', '.join(late)} the first time"


def test_cers_is_spelled_out_in_the_what_is_cers_answer_only():
    spelled = [name for name, text in answers() if CERS_IN_FULL.lower() in text.lower()]
    assert spelled == [WHAT_IS_CERS]
