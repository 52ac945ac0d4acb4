"""SMS through Twilio: Rasa's Twilio channel with signatures checked and replies made for a phone.

- Settings come from the environment (channels/config.py): TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN, TWILIO_NUMBER, and PUBLIC_BASE_URL (the address Twilio calls, e.g.
  https://bot.example: the signature covers that URL). Without them the channel is off.
  TWILIO_API_BASE replaces https://api.twilio.com (the tests point it at a fake).
- A request whose X-Twilio-Signature does not verify gets 403 and goes no further
  (Rasa's own channel checks nothing). The signature is computed over every field posted,
  blank ones included, parsed from the raw body: Sanic 21.12's request.form drops blank
  values (sanic-org/sanic#2427), and Twilio posts FromCity, FromZip, ToCity and ToZip blank
  when it has no location for a number, and Body blank for a picture-only message, so a
  signature over request.form refused real messages.
- A picture (or any media) with no text gets "I can only read text messages..." and a blank
  message "Your message was empty...", both without going to the bot.
- Replies are plain text (cers/sms_text.py): no markdown, typographic characters replaced by plain ones (one
  curly quote makes a whole message UCS-2: 70 characters a segment instead of 160), buttons
  become numbered choices, and an answer longer than SMS_MAX_CHARS (459: three concatenated
  segments) is split at paragraph, then line, then sentence boundaries into numbered parts.
- A reply of just a number sends the payload of that choice. The choices are read back from
  the conversation's tracker (the last bot message with buttons since the person's last
  message), so they survive restarts and need no store of their own.
- A phone number over its rate limit (RATE_LIMIT_PER_SENDER messages a minute, channels/limits.py)
  gets one short notice (it says to call 911 in an emergency), then nothing until the minute
  passes; Twilio is answered 200 with an empty reply (a 429 would make it give up). Only signed
  requests count, so nobody can silence a number by posting as it.
- The reminders' keywords (cers/reminders/inbound.py) are answered without going to the bot:
  STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, ALTO, PARAR, CANCELAR end every reminder to the
  number at once (logged, one confirmation); START and UNSTOP turn them back on; HELP, INFO or AYUDA
  from a number signed up say who sends and how to stop, and STATUS its facilities' status. HELP
  from any other number gets a short description of the bot and the office's phone; STATUS from
  one goes to the bot (which asks for the CERS ID and ZIP). Twilio blocks texts to a number that
  sent STOP until it sends START, so with Twilio's own opt-out replies on, its reply is the one the
  person gets (docs/reminders.md).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple
from urllib.parse import parse_qsl, urlparse

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException

from cers import roles
from cers.conversation.events import read_events
from cers.language import ENGLISH, message_language
from cers.reminders import inbound
from cers.reminders.keywords import Keyword, Kind, classify
from cers.reminders.store import RemindersStore
from cers.settings import env, load_office, now, today
from cers.sms_text import (
    DEFAULT_MAX_CHARS,
    TWILIO_MAX_BODY,
    choice_payload,
    numbered_choices,
    plain_text,
    split_message,
)
from cers.templates import office_values, render
from cers.text import parse_choice
from channels.config import missing
from channels.extensions import server
from channels.limits import EMPTY_TWIML, check, notice
from channels.text import EMPTY_MESSAGE, clean_user_text, valid_sender_id

logger = logging.getLogger(__name__)

CLASS_PATH = "channels.sms.SmsInput"


def keyword_reply(keyword: Keyword, sender: str) -> Optional[str]:
    """The reminders' answer to a keyword from `sender` (blocking: the database), or None for the bot."""
    shared = server()
    found = inbound.answer(
        keyword, sender, roles.SMS, RemindersStore(shared.database), shared.facilities, load_office(), now(), today()
    )
    return found.text if found else None


def max_chars() -> int:
    try:
        value = int(env("SMS_MAX_CHARS") or DEFAULT_MAX_CHARS)
    except ValueError:
        value = DEFAULT_MAX_CHARS
    return max(70, min(value, TWILIO_MAX_BODY))


def sms_text(name: str, language: str = ENGLISH) -> str:
    """A text of the SMS channel (cers/templates/<language>/sms.yml), with the office's values."""
    from cers.settings import load_office

    return render("sms", name, language=language, **office_values(load_office(), language))


# ------------------------------------------------------------------ signatures (pure)
Fields = List[Tuple[str, str]]


def posted_fields(body: Optional[bytes]) -> Fields:
    """Every (name, value) of a form-encoded body, in order, blank values and repeated names kept.

    Not request.form: Sanic 21.12 drops blank values, and Twilio signs them too."""
    text = (body or b"").decode("utf-8", errors="replace")
    return parse_qsl(text, keep_blank_values=True)


def first_values(fields: Fields) -> Dict[str, str]:
    """Each field's first value, by name."""
    values: Dict[str, str] = {}
    for name, value in fields:
        values.setdefault(name, value)
    return values


def twilio_signature(url: str, fields: Fields, auth_token: str) -> str:
    """X-Twilio-Signature as Twilio computes it (and twilio's RequestValidator.compute_signature).

    The URL, then for each field name in sorted order the name followed by the value, once
    for each distinct value of a repeated name, values sorted; HMAC-SHA1 with the Auth Token,
    base64."""
    values_by_name: Dict[str, Set[str]] = {}
    for name, value in fields:
        values_by_name.setdefault(name, set()).add(value)
    signed = url + "".join(name + value for name in sorted(values_by_name) for value in sorted(values_by_name[name]))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> List[str]:
    """The URL without and with its port: Twilio signs either one for the same webhook (its
    own validator accepts both), e.g. https://bot.example/x and https://bot.example:443/x."""
    parsed = urlparse(url)
    host = parsed.netloc.rsplit(":", 1)[0] if parsed.port else parsed.netloc
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return [parsed._replace(netloc=host).geturl(), parsed._replace(netloc=f"{host}:{port}").geturl()]


def signature_matches(url: str, fields: Fields, auth_token: str, signature: str) -> bool:
    """Whether `signature` is Twilio's for these fields at this URL (compared in constant time)."""
    if not signature or not auth_token:
        return False
    given = signature.strip().encode("utf-8")
    matches = [
        hmac.compare_digest(twilio_signature(variant, fields, auth_token).encode("ascii"), given)
        for variant in url_variants(url)
    ]
    return any(matches)


def media_count(form: Dict[str, str]) -> int:
    """How many pictures (or other media) Twilio says the message has."""
    try:
        return max(0, int(form.get("NumMedia") or 0))
    except ValueError:
        # Not a number Twilio would send; a media URL still means there is one.
        return int(bool(form.get("MediaUrl0")))


# ------------------------------------------------------------------ the channel
class SmsOutput(TwilioOutput):
    """Sends plain, split, numbered-choice SMS through Twilio's API (or TWILIO_API_BASE)."""

    @classmethod
    def name(cls) -> Text:
        return roles.SMS

    def __init__(
        self, account_sid: Text, auth_token: Text, twilio_number: Text, api_base: Optional[Text] = None
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        if api_base:
            self.api.base_url = api_base.rstrip("/")

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        # The Twilio client is synchronous: send from a thread, not the server's event loop.
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as error:
            logger.error(f"Twilio refused the message: {error.msg}")
        except Exception as error:  # noqa: BLE001 (a failed send must not end the conversation)
            logger.error(f"Could not send an SMS through Twilio: {error!r}")
        return None

    async def send_plain(self, recipient_id: Text, text: Text) -> None:
        for part in split_message(text, max_chars()):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_plain(recipient_id, plain_text(text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        # The reply's own words tell its language (the conversation's), for the line above the choices.
        language = message_language(text) or ENGLISH
        await self.send_plain(recipient_id, f"{plain_text(text)}\n\n{numbered_choices(buttons, language)}")

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_plain(recipient_id, image)


class SmsInput(TwilioInput):
    """Twilio's SMS webhook, POST /webhooks/twilio/webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return roles.SMS

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        needs = missing(CLASS_PATH)
        if needs:
            logger.info(f"SMS channel off: {', '.join(needs)} not set")
        return cls(
            env("TWILIO_ACCOUNT_SID"),
            env("TWILIO_AUTH_TOKEN"),
            env("TWILIO_NUMBER"),
            debug_mode=False,
            enabled=not needs,
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        debug_mode: bool = False,
        enabled: bool = True,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.enabled = enabled
        self.public_base_url = env("PUBLIC_BASE_URL").rstrip("/")
        self.api_base = env("TWILIO_API_BASE") or None

    def get_output_channel(self) -> OutputChannel:
        return SmsOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_base)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public address, with this request's path and query."""
        url = self.public_base_url + request.path
        return f"{url}?{request.query_string}" if request.query_string else url

    def is_signed(self, request: Request, fields: Fields) -> bool:
        """Whether X-Twilio-Signature verifies over the URL and every posted field."""
        try:
            return signature_matches(
                self.signed_url(request), fields, self.auth_token or "", request.headers.get("X-Twilio-Signature", "")
            )
        except Exception as error:  # noqa: BLE001 (e.g. a malformed PUBLIC_BASE_URL: refuse, and say why)
            logger.error(f"SMS webhook: could not check a signature: {error!r}")
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        if not self.enabled:
            return webhook
        # Staff replies during a handoff reach the person by text (channels/handoff.py).
        server().relay.register_output(roles.SMS, self.get_output_channel)
        server().attach(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        return webhook

    async def handle(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        """One incoming SMS: checked, then answered (HELP, media, blank) or passed to the bot."""
        fields = posted_fields(request.body)
        if not self.is_signed(request, fields):
            logger.warning("SMS webhook: refused a request without a valid X-Twilio-Signature")
            return response.text("invalid signature", status=403)
        form = first_values(fields)
        sender = form.get("From")
        if not valid_sender_id(sender):
            return response.text("", status=204)
        out_channel = self.get_output_channel()
        verdict = await check(self.name(), sender)
        if not verdict.allowed:
            if verdict.first_refusal:
                await out_channel.send_plain(sender, notice("sms_slow_down", form.get("Body")))
            return response.text(EMPTY_TWIML, content_type="text/xml")
        body = (form.get("Body") or "").replace("¡", "@")  # some carriers turn @ into ¡
        text = clean_user_text(body)
        if text == EMPTY_MESSAGE and body.strip() != EMPTY_MESSAGE:
            # Nothing to understand (a picture alone, or a blank text): the bot's "not sure
            # what you mean" would only puzzle them, so say what it can read, without NLU.
            language = message_language(body) or ENGLISH
            await out_channel.send_plain(sender, sms_text("media_only" if media_count(form) else "empty", language))
            return response.text("", status=204)
        keyword = classify(text)
        if keyword.kind is not Kind.NONE:
            try:
                reply = await asyncio.get_running_loop().run_in_executor(None, keyword_reply, keyword, sender)
            except Exception as error:  # noqa: BLE001 (a STOP must never be lost silently: logged as an error)
                logger.exception(f"SMS webhook: could not act on the keyword {keyword.word}: {error}")
                reply = None
                if keyword.kind is Kind.OPT_OUT:
                    return response.text("could not record the opt-out", status=500)  # Twilio retries it
            if reply is None and keyword.kind is Kind.HELP:
                reply = sms_text("help", keyword.reply_language(None))
            if reply is not None:
                await out_channel.send_plain(sender, reply)
                return response.text("", status=204)
        try:
            # While a handoff to staff is open, the message goes to staff as typed (channels/handoff.py).
            message = UserMessage(
                text, out_channel, sender, input_channel=self.name(), metadata=self.get_metadata(request)
            )
            if await server().relay.intercept(message):
                return response.text("", status=204)
        except Exception as error:  # noqa: BLE001 (answer Twilio anyway; the error is logged)
            logger.exception(f"SMS webhook: could not pass a message to staff: {error}")
            return response.text("", status=204)
        number = parse_choice(text)
        if number is not None:
            payload = await self._choice(request, sender, number)
            text = payload or text
        try:
            await on_new_message(
                UserMessage(text, out_channel, sender, input_channel=self.name(), metadata=self.get_metadata(request))
            )
        except Exception as error:  # noqa: BLE001 (answer Twilio anyway; the error is logged)
            logger.exception(f"SMS webhook: could not handle a message: {error}")
        return response.text("", status=204)

    @staticmethod
    async def _choice(request: Request, sender: Text, number: int) -> Optional[str]:
        agent = request.app.ctx.agent
        tracker = await agent.tracker_store.retrieve(sender) if agent and agent.tracker_store else None
        if tracker is None:
            return None
        return choice_payload(read_events(tracker.events), number)
