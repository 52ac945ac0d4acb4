"""SMS formatting: plain text, numbered choices, splitting, and reading a numbered answer back."""

from __future__ import annotations

import pytest

from cers.conversation.events import read_events
from cers.sms_text import (
    DEFAULT_MAX_CHARS,
    choice_payload,
    numbered_choices,
    plain_text,
    split_message,
)
from cers.text import parse_choice


@pytest.mark.parametrize(
    "markdown, plain",
    [
        ("**Bold** and __strong__", "Bold and strong"),
        ("*emphasis* and _this_", "emphasis and this"),
        ("See [the CERS site](https://cers.calepa.ca.gov/)", "See the CERS site: https://cers.calepa.ca.gov/"),
        ("## Heading\ntext", "Heading\ntext"),
        ("* one\n* two", "- one\n- two"),
        ("use `Start Submittal`", "use Start Submittal"),
        ("It\u2019s \u201cdue\u201d \u2014 soon\u2026", 'It\'s "due" - soon...'),
        ("snake_case_words and 2*3*4 stay", "snake_case_words and 2*3*4 stay"),
        ("- a dash list\n- stays", "- a dash list\n- stays"),
    ],
)
def test_plain_text_removes_markdown_and_typographic_characters(markdown, plain):
    assert plain_text(markdown) == plain


def test_numbered_choices_lists_titles_in_order():
    text = numbered_choices(
        [{"title": "Yes, step by step", "payload": "/affirm"}, {"title": "No, thanks", "payload": "/deny"}]
    )
    assert text == "Reply with a number:\n1 - Yes, step by step\n2 - No, thanks"


def test_short_text_is_one_part():
    assert split_message("Hello.") == ["Hello."]


def test_long_text_splits_at_paragraphs_into_numbered_parts():
    paragraphs = [f"Paragraph {n}: " + "word " * 60 for n in range(4)]
    parts = split_message("\n\n".join(p.strip() for p in paragraphs))
    assert len(parts) == 4
    for index, part in enumerate(parts, 1):
        assert len(part) <= DEFAULT_MAX_CHARS
        assert part.startswith(f"({index}/4) Paragraph {index - 1}:")


def test_a_long_paragraph_splits_at_sentences_and_no_word_is_cut():
    sentence = "The annual update is due on March 1 every year. "
    text = (sentence * 30).strip()
    parts = split_message(text, limit=160)
    assert all(len(part) <= 160 for part in parts)
    for part in parts:
        body = part.split(") ", 1)[1]
        assert body.endswith("year."), body
    assert " ".join(p.split(") ", 1)[1] for p in parts) == text


def test_text_without_any_boundary_is_still_cut_to_size():
    parts = split_message("x" * 1000, limit=160)
    assert all(len(part) <= 160 for part in parts)
    assert "".join(p.split(") ", 1)[1] for p in parts) == "x" * 1000


@pytest.mark.parametrize("reply, number", [("1", 1), (" 2 ", 2), ("#3", 3), ("4.", 4), ("12", 12)])
def test_a_reply_of_just_a_number_is_a_choice(reply, number):
    assert parse_choice(reply) == number


@pytest.mark.parametrize("reply", ["10234567", "1 and 2", "one", "95971"])
def test_other_replies_are_not_choices(reply):
    assert parse_choice(reply) is None


BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_choice_payload_reads_the_last_buttons_since_the_person_spoke():
    events = [
        {"event": "user", "text": "how do I add a user?"},
        {"event": "bot", "text": "To add a user...", "data": {"buttons": BUTTONS}},
        {"event": "action", "name": "action_listen"},
    ]
    assert choice_payload(read_events(events), 1) == "/affirm"
    assert choice_payload(read_events(events), 2) == "/deny"
    assert choice_payload(read_events(events), 3) is None


def test_choice_payload_ignores_buttons_the_person_already_answered():
    events = [
        {"event": "bot", "text": "Choose", "data": {"buttons": BUTTONS}},
        {"event": "user", "text": "something else"},
        {"event": "bot", "text": "An answer without buttons", "data": {}},
    ]
    assert choice_payload(read_events(events), 1) is None
