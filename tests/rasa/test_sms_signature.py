"""Twilio signatures over every posted field (blank ones too), and the SMS webhook's replies to pictures and blanks."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Dict, List, Tuple
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from channels.sms import (
    SmsInput,
    first_values,
    media_count,
    posted_fields,
    signature_matches,
    sms_text,
    twilio_signature,
    url_variants,
)

TOKEN = "unit-test-auth-token"
URL = "https://bot.example/webhooks/twilio/webhook"
SENDER = "+15305550123"


class _MultiValues(dict):
    """name -> list of values, read by twilio's RequestValidator through getlist."""

    def getlist(self, name):
        return self[name]


def reference_signature(url: str, fields: List[Tuple[str, str]], token: str = TOKEN) -> str:
    """The signature twilio's own RequestValidator computes for these fields."""
    values: Dict[str, List[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    return RequestValidator(token).compute_signature(url, _MultiValues(values))


def twilio_fields(body: str = "how do I add a user?", **extra: str) -> List[Tuple[str, str]]:
    """An incoming SMS as Twilio posts it for a number it has no location for."""
    fields = [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", "SM123"),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", "SM123"),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", "+15305550100"),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", "SM123"),
        ("AccountSid", "AC123"),
        ("From", SENDER),
        ("ApiVersion", "2010-04-01"),
    ]
    replaced = [(name, extra.pop(name, value)) for name, value in fields]
    return replaced + list(extra.items())


CASES = {
    "blank location fields": twilio_fields(),
    "picture only": twilio_fields(
        "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1", MediaContentType0="image/jpeg"
    ),
    "repeated key": [("Body", "hi"), ("Tag", "b"), ("Tag", "a"), ("Tag", "")],
    "same value twice": [("Body", "hi"), ("Tag", "a"), ("Tag", "a")],
    "non-ASCII": twilio_fields("¿Cómo actualizo mi inventario? 中文", FromCity="San José"),
    "no fields": [],
}


@pytest.mark.parametrize("case", CASES)
def test_the_signature_is_the_one_twilios_validator_computes(case):
    fields = CASES[case]
    assert twilio_signature(URL, fields, TOKEN) == reference_signature(URL, fields)


@pytest.mark.parametrize("case", CASES)
def test_fields_parsed_from_the_raw_body_keep_blanks_repeats_and_non_ascii(case):
    fields = CASES[case]
    assert posted_fields(urlencode(fields).encode()) == fields


def test_a_signature_without_the_blank_fields_does_not_verify():
    fields = twilio_fields()
    without_blanks = [(name, value) for name, value in fields if value]
    assert signature_matches(URL, fields, TOKEN, reference_signature(URL, fields))
    assert not signature_matches(URL, fields, TOKEN, reference_signature(URL, without_blanks))


def test_every_value_of_a_repeated_key_is_signed():
    fields = CASES["repeated key"]
    assert signature_matches(URL, fields, TOKEN, reference_signature(URL, fields))
    assert not signature_matches(URL, fields, TOKEN, reference_signature(URL, fields[:2]))


@pytest.mark.parametrize("signature", ["", "not base64 at all", "é" * 28, reference_signature(URL, [], "other")])
def test_bad_signatures_do_not_verify(signature):
    assert not signature_matches(URL, [], TOKEN, signature)


def test_without_an_auth_token_nothing_verifies():
    assert not signature_matches(URL, [], "", reference_signature(URL, [], ""))


def test_the_url_is_checked_with_and_without_its_port():
    assert url_variants("https://bot.example/x?a=1") == ["https://bot.example/x?a=1", "https://bot.example:443/x?a=1"]
    assert url_variants("http://127.0.0.1:5005/x") == ["http://127.0.0.1/x", "http://127.0.0.1:5005/x"]
    fields = twilio_fields()
    assert signature_matches(
        URL, fields, TOKEN, reference_signature("https://bot.example:443/webhooks/twilio/webhook", fields)
    )


def test_first_values_and_media_count():
    form = first_values([("Tag", "a"), ("Tag", "b"), ("NumMedia", "2")])
    assert form == {"Tag": "a", "NumMedia": "2"}
    assert media_count(form) == 2
    assert media_count({}) == 0
    assert media_count({"NumMedia": "x", "MediaUrl0": "https://m"}) == 1
    assert media_count({"NumMedia": "-3"}) == 0


# ------------------------------------------------------------------ the webhook, without a server
class _Recorder:
    """An output channel that records what would have been texted."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, str]] = []

    async def send_plain(self, recipient_id: str, text: str) -> None:
        self.sent.append((recipient_id, text))


@pytest.fixture
def channel(monkeypatch, server_extensions):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example")
    monkeypatch.delenv("TWILIO_API_BASE", raising=False)
    sms = SmsInput("AC123", TOKEN, "+15305550100")
    sms.recorder = _Recorder()
    sms.get_output_channel = lambda: sms.recorder
    return sms


def post(channel, fields, signature=None, body=None):
    """Runs the webhook on a request as Sanic would hand it; returns (status, texts sent, bot input)."""
    raw = body if body is not None else urlencode(fields).encode()
    signature = reference_signature(URL, fields) if signature is None else signature
    request = SimpleNamespace(
        body=raw, path="/webhooks/twilio/webhook", query_string="", headers={"X-Twilio-Signature": signature}
    )
    to_bot = []

    async def on_new_message(message):
        to_bot.append(message.text)

    result = asyncio.run(channel.handle(request, on_new_message))
    return result.status, [text for _, text in channel.recorder.sent], to_bot


def test_a_message_with_blank_location_fields_goes_to_the_bot(channel):
    assert post(channel, twilio_fields()) == (204, [], ["how do I add a user?"])


def test_a_picture_alone_gets_the_text_only_reply_without_the_bot(channel):
    fields = twilio_fields("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1")
    assert post(channel, fields) == (204, [sms_text("media_only")], [])
    assert "I can only read text messages" in sms_text("media_only")


def test_a_picture_with_a_caption_goes_to_the_bot(channel):
    fields = twilio_fields("is this label ok?", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1")
    assert post(channel, fields) == (204, [], ["is this label ok?"])


@pytest.mark.parametrize("body", ["", "   ", "\u200b"])
def test_a_blank_message_gets_a_short_prompt_without_the_bot(channel, body):
    assert post(channel, twilio_fields(body)) == (204, [sms_text("empty")], [])


def test_a_tampered_body_is_refused(channel):
    fields = twilio_fields()
    signature = reference_signature(URL, fields)
    # An added blank field: request.form would not have seen it, the signature does.
    tampered = urlencode(fields).encode() + b"&Extra="
    assert post(channel, fields, signature=signature, body=tampered) == (403, [], [])
    assert post(channel, twilio_fields("something else"), signature=signature) == (403, [], [])
