"""The office's staff channel on Slack (SLACK_HANDOFF_CHANNEL): posts, thread replies and staff members' names, for both servers.

On when SLACK_BOT_TOKEN and SLACK_HANDOFF_CHANNEL are set; SLACK_API_URL replaces Slack's API
address (the tests' fake). Nothing here fails a conversation: a post that does not go through
returns None and is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from cers.settings import env

logger = logging.getLogger(__name__)

SLACK_API = "https://slack.com/api/"


@dataclass(frozen=True)
class Posted:
    """Where a post landed: its channel and its ts (a thread's id is its first post's ts)."""

    channel: str
    ts: str


def button(text: str, action_id: str, value: str, style: Optional[str] = None) -> Dict[str, Any]:
    element: Dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75]},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def with_buttons(text: str, buttons: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Blocks: the text as a section, then the buttons."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
        {"type": "actions", "elements": buttons},
    ]


class StaffChannel:
    """Posts to the staff channel with the bot's token (slack_sdk's async client)."""

    def __init__(self, token: str, channel: str, api_url: str = SLACK_API):
        self.token = token
        self.channel = channel
        self.api_url = api_url
        self._client: Any = None
        self._names: Dict[str, str] = {}

    @classmethod
    def from_settings(cls) -> "StaffChannel":
        return cls(env("SLACK_BOT_TOKEN"), env("SLACK_HANDOFF_CHANNEL"), env("SLACK_API_URL") or SLACK_API)

    @property
    def on(self) -> bool:
        return bool(self.token and self.channel)

    def client(self) -> Any:
        if self._client is None:
            from slack_sdk.web.async_client import AsyncWebClient

            self._client = AsyncWebClient(token=self.token, base_url=self.api_url, timeout=5)
        return self._client

    async def post(
        self, text: str, blocks: Optional[List[Dict[str, Any]]] = None, thread_ts: Optional[str] = None
    ) -> Optional[Posted]:
        """Posts `text` (with `blocks`, in a thread when thread_ts is given); where it landed, or None."""
        if not self.on:
            return None
        try:
            kwargs: Dict[str, Any] = {"channel": self.channel, "text": text}
            if blocks:
                kwargs["blocks"] = blocks
            if thread_ts:
                kwargs["thread_ts"] = thread_ts
            reply = await self.client().chat_postMessage(**kwargs)
            return Posted(str(reply.get("channel") or self.channel), str(reply["ts"]))
        except Exception as error:  # the office learns of it from the log instead
            logger.warning("could not post to the staff channel: %s", error)
            return None

    async def user_name(self, user_id: str, fallback: str) -> str:
        """A staff member's name as Slack shows it (display name, else real name), or `fallback`."""
        if not user_id:
            return fallback
        if user_id in self._names:
            return self._names[user_id]
        name = ""
        try:
            reply = await self.client().users_info(user=user_id)
            user = reply.get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or ""
        except Exception as error:  # users:read missing, or Slack down: the fallback
            logger.warning("could not read the name of Slack user %s: %s", user_id, error)
        name = " ".join(str(name).split())[:80] or fallback
        if name != fallback:
            self._names[user_id] = name
        return name
