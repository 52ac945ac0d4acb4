"""What the public channels accept before a turn: sender ids, message length, REST bodies, CORS origins."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cers.conversation.names import TEXT_CUT
from channels.limits import request_problem
from channels.security import cors_arguments, public_origin_warning
from channels.text import MAX_MESSAGE_CHARS, cut_metadata, read_user_text, valid_sender_id


@pytest.mark.parametrize(
    "sender",
    ["+15305550100", "whatsapp:+15305550100", "U0123ABCD", "0f" * 16, "test-ab12_cd.ef", "a" * 128],
)
def test_real_sender_ids_are_accepted(sender):
    assert valid_sender_id(sender)


@pytest.mark.parametrize(
    "sender", ["", "a" * 129, "two words", "caf\u00e9", "../etc", "a/b", "<script>", "x\n", None, 42, ["a"]]
)
def test_other_sender_ids_are_refused(sender):
    assert not valid_sender_id(sender)


@given(st.text(max_size=200))
def test_an_accepted_sender_id_only_has_the_documented_characters(sender):
    if valid_sender_id(sender):
        assert 1 <= len(sender) <= 128
        assert all(char.isascii() and (char.isalnum() or char in "+-_:.") for char in sender)


def test_a_long_message_is_cut_and_marked():
    text, cut = read_user_text("word " * 1000)
    assert cut and len(text) <= MAX_MESSAGE_CHARS
    assert cut_metadata("word " * 1000) == {TEXT_CUT: MAX_MESSAGE_CHARS}


def test_the_longest_sms_is_not_cut():
    assert MAX_MESSAGE_CHARS >= 1600
    text, cut = read_user_text("x" * 1600)
    assert not cut and len(text) == 1600
    assert cut_metadata("x" * 1600) == {}


def test_whitespace_does_not_count_towards_the_length():
    assert not read_user_text("  hello  " + " " * 5000)[1]


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"sender": "ann", "message": "hi"}, None),
        ({"sender": "ann", "message": ""}, None),
        ({"sender": "ann", "message": "hi", "metadata": "anything"}, None),
        ([], "JSON object"),
        ("hello", "JSON object"),
        (None, "JSON object"),
        ({"message": "hi"}, "sender"),
        ({"sender": "has space", "message": "hi"}, "sender"),
        ({"sender": 5, "message": "hi"}, "sender"),
        # another channel's conversation: a phone number (SMS) or a Slack user id
        ({"sender": "+15305550142", "message": "what is my status"}, "phone number"),
        ({"sender": "5305550142", "message": "hi"}, "phone number"),
        ({"sender": "whatsapp:+15305550142", "message": "hi"}, "phone number"),
        ({"sender": "U04ABCD1234", "message": "hi"}, "Slack user id"),
        ({"sender": "person-15305550142", "message": "hi"}, None),
        ({"sender": "Ulysses", "message": "hi"}, None),
        ({"sender": "ann"}, "message"),
        ({"sender": "ann", "message": ["hi"]}, "message"),
    ],
)
def test_rest_bodies(body, problem):
    found = request_problem(body)
    assert (found is None) if problem is None else (problem in found)


def test_cors_is_narrowed_to_the_allowed_origins():
    argv = ["rasa", "run", "--cors", "*", "--port", "5005"]
    assert cors_arguments(argv, None) == argv
    assert cors_arguments(argv, ["https://a.example", "https://b.example"]) == [
        "rasa",
        "run",
        "--cors",
        "https://a.example",
        "https://b.example",
        "--port",
        "5005",
    ]
    assert cors_arguments(["rasa", "run", "--cors"], ["https://a.example"])[-1] == "https://a.example"
    assert cors_arguments(["rasa", "run"], ["https://a.example"]) == ["rasa", "run"]


def test_make_run_warns_about_any_origin_on_a_public_bot(monkeypatch):
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example")
    assert "WIDGET_ALLOWED_ORIGINS" in public_origin_warning()
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.county.example")
    assert public_origin_warning() == ""
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "*")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost:5005")
    assert public_origin_warning() == ""
