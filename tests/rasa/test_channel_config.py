"""Channel configuration: secrets only from the environment, channels off without them."""

from __future__ import annotations

from pathlib import Path

import yaml

from cers.conversation.channels import by_class_path
from channels.config import missing, report
from channels.slack import SeenEvents

ROOT = Path(__file__).resolve().parent.parent.parent
SECRETS = [
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_NUMBER",
    "PUBLIC_BASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
]


def test_credentials_yml_holds_no_secret_and_no_substitution():
    text = (ROOT / "credentials.yml").read_text()
    assert "${" not in text  # Rasa fails on an unset ${VAR}: the channels read the environment
    settings = yaml.safe_load(text)
    for channel, values in settings.items():
        for key in values or {}:
            assert not any(word in key for word in ("token", "secret", "sid", "password")), (channel, key)


def test_every_listed_channel_is_known():
    listed = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert all(by_class_path(class_path) for class_path in listed)


def test_channels_without_their_variables_are_off(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    text = report(str(ROOT / "credentials.yml"), "http://localhost:5005")
    assert "REST            on   POST http://localhost:5005/webhooks/rest/webhook" in text
    assert "Website widget  on   http://localhost:5005/widget.js" in text
    assert "SMS             off  (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER, PUBLIC_BASE_URL" in text
    assert "Slack (staff)   off  (set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in text


def test_channels_with_their_variables_are_on(monkeypatch):
    for name in SECRETS:
        monkeypatch.setenv(name, "x" if name != "PUBLIC_BASE_URL" else "https://bot.example")
    assert missing("channels.sms.SmsInput") == []
    text = report(str(ROOT / "credentials.yml"), "http://localhost:5005")
    assert "SMS             on   Twilio webhook: https://bot.example/webhooks/twilio/webhook" in text
    assert "Slack (staff)   on   Slack request URL: https://bot.example/webhooks/slack/webhook" in text


def test_seen_events_answer_true_once_per_id():
    seen = SeenEvents()
    assert seen.first_time("Ev1")
    assert not seen.first_time("Ev1")
    assert seen.first_time("Ev2")


def test_seen_events_forget_old_ids():
    seen = SeenEvents(keep_seconds=-1)
    assert seen.first_time("Ev1")
    assert seen.first_time("Ev1")


async def _ignore(message):
    return None


def _routes(blueprint):
    return sorted(route.uri for route in blueprint._future_routes)  # noqa: SLF001


def test_sms_and_slack_without_their_variables_register_no_webhook(monkeypatch):
    from channels.slack import StaffSlackInput
    from channels.sms import SmsInput

    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    assert _routes(SmsInput.from_credentials(None).blueprint(_ignore)) == ["/"]
    assert _routes(StaffSlackInput.from_credentials({}).blueprint(_ignore)) == ["/"]


def test_sms_and_slack_with_their_variables_have_a_webhook(monkeypatch, server_extensions):
    from channels.slack import StaffSlackInput
    from channels.sms import SmsInput

    for name in SECRETS:
        monkeypatch.setenv(name, "x")
    assert "/webhook" in _routes(SmsInput.from_credentials(None).blueprint(_ignore))
    assert "/webhook" in _routes(StaffSlackInput.from_credentials({}).blueprint(_ignore))
