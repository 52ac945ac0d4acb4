"""SLACK_STAFF_USERS: with it set, the bot answers on Slack only the staff it names (anyone else who can message the app in the workspace, a guest, say, is ignored); unset, anyone there, as before."""

from __future__ import annotations

import asyncio
import json
from typing import List

import pytest
from rasa.core.channels.channel import UserMessage

from cers.settings import SettingsError, slack_staff_users
from channels.slack import StaffSlackInput


class Request:
    """What the channel reads of Slack's request: its headers and its JSON body."""

    def __init__(self, user: str) -> None:
        self.headers = {"content-type": "application/json"}
        self.json = {"team_id": "T0CERS", "event_id": f"Ev{user}", "event": {"type": "message", "user": user}}
        self.body = json.dumps(self.json).encode()


def messages_handled(monkeypatch, staff_users: str, senders: List[str]) -> List[str]:
    monkeypatch.setenv("SLACK_STAFF_USERS", staff_users)
    channel = StaffSlackInput("xoxb-test", slack_signing_secret="secret", enabled=True)
    handled: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message.sender_id)

    async def deliver() -> None:
        for sender in senders:
            reply = await channel.process_message(
                Request(sender), on_new_message, "which facilities are overdue?", sender, {}
            )
            assert reply.status == 200  # acknowledged either way: Slack must not retry it
        await asyncio.sleep(0.1)  # Rasa's SlackInput may hand the message on in a task

    asyncio.run(deliver())
    return handled


def test_only_the_named_staff_are_answered(server_extensions, monkeypatch):
    assert messages_handled(monkeypatch, "U0MARIA, U0SAM", ["U0MARIA", "U0GUEST", "U0SAM"]) == ["U0MARIA", "U0SAM"]


def test_unset_everyone_in_the_workspace_is_answered(server_extensions, monkeypatch):
    assert messages_handled(monkeypatch, "", ["U0MARIA", "U0GUEST"]) == ["U0MARIA", "U0GUEST"]


def test_a_value_that_is_not_a_slack_user_id_is_refused(monkeypatch):
    monkeypatch.setenv("SLACK_STAFF_USERS", "U0MARIA, maria@county.example")
    with pytest.raises(SettingsError, match="maria@county.example"):
        slack_staff_users()
