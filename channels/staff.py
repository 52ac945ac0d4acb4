"""The staff channel: POST /webhooks/staff/webhook, the REST channel's request and response, behind a bearer token.

Conversations on this channel are staff conversations (actions/status.py: look facilities up by
ID, name or address, lists of overdue and due-soon facilities, everything on file). That
permission comes only from this channel's name, which a request cannot change, and every
request must carry `Authorization: Bearer <STAFF_API_TOKEN>`:

- STAFF_API_TOKEN set: any request without the header, or with another token, gets 401.
- STAFF_API_TOKEN unset or empty: the channel is off, like the other channels whose secrets are
  not set (channels/config.py): no webhook is registered (404); GET /webhooks/staff/ says "off".

The token is read from the environment when the server starts (restart it after a change).
"""

from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cers import roles
from cers.settings import env
from channels.config import off_blueprint
from channels.rest import RestInput

TOKEN_VARIABLE = "STAFF_API_TOKEN"


def check_authorization(header: Optional[str], token: str) -> Optional[HTTPResponse]:
    """None when the Authorization header carries the token; else the 401 to send instead."""
    if not token:
        raise ValueError("no staff token: the channel must be off")
    scheme, _, given = (header or "").strip().partition(" ")
    # compare_digest takes as long for a wrong token as for a right one: no timing hints.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return response.json(
            {"error": "Unauthorized"}, status=401, headers={"WWW-Authenticate": 'Bearer realm="staff"'}
        )
    return None


class StaffInput(RestInput):
    """channels.rest.RestInput (cleaned text, fixed channel name) under /webhooks/staff, token required."""

    @classmethod
    def name(cls) -> Text:
        return roles.STAFF_WEBHOOK

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "StaffInput":
        return cls(env(TOKEN_VARIABLE) or None)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            return off_blueprint("staff_webhook_off")

        return super().blueprint(on_new_message)

    def refused(self, request: Request) -> Optional[HTTPResponse]:
        """401 without the token, before anything else (the body's checks, the limits)."""
        return check_authorization(request.headers.get("Authorization"), self.token or "")
