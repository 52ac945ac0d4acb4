"""The staff webhook channel (channels/staff.py): its name, the bearer token check, and off without a token."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from channels.staff import StaffInput, check_authorization

TOKEN = "s3cret-token"


async def _ignore(message):
    return None


def routes(channel: StaffInput):
    blueprint = channel.blueprint(_ignore)
    return sorted((route.uri, tuple(sorted(route.methods))) for route in blueprint._future_routes)


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"  Bearer   {TOKEN} "])
def test_the_right_token_passes(header):
    assert check_authorization(header, TOKEN) is None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        TOKEN,
        f"Basic {TOKEN}",
        "Bearer wrong",
        f"Token {TOKEN}",
    ],
)
def test_anything_else_gets_401(header):
    response = check_authorization(header, TOKEN)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_API_TOKEN", f" {TOKEN} ")
    channel = StaffInput.from_credentials(None)
    assert channel.enabled and channel.token == TOKEN
    assert ("/webhook", ("POST",)) in routes(channel)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_without_a_token_the_channel_is_off(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("STAFF_API_TOKEN", raising=False)
    else:
        monkeypatch.setenv("STAFF_API_TOKEN", value)
    channel = StaffInput.from_credentials(None)
    assert not channel.enabled
    assert routes(channel) == [("/", ("GET",))]  # no webhook: POST /webhooks/staff/webhook is a 404
    with pytest.raises(ValueError):
        check_authorization(f"Bearer {TOKEN}", "")


def test_the_channel_name_is_fixed_whatever_the_request_says():
    channel = StaffInput(TOKEN)
    assert channel.name() == "staff" and channel.url_prefix() == "staff"
    request = SimpleNamespace(json={"sender": "a", "message": "hi", "input_channel": "rest"})
    assert channel._extract_input_channel(request) == "staff"
    assert channel._extract_message(SimpleNamespace(json={"message": "  hi \x00 there "})) == "hi there"
