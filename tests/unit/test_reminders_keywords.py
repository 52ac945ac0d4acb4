"""Inbound SMS keywords (cers/reminders/keywords.py): every opt-out, opt-in, help and status word in both languages, however it is typed, and only as the whole message."""

from __future__ import annotations

import pytest

from cers.reminders.keywords import WORDS, Kind, classify, normalize


@pytest.mark.parametrize(
    "message, kind, word, language",
    [
        ("STOP", Kind.OPT_OUT, "STOP", None),
        ("stop", Kind.OPT_OUT, "STOP", None),
        ("  Stop.  ", Kind.OPT_OUT, "STOP", None),
        ("S T O P", Kind.OPT_OUT, "STOP", None),
        ("Stop all", Kind.OPT_OUT, "STOPALL", "en"),
        ("unsubscribe!", Kind.OPT_OUT, "UNSUBSCRIBE", "en"),
        ("Cancel", Kind.OPT_OUT, "CANCEL", "en"),
        ("end", Kind.OPT_OUT, "END", "en"),
        ("QUIT", Kind.OPT_OUT, "QUIT", "en"),
        ("¡Alto!", Kind.OPT_OUT, "ALTO", "es"),
        ("parar", Kind.OPT_OUT, "PARAR", "es"),
        ("Cancelar.", Kind.OPT_OUT, "CANCELAR", "es"),
        ("start", Kind.OPT_IN, "START", None),
        ("UNSTOP", Kind.OPT_IN, "UNSTOP", "en"),
        ("help", Kind.HELP, "HELP", None),
        ("Info?", Kind.HELP, "INFO", None),
        ("¿Ayuda?", Kind.HELP, "AYUDA", "es"),
        ("status", Kind.STATUS, "STATUS", None),
        ("Estado", Kind.STATUS, "ESTADO", "es"),
        ("ESTÁDO", Kind.STATUS, "ESTADO", "es"),  # an accent typed by mistake
    ],
)
def test_each_keyword_however_typed(message, kind, word, language):
    keyword = classify(message)
    assert (keyword.kind, keyword.word, keyword.language) == (kind, word, language)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "stop by the office at 3?",
        "Please stop",
        "when does it end",
        "I need help with CERS",
        "what's my status",
        "10234567 95971",
        "stopp",
        "stop 2",
        "sto",
        "alto riesgo",
        "YES",
    ],
)
def test_anything_else_is_a_message_for_the_bot(message):
    assert classify(message).kind == Kind.NONE and classify(message).word == ""


def test_the_reply_language_is_the_words_own_else_the_numbers():
    assert classify("ALTO").reply_language("en") == "es"
    assert classify("UNSUBSCRIBE").reply_language("es") == "en"
    assert classify("STOP").reply_language("es") == "es"  # the Spanish texts say STOP too
    assert classify("STOP").reply_language(None) == "en"


def test_every_word_is_its_own_normal_form():
    assert all(normalize(word) == word for word in WORDS)
