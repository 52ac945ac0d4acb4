"""The public channels' limits in the Rasa server: the process's rate limiter, what a refused message gets on each channel, and the REST webhook's request checks.

Rate limits (cers/rate_limits.py): RATE_LIMIT_PER_SENDER messages a minute per sender (30) and
RATE_LIMIT_PER_IP per client address (300; REST and widget, the address channels/clients.py
believes), in Redis with REDIS_URL, else in the process. Over a limit:

- REST: 429 with Retry-After and the one "slow down" reply (which says to call 911 in an emergency);
- widget: that same reply, instead of an answer, to the browser that sent the message;
- SMS (per phone number only: Twilio's servers are the address): one short notice, then nothing
  until the minute passes; Twilio gets 200 and an empty reply (a 429 would make it give up);
- Slack (staff, per user): 200 with X-Slack-No-Retry, so Slack neither retries nor turns the app
  off, and one notice.

The REST webhook (and the staff webhook, which shares its code) refuses with 400, before any
turn, a body that is not a JSON object with a valid sender id (channels/text.py) and a message
that is text: nothing is written for it.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from cers import roles
from cers.language import ENGLISH, message_language
from cers.rate_limits import Verdict
from cers.templates import render
from channels.clients import client_of_request
from channels.extensions import server
from channels.text import MAX_SENDER_ID_CHARS, names_another_channels_conversation, valid_sender_id

RETRY_AFTER = "Retry-After"
SLACK_NO_RETRY = {"X-Slack-No-Retry": "1"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def check(channel: str, sender: str, client: str = "") -> Verdict:
    """Counts one message against the process's rate limiter (channels/extensions.py); whether it may go on (see cers/rate_limits.py)."""
    return await server().limiter.check(channel, sender, client)


def notice(name: str, text: Optional[str] = None) -> str:
    """A sentence of cers/templates/<language>/limits.yml (slow_down, sms_slow_down,
    slack_slow_down), in the language of the refused message's text (English when unclear)."""
    return render("limits", name, language=message_language(text) or ENGLISH)


def slow_down_reply(sender: str, text: Optional[str] = None) -> Dict[str, Any]:
    """The one message a refused REST or widget message gets, as the channels send replies."""
    return {"recipient_id": sender, "text": notice("slow_down", text)}


def bad_request(problem: str) -> HTTPResponse:
    return response.json({"error": problem}, status=400)


def request_problem(body: Any) -> Optional[str]:
    """What is wrong with a REST webhook body, or None: a JSON object with a sender id and a text message."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with a sender and a message"
    if not valid_sender_id(body.get("sender")):
        return f"sender must be 1 to {MAX_SENDER_ID_CHARS} letters, digits or the characters + - _ : ."
    if names_another_channels_conversation(body["sender"]):
        return "sender must not be a phone number or a Slack user id (those name SMS and Slack conversations): use an id of your own, such as a UUID"
    if not isinstance(body.get("message"), str):
        return "message must be text"
    return None


async def screen_rest(request: Request, public: bool) -> Optional[HTTPResponse]:
    """For POST .../webhook: a 400 for a malformed body, a 429 over a limit (public channels), else None."""
    if request.method != "POST" or not request.path.endswith("/webhook"):
        return None
    try:
        body = request.json
    except Exception:  # Sanic's InvalidUsage: not JSON
        return bad_request("the body must be JSON")
    problem = request_problem(body)
    if problem:
        return bad_request(problem)
    if not public:
        return None
    sender = body["sender"]
    verdict = await check(roles.REST, sender, client_of_request(request))
    if verdict.allowed:
        return None
    return response.json(
        [slow_down_reply(sender, body.get("message"))], status=429, headers={RETRY_AFTER: str(verdict.retry_after)}
    )
