"""SMS through the live server's Twilio webhook; Twilio's API is the fake in tests/fake_apis.py."""

from __future__ import annotations

import uuid
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from cers.settings import load_office
from cers.sms_text import DEFAULT_MAX_CHARS
from channels.sms import sms_text
from tests.fake_apis import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_NUMBER,
    TWILIO_WEBHOOK,
    post_twilio_sms,
    twilio_signature,
)

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone


def new_number() -> str:
    # Seven uniform random digits: the replies are told apart by number, and the first four
    # digits of a UUID's integer (only a few thousand likely values) collided between tests.
    return f"+1530{uuid.uuid4().int % 10**7:07d}"


def post_sms(live, sender: str, body: str, signature: str = "sign", url: str = "") -> requests.Response:
    """Posts an incoming SMS as Twilio does; signature "sign" signs it correctly."""
    return post_twilio_sms(live["rasa"].url, sender, body, signature, url)


def texts(live, sender: str, count: int = 1):
    fakes = live["fakes"]
    return fakes.wait_for(lambda: fakes.sms_to(sender), count=count, settle=0.5)


@pytest.mark.parametrize("case", ["no signature", "wrong secret", "signed for another URL", "tampered body"])
def test_requests_whose_signature_does_not_verify_are_refused(live, case):
    sender = new_number()
    webhook = live["rasa"].url + TWILIO_WEBHOOK
    if case == "no signature":
        response = post_sms(live, sender, "how do I add a user?", signature="")
    elif case == "wrong secret":
        params = {"From": sender, "Body": "how do I add a user?"}
        response = post_sms(
            live,
            sender,
            "how do I add a user?",
            signature=twilio_signature(webhook, params, auth_token="not-the-token"),
        )
    elif case == "signed for another URL":
        response = post_sms(live, sender, "how do I add a user?", url="https://evil.example" + TWILIO_WEBHOOK)
    else:
        signed = {"From": sender, "To": TWILIO_NUMBER, "Body": "hello"}
        response = post_sms(live, sender, "how do I add a user?", signature=twilio_signature(webhook, signed))
    assert response.status_code == 403
    # A correctly signed message from the same number is answered: the refused one was not.
    assert post_sms(live, sender, "hello").status_code == 204
    replies = texts(live, sender)
    assert not any("Add a Person" in reply for reply in replies)


def test_buttons_become_numbered_choices_answered_with_a_number(live):
    sender = new_number()
    assert post_sms(live, sender, "how do I add a user?").status_code == 204
    [answer] = texts(live, sender)
    assert "3. Click 'Add a Person' and follow the prompts." in answer
    assert answer.endswith("Reply with a number:\n1 - Yes, step by step\n2 - No, thanks")
    assert len(answer) <= DEFAULT_MAX_CHARS

    # "1" is the first button's payload (/affirm): the walkthrough starts.
    post_sms(live, sender, "1")
    replies = texts(live, sender, count=3)[1:]
    assert any("Step 1 of 3: Select your business." in reply for reply in replies), replies
    assert "1 - Next" in replies[-1]

    # Its choices are numbered too: "1" again is "Next".
    post_sms(live, sender, "1")
    later = texts(live, sender, count=4)[3:]
    assert any("Step 2 of 3" in reply for reply in later), later


def test_a_number_answers_only_the_latest_choices(live):
    sender = new_number()
    post_sms(live, sender, "how do I add a user?")
    texts(live, sender)
    post_sms(live, sender, "2")  # "No, thanks"
    replies = texts(live, sender, count=2)
    assert "Anything else I can help with?" in replies[1]
    # The choices were answered: a "1" now is just text, not "Yes, step by step".
    post_sms(live, sender, "1")
    later = texts(live, sender, count=3)[2:]
    assert not any("Step 1 of 3" in reply for reply in later), later


def test_help_gets_a_short_description_and_the_office_phone(live):
    sender = new_number()
    assert post_sms(live, sender, "HELP").status_code == 204
    [reply] = texts(live, sender)
    assert "CERS help assistant" in reply and PHONE in reply
    assert len(reply) <= 320  # two SMS segments at most


def test_a_long_answer_is_split_at_a_paragraph_with_the_choices_kept_together(live):
    sender = new_number()
    post_sms(live, sender, "how do i create a cers account")
    replies = texts(live, sender, count=2)
    assert len(replies) >= 2, replies
    assert all(len(reply) <= DEFAULT_MAX_CHARS for reply in replies)
    total = len(replies)
    assert [reply.split(" ", 1)[0] for reply in replies] == [f"({k}/{total})" for k in range(1, total + 1)]
    assert replies[0].startswith("(1/") and "To create a CERS account:" in replies[0]
    assert replies[-1].endswith("Reply with a number:\n1 - Yes, step by step\n2 - No, thanks")


def test_replies_are_plain_text(live):
    sender = new_number()
    post_sms(live, sender, "what do cers, cupa and hmbp mean?")
    for reply in texts(live, sender):
        assert "**" not in reply and "](" not in reply and "\u2019" not in reply


def test_did_you_mean_is_numbered_and_something_else_gives_the_phone(live):
    sender = new_number()
    post_sms(live, sender, "something about users i think")
    [answer] = texts(live, sender)
    assert "Did you mean" in answer and "Reply with a number:" in answer
    options = answer.split("Reply with a number:\n", 1)[1].splitlines()
    last = options[-1]
    assert last.endswith("- Something else")
    post_sms(live, sender, last.split(" - ")[0])
    replies = texts(live, sender, count=2)
    assert PHONE in replies[1]


def test_an_emergency_by_sms_gets_911_first(live):
    sender = new_number()
    post_sms(live, sender, "propane tank hissing behind the shop")
    [answer] = texts(live, sender)
    assert answer.startswith("Call 911 now")


# ------------------------------------------------------------------ signatures over every posted field
Fields = List[Tuple[str, str]]


class _MultiValues(dict):
    """name -> list of values, read by twilio's RequestValidator through getlist."""

    def getlist(self, name):
        return self[name]


def signed_by_twilio(url: str, fields: Fields) -> str:
    """X-Twilio-Signature as twilio's own RequestValidator computes it (repeated names too)."""
    values: Dict[str, List[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    return RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, _MultiValues(values))


def twilio_fields(sender: str, body: str, **extra: str) -> Fields:
    """All the fields Twilio posts for an SMS from a number it has no location for (blank
    FromCity, FromZip, ToCity, ToZip); `extra` replaces or adds fields."""
    sid = "SM" + uuid.uuid4().hex
    fields = [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", TWILIO_NUMBER),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("From", sender),
        ("ApiVersion", "2010-04-01"),
    ]
    replaced = [(name, extra.pop(name, value)) for name, value in fields]
    return replaced + list(extra.items())


def post_fields(
    live, fields: Fields, signed_fields: Optional[Fields] = None, body: Optional[bytes] = None
) -> requests.Response:
    """Posts `fields` (or the raw `body`) form-encoded, signed over `signed_fields` (default: `fields`)."""
    webhook = live["rasa"].url + TWILIO_WEBHOOK
    signature = signed_by_twilio(webhook, fields if signed_fields is None else signed_fields)
    data = urlencode(fields).encode() if body is None else body
    return requests.post(
        webhook,
        data=data,
        timeout=60,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )


def test_a_signed_message_with_blank_location_fields_is_answered(live):
    sender = new_number()
    fields = twilio_fields(sender, "how do I add a user?")
    assert [name for name, value in fields if not value] == ["ToCity", "FromZip", "FromCity", "ToZip"]
    assert post_fields(live, fields).status_code == 204
    [answer] = texts(live, sender)
    assert "Add a Person" in answer


@pytest.mark.parametrize("pictures", [1, 2])
def test_a_picture_alone_gets_the_text_only_reply(live, pictures):
    sender = new_number()
    media = {}
    for index in range(pictures):
        media[f"MediaUrl{index}"] = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Media/ME{index}"
        media[f"MediaContentType{index}"] = "image/jpeg"
    fields = twilio_fields(sender, "", NumMedia=str(pictures), **media)
    assert post_fields(live, fields).status_code == 204
    # Exactly that reply and nothing else: the bot (NLU) never saw the message.
    assert texts(live, sender) == [sms_text("media_only")]
    assert "I can only read text messages" in sms_text("media_only") and "as text" in sms_text("media_only")


def test_a_blank_text_gets_a_short_prompt(live):
    sender = new_number()
    assert post_fields(live, twilio_fields(sender, "")).status_code == 204
    replies = texts(live, sender)
    assert len(replies) == 1, replies
    [reply] = replies
    assert "empty" in reply and "as text" in reply and len(reply) <= 160


def test_every_value_of_a_repeated_key_is_signed_and_verified(live):
    sender = new_number()
    fields = twilio_fields(sender, "how do I add a user?") + [("Tag", "b"), ("Tag", "a"), ("Tag", "")]
    assert post_fields(live, fields).status_code == 204
    [answer] = texts(live, sender)
    assert "Add a Person" in answer
    # Signed over one of the values only: refused.
    other = new_number()
    fields = twilio_fields(other, "how do I add a user?") + [("Tag", "b"), ("Tag", "a")]
    assert post_fields(live, fields, signed_fields=fields[:-1]).status_code == 403
    assert live["fakes"].sms_to(other) == []


def test_non_ascii_text_is_verified_and_answered(live):
    sender = new_number()
    fields = twilio_fields(sender, "¿Cómo actualizo mi inventario? 中文", FromCity="San José")
    assert post_fields(live, fields).status_code == 204
    replies = texts(live, sender)
    assert replies and all(reply.strip() for reply in replies)


@pytest.mark.parametrize(
    "case", ["signed without the blank fields", "unsigned blank field added", "body changed", "blank field filled in"]
)
def test_a_body_other_than_the_one_signed_is_refused(live, case):
    sender = new_number()
    fields = twilio_fields(sender, "how do I add a user?")
    raw = urlencode(fields).encode()
    if case == "signed without the blank fields":
        # What a signature over Sanic's request.form (blank values dropped) would have accepted.
        response = post_fields(live, fields, signed_fields=[(name, value) for name, value in fields if value])
    elif case == "unsigned blank field added":
        response = post_fields(live, fields, body=raw + b"&ErrorCode=")
    elif case == "body changed":
        response = post_fields(live, fields, body=raw.replace(b"add+a+user", b"add+a+cat%21"))
    else:
        response = post_fields(live, fields, body=raw.replace(b"FromCity=&", b"FromCity=Quincy&"))
    assert response.status_code == 403
    # Refused before the bot: nothing was, or will be, sent to that number.
    assert post_sms(live, sender, "hello").status_code == 204
    assert not any("Add a Person" in reply for reply in texts(live, sender))
