"""Reading CERS IDs, ZIP codes, list choices, day spans and facility names out of what people type (cers/text.py)."""

from __future__ import annotations

import pytest

from cers.text import (
    Numbers,
    find_numbers,
    looks_like_a_try,
    offers_facility_ids,
    parse_choice,
    parse_days,
    staff_query,
    words,
)


@pytest.mark.parametrize(
    "text, cers_id, zip_code",
    [
        # The forms of the issue.
        ("10234567", "10234567", None),
        ("cers id is 10 234 567", "10234567", None),
        ("95971-1234", None, "95971"),
        ("status for 10234567 zip 95971", "10234567", "95971"),
        # Either order, any glue.
        ("95971 10234567", "10234567", "95971"),
        ("zip 96122 id 101112131", "101112131", "96122"),
        ("id: 10998877, zip: 95983", "10998877", "95983"),
        ("95923 - 10293031", "10293031", "95923"),
        ("95956 and 10171819", "10171819", "95956"),
        ("my id is 100123456 and zip code 96122", "100123456", "96122"),
        ("10234567,95971", "10234567", "95971"),
        ("cersid10232425 zip96020", "10232425", "96020"),
        # An ID typed in groups, with spaces, dashes or dots; 9 digits too.
        ("10 234 567 95971", "10234567", "95971"),
        ("100 234 567", "100234567", None),
        ("10-234-567 and 96020", "10234567", "96020"),
        ("10.234.567", "10234567", None),
        ("1023 4567", "10234567", None),
        ("102348490", "102348490", None),
        # ZIP+4 in any position, and the ID right after it.
        ("my zip code is 95947-9876", None, "95947"),
        ("zip is 96103-0021 and id 10234567", "10234567", "96103"),
        ("95971-1234 10234567", "10234567", "95971"),
        # The first of each counts.
        ("10234567 10234572 95971 96020", "10234567", "95971"),
    ],
)
def test_ids_and_zips_in_the_forms_people_type(text, cers_id, zip_code):
    numbers = find_numbers(text)
    assert (numbers.cers_id, numbers.zip) == (cers_id, zip_code)
    assert numbers.found


@pytest.mark.parametrize(
    "text",
    [
        "1023456",  # 7 digits
        "0234567 8",  # leading zero
        "012345678",  # 9 digits with a leading zero
        "1234567890",  # 10 digits
        "123456789012",
        "9597",  # a ZIP code short of a digit
        "959711",  # six digits
        "1O234567",  # a letter O for a zero
        "my id is 1023456",
        "cers id 0234567",
        "zip 9597",
        "555-0142",  # a phone number alone, as the answer to "what's the CERS ID?"
    ],
)
def test_malformed_numbers_are_tries_that_found_nothing(text):
    numbers = find_numbers(text)
    assert not numbers.found
    assert looks_like_a_try(text, numbers)


@pytest.mark.parametrize(
    "text",
    [
        "am I up to date?",
        "we have 2 sites",  # a small number in a sentence is not an answer
        "what's my CERS status",
        "'; DROP TABLE facilities; --",
        # a phone number in a question is not an ID (issue 22)
        "something about users i guess, 530-555-0142",
        "my phone is (530) 555-0142, how do I add a user",
        "call me back at 530.555.0142 about the site map please",
        "we have 2 sites and 1200 gallons of diesel",
        "<script>alert(1)</script>",
        "",
    ],
)
def test_messages_without_an_id_or_zip(text):
    numbers = find_numbers(text)
    assert numbers == Numbers(None, None, numbers.unclaimed)
    assert not looks_like_a_try(text, numbers)


@pytest.mark.parametrize(
    "text, offered",
    [
        ("10234567", True),
        ("status for 10234567 zip 95971", True),
        ("1O234567", True),
        ("my id is 1023456", True),
        ("95971", True),
        ("something about users i guess, 530-555-0142", False),
        ("reach me on (530) 555-0142 about the inventory", False),
        ("how do i add a user", False),
        ("we have 2 sites", False),
    ],
)
def test_only_a_message_that_is_or_offers_an_id_or_zip_is_read_as_one(text, offered):
    assert offers_facility_ids(text) is offered


def test_a_lone_short_number_is_a_try():
    assert looks_like_a_try("123", find_numbers("123"))


@pytest.mark.parametrize(
    "text, number",
    [
        ("2", 2),
        ("#2", 2),
        ("number 3", 3),
        (" 1.", 1),
        ("option 4", 4),
        ("5)", 5),
        ("the second one", None),
        ("100", None),
        ("10234567", None),
        ("", None),
    ],
)
def test_choice_from_a_numbered_list(text, number):
    assert parse_choice(text) == number


@pytest.mark.parametrize(
    "text, days",
    [
        ("which are due in the next 30 days?", 30),
        ("who's due in the next 60 days", 60),
        ("list facilities due in the next two weeks", 14),
        ("any facilities due this week", 7),
        ("facilities due next month", 30),
        ("who needs to submit in the next few weeks", 21),
        ("who's due soon", 30),
        ("due in the next 5000 days", 366),
    ],
)
def test_days_ahead_for_the_due_soon_list(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "text, query",
    [
        ("status of chester lumbr", "chester lumbr"),
        ("look up 123 main st quincy", "123 main st quincy"),
        ("how is feather river auto doing", "feather river auto"),
        ("what's the status for portola hardware", "portola hardware"),
        ("is sierra valley farms up to date", "sierra valley farms"),
        ("pull up the record for lake almanor marina", "lake almanor marina"),
        ("Chester Lumber", "chester lumber"),
        ("am I up to date?", ""),
        ("check status please", ""),
        ("/check_facility_status", ""),
        ("<script>alert(1)</script>", "script alert 1 script"),  # just words: nothing of the markup survives
    ],
)
def test_the_name_in_a_staff_question(text, query):
    assert staff_query(text) == query


def test_words_are_one_tokenizer_for_every_reader():
    assert words("Café #2, let's go!") == ["cafe", "2", "lets", "go"]
    assert words("O'Brien's Feed & Seed") == ["obriens", "feed", "seed"]
    assert words("") == [] and words(None) == []


def test_cers_package_never_imports_rasa():
    """cers/ is the domain: plain Python that any process (or a script) can use without Rasa."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "cers"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.relative_to(root.parent)} imports {name}"
                for name in names
                if name.split(".")[0] in ("rasa", "rasa_sdk", "actions", "channels", "sanic")
            ]
    assert not offenders, "\n".join(offenders)
