"""Bad input through the live server: each gets a sensible reply and the server stays up."""

from __future__ import annotations

import pytest

from cers.settings import load_office

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone

BAD_INPUTS = {
    "empty": "",
    "whitespace": "   \n\t ",
    "ten thousand characters": "hazardous " * 1000,
    "emoji only": "😀🔥🙈💥",
    "html and script": "<script>alert('x')</script><b>hi</b><img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE events; -- OR 1=1",
    "another language": "¿Cuándo tengo que presentar el plan de materiales peligrosos?",
    "control characters": "\x00\x07\x1b[31m hello",
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_gets_a_sensible_reply_and_the_server_stays_up(chat, name):
    message = BAD_INPUTS[name]
    replies = chat.send(message)
    text = "\n".join(r.get("text", "") for r in replies)
    assert text.strip(), f"no reply to {name}"
    # Nothing from the message comes back unescaped.
    for fragment in ("<script", "onerror", "<img", "DROP TABLE", "<b>"):
        assert fragment not in text
    # The conversation goes on.
    assert "'Add a Person'" in chat.say("how do I add a user?")


def test_unknown_input_offers_the_office_phone(chat):
    text = chat.say("😀🔥🙈💥")
    assert PHONE in text
