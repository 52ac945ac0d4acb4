"""Slack, for the office's staff: Rasa's Slack channel, with retries never answered twice.

- Settings come from the environment (channels/config.py): SLACK_BOT_TOKEN and
  SLACK_SIGNING_SECRET; without them the channel is off. Optional: SLACK_API_URL (replaces
  https://slack.com/api/, for the tests' fake), SLACK_TEAM_ID (events from any other
  workspace are ignored), SLACK_STAFF_USERS (the user ids the bot answers; anyone else's
  messages are ignored), SLACK_CHANNEL (a channel where the bot answers every message, not
  only mentions).
- Every request's X-Slack-Signature is checked (Rasa's SlackInput does it: HMAC-SHA256 of
  the body with the signing secret, timestamps older than 5 minutes refused).
- Slack resends an event it has no answer for within 3 seconds, with X-Slack-Retry-Num. The
  webhook answers at once and the bot works in the background (Rasa's SlackInput does
  that), and an event already received (same event_id) is acknowledged and dropped, whatever
  the retry's reason: Rasa drops only retries whose reason is "http_timeout". The ids seen
  are kept for an hour: in Redis when REDIS_URL is set (replicas: a retry reaching another
  replica is dropped too), else in the process's memory. A turn that fails gets a "having
  trouble" reply (channels/dedup.py).
- A staff member over the rate limit (RATE_LIMIT_PER_SENDER messages a minute, channels/limits.py)
  gets one notice; the events are acknowledged with 200 and X-Slack-No-Retry (Slack neither
  retries them nor turns off an app whose requests fail) and dropped until the minute passes. A
  message longer than channels.text.MAX_MESSAGE_CHARS is cut, and the reply says so.
- The input channel is "slack": the staff features (actions/status.py) treat a conversation
  whose latest input channel is "slack" as a staff conversation.
- Replies: up to 25 buttons (Slack's limit for an actions block; Rasa gives up above 5),
  and no `as_user` (refused by Slack apps with bot tokens).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from cers import roles
from cers.settings import redis_url, slack_staff_users
from channels.config import env, missing, off_blueprint
from channels.dedup import Guard, answered
from channels.extensions import server
from channels.limits import SLACK_NO_RETRY, check, notice
from channels.text import clean_user_text, cut_metadata, valid_sender_id

logger = logging.getLogger(__name__)

CLASS_PATH = "channels.slack.StaffSlackInput"
SEEN_EVENTS_KEPT_SECONDS = 3600
MAX_BUTTONS = 25


class SeenEvents:
    """Event ids received in the last hour (in memory, bounded)."""

    def __init__(self, keep_seconds: float = SEEN_EVENTS_KEPT_SECONDS, max_size: int = 10000) -> None:
        self.keep_seconds = keep_seconds
        self.max_size = max_size
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is seen; later calls (retries) are False."""
        now = time.monotonic()
        while self._seen and (
            len(self._seen) >= self.max_size or next(iter(self._seen.values())) < now - self.keep_seconds
        ):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True


class SharedSeenEvents:
    """Event ids received in the last hour, in Redis: one Slack app served by several replicas."""

    KEY = "cers:slack-event:"

    def __init__(self, url: str, keep_seconds: float = SEEN_EVENTS_KEPT_SECONDS) -> None:
        from redis import asyncio as aioredis

        self.keep_seconds = int(keep_seconds)
        self.redis = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def first_time(self, event_id: str) -> bool:
        """True the first time any replica sees an id (SET NX is atomic); later calls are False."""
        try:
            return bool(await self.redis.set(self.KEY + event_id, "1", nx=True, ex=self.keep_seconds))
        except Exception as error:  # Redis down: handled (and the turn will say the bot has trouble)
            logger.warning(f"Could not check Slack event {event_id} in Redis: {error}")
            return True


class LocalSeenEvents(SeenEvents):
    """SeenEvents with the same (awaitable) interface as SharedSeenEvents."""

    async def first_time(self, event_id: str) -> bool:  # type: ignore[override]
        return SeenEvents.first_time(self, event_id)


def seen_events():
    url = redis_url()
    return SharedSeenEvents(url) if url else LocalSeenEvents()


class StaffSlackBot(SlackBot):
    """Rasa's Slack output with a configurable API address, more buttons, and no as_user."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Optional[Text] = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_url:
            self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)
        await super()._post_message(channel, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        blocks: List[Dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        elements = [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": button["title"][:75]},
                "value": button["payload"],
                "action_id": f"choice_{index}",
            }
            for index, button in enumerate(buttons[:MAX_BUTTONS])
        ]
        if elements:
            blocks.append({"type": "actions", "elements": elements})
        await self._post_message(channel=recipient, text=text, blocks=blocks)


class StaffSlackInput(SlackInput):
    """Slack's Events API and interactivity webhook, POST /webhooks/slack/webhook."""

    @classmethod
    def name(cls) -> Text:
        return roles.SLACK

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        needs = missing(CLASS_PATH)
        if needs:
            logger.info(f"Slack channel off: {', '.join(needs)} not set")
        return cls(
            env("SLACK_BOT_TOKEN"),
            env("SLACK_CHANNEL") or None,
            credentials.get("proxy"),
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            use_threads=bool(credentials.get("use_threads", False)),
            slack_signing_secret=env("SLACK_SIGNING_SECRET"),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            enabled=not needs,
        )

    def __init__(self, *args: Any, enabled: bool = True, **kwargs: Any) -> None:
        self.enabled = enabled
        self.api_url = env("SLACK_API_URL") or None
        self.team_id = env("SLACK_TEAM_ID") or None
        self.staff_users = frozenset(slack_staff_users())
        self.seen_events = seen_events()
        super().__init__(*args, **kwargs)

    def _validate_credentials(self) -> None:
        # Rasa refuses to start without a signing secret; here that only turns the channel off.
        if self.enabled:
            super()._validate_credentials()

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return StaffSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        event_id = _event_id(request)
        retry = request.headers.get(self.retry_num_header)
        if (retry and not event_id) or (event_id and not await self.seen_events.first_time(event_id)):
            logger.info(f"Slack retry #{retry} of {event_id or 'an event without id'}: already received, dropped")
            return response.text("", status=HTTPStatus.OK, headers={"X-Slack-No-Retry": "1"})
        if self.team_id and _team_id(request) not in (None, self.team_id):
            logger.warning("Slack event from another workspace ignored")
            return response.text("")
        if not valid_sender_id(sender_id):
            logger.warning("Slack event without a usable user id ignored")
            return response.text("", status=HTTPStatus.OK, headers=SLACK_NO_RETRY)
        if self.staff_users and sender_id not in self.staff_users:
            logger.warning(f"Slack message from {sender_id}, who is not in SLACK_STAFF_USERS: ignored")
            return response.text("", status=HTTPStatus.OK, headers=SLACK_NO_RETRY)
        verdict = await check(self.name(), sender_id or "")
        if not verdict.allowed:
            if verdict.first_refusal:
                out = self.get_output_channel((metadata or {}).get("out_channel"))
                task = asyncio.ensure_future(out.send_text_message(sender_id or "", notice("slack_slow_down")))
                self._background_tasks.add(task)
                task.add_done_callback(self._background_tasks.discard)
            return response.text("", status=HTTPStatus.OK, headers=SLACK_NO_RETRY)
        metadata = {**(metadata or {}), **cut_metadata(text)}
        # Rasa's SlackInput answers now and runs the bot in a background task.
        return await super().process_message(request, on_new_message, clean_user_text(text), sender_id, metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            return off_blueprint("slack_webhook")

        guard = Guard(answered(on_new_message))
        webhook = server().attach(super().blueprint(guard))

        # Slack's URL check (when the request URL is saved) expects the challenge back as
        # text or {"challenge": ...}; Rasa answers a JSON string. The signature is checked first.
        @webhook.middleware("request")
        async def url_verification(request: Request) -> Optional[HTTPResponse]:
            if (
                request.method == "POST"
                and request.path.endswith("/webhook")
                and request.headers.get("content-type") == "application/json"
            ):
                body = request.json or {}
                if body.get("type") == "url_verification":
                    if not self.is_request_from_slack_authentic(request):
                        return response.text("invalid signature", status=HTTPStatus.BAD_REQUEST)
                    return response.json({"challenge": body.get("challenge", "")})
            return None

        # Replies in the threads of the staff channel (SLACK_HANDOFF_CHANNEL) and clicks on its posts'
        # buttons belong to a handoff or a callback request: relayed to the person or acted on by
        # channels/handoff.py, never answered by the bot. Signed and de-duplicated like any event.
        @webhook.middleware("request")
        async def handoff_threads(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            handoffs = server().relay
            if not handoffs.on or not self.is_request_from_slack_authentic(request):
                return None  # not ours to answer (an unsigned request: Rasa's handler refuses it)
            if self.team_id and _team_id(request) not in (None, self.team_id):
                return None
            work = handoffs.slack_request(request)
            if work is None:
                return None
            event_id = _event_id(request)
            if event_id and not await self.seen_events.first_time(event_id):
                return response.text("", status=HTTPStatus.OK, headers={"X-Slack-No-Retry": "1"})
            handoffs.background(work())
            return response.text("")

        return webhook


def _body(request: Request) -> Dict[str, Any]:
    if request.headers.get("content-type") == "application/json":
        return request.json or {}
    try:
        return json.loads(request.form.get("payload") or "{}")
    except ValueError:
        return {}


def _event_id(request: Request) -> Optional[str]:
    """Slack's id of an event (Events API) or of a click (interactivity: its trigger_id)."""
    body = _body(request)
    return body.get("event_id") or body.get("trigger_id") or None


def _team_id(request: Request) -> Optional[str]:
    body = _body(request)
    return body.get("team_id") or (body.get("team") or {}).get("id")
