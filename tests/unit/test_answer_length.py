"""Answers fit a phone screen: the first message of every answer is at most 320 characters once office.yml's values are in, except step lists that quote the office's FAQ."""

from __future__ import annotations

import pytest

from cers.office_details import office_details
from cers.settings import load_office
from tests.unit.answer_texts import responses

MAX_CHARS = 320
# The office's own numbered steps (cers-facts.md, Part A), quoted whole: not shortened by us.
OFFICE_STEP_LISTS = {"utter_how_to_create_account", "utter_how_to_log_in", "utter_how_to_update_business_info"}


def filled(text: str) -> str:
    for key, value in office_details(load_office()).items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("name, text", list(responses()))
def test_the_first_message_of_an_answer_fits_a_phone_screen(name, text):
    if name in OFFICE_STEP_LISTS:
        assert "1. " in text, f"{name} is exempt only as a step list"
        return
    assert len(filled(text)) <= MAX_CHARS, f"{name}: {len(filled(text))} characters"
