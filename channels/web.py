"""The website chat widget's channel: Rasa's socket.io channel, fixed and cleaned, and /widget.js.

Differences from Rasa's SocketIOInput (credentials.yml keeps its settings):
- python-socketio 5.x made AsyncServer.enter_room a coroutine that Rasa 3.6 does not await,
  so with session_persistence no reply ever reached the browser. Here it is awaited, on
  session_request and again on each message (a message can arrive before its session is set).
- Input goes through channels.text.clean_user_text, like every other channel; the input
  channel is always "socketio", and metadata sent by the browser is ignored, except a
  `message_id` (the widget sends one with each message): a message sent again with the same id
  gets the reply already given, and a turn that fails gets a "having trouble" reply
  (channels/dedup.py).
- A session id must look like the ones this channel hands out (32 hex digits), so a browser
  cannot pick another channel's conversation id (a Slack user id, a phone number).
- The server also serves the widget itself: GET /widget.js is one script made of the
  socket.io client (web/node_modules, installed by `make setup`), the office's name and phone
  from office.yml (so the widget can give the phone number when the bot cannot be reached),
  web/src/widget.css (applied as a constructed stylesheet: nothing inline, so a county page's
  strict Content-Security-Policy needs no 'unsafe-inline'; also served as /widget.css for
  browsers without constructed stylesheets) and web/src/widget.js.
- A widget coming back (its page opened again, or its connection restored) says which of its
  messages was the latest (`after`, its message_id) and how many bot messages it has shown since
  (`shown`); the bot sends the ones it missed from the stored conversation (missed_replies), so
  a staff reply given while the page was closed shows when it is opened again.
- Origins allowed to connect: WIDGET_ALLOWED_ORIGINS (comma-separated; "*" by default),
  checked by the socket.io server whether or not Rasa runs with --cors.
- Limits (channels/limits.py): a session or a client address over its rate limit gets one fixed
  "slow down" reply (it says to call 911 in an emergency) instead of an answer; socket.io
  requests and messages over 64 KB are refused (max_http_buffer_size, like the server's own
  limit, channels/security.py); a message longer than channels.text.MAX_MESSAGE_CHARS is cut
  and the reply says so.
- Replicas (REDIS_URL set, `make cluster`): the socket.io server shares its messages through
  Redis (python-socketio's AsyncRedisManager), so a reply reaches the conversation's browsers
  whichever replica they are connected to; haproxy keeps each browser on one replica (its
  long-polling requests must all reach the replica that opened the session). A browser whose
  replica died reconnects through haproxy to another one and asks for its session again: the
  conversation is in the database, nothing is lost. Replies are sent only once their turn is
  saved (channels/dedup.py, answered()), so a replica that dies before the save has sent
  nothing, and one that dies after it has saved what the reconnecting widget then gets.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text, TypeGuard

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncRedisManager, AsyncServer

from cers import roles
from cers.conversation.events import StoredEvent, message_id_of, turn_of
from cers.conversation.names import CLIENT, MESSAGE_ID, PAGE_LANGUAGE
from cers.language import LANGUAGES
from cers.settings import redis_url
from cers.templates import templates
from channels.clients import client_address
from channels.config import env
from channels.dedup import Guard, answered
from channels.extensions import server
from channels.limits import check, slow_down_reply
from channels.security import REQUEST_MAX_BYTES, install
from channels.text import clean_user_text, cut_metadata

logger = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
WIDGET_SOURCE = WEB / "src" / "widget.js"
WIDGET_STYLES = WEB / "src" / "widget.css"
SOCKET_IO_CLIENT = WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
# A widget coming back gets at most this many messages it missed (the latest).
MAX_MISSED = 20


def allowed_origins():
    value = env("WIDGET_ALLOWED_ORIGINS") or "*"
    if value == "*":
        return "*"
    return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]


def page_language_of(data: Dict[str, Any]) -> Dict[str, str]:
    """The page's language, which the widget sends with a conversation's first message (used
    when that message's words do not tell): one of the bot's languages, or nothing."""
    language = data.get(PAGE_LANGUAGE)
    return {PAGE_LANGUAGE: language} if language in LANGUAGES else {}


def widget_config() -> Dict[str, Any]:
    """The office's name and phone, and the widget's own words in each language
    (cers/templates/<language>/widget.yml), for the script."""
    from cers.settings import load_office

    office = load_office()
    texts = {language: templates("widget", language) for language in LANGUAGES}
    return {"officeName": office.name, "officePhone": office.phone, "texts": texts}


def widget_script() -> str:
    """The widget as one script; rebuilt when a part of it changes on disk."""
    parts = (SOCKET_IO_CLIENT, WIDGET_SOURCE, WIDGET_STYLES)
    for part in parts:
        if not part.exists():
            raise FileNotFoundError(f"{part} is missing (run `make setup`, which runs `npm ci` in web/)")
    return _bundle(
        tuple((str(part), part.stat().st_mtime) for part in parts), json.dumps(widget_config(), ensure_ascii=True)
    )


@lru_cache(maxsize=4)
def _bundle(parts, config_json: str) -> str:
    (client_path, _), (widget_path, _), (styles_path, _) = parts
    client = Path(client_path).read_text(encoding="utf-8")
    client = re.sub(r"//# sourceMappingURL=\S+\s*$", "", client)
    widget = Path(widget_path).read_text(encoding="utf-8")
    styles = json.dumps(Path(styles_path).read_text(encoding="utf-8"), ensure_ascii=True)
    # The socket.io client is a UMD module: given a local `module`, it exports itself there
    # instead of setting window.io or calling the page's AMD define().
    return (
        "/* CERS help assistant chat widget. Includes the Socket.IO client (MIT License). */\n"
        "(function () {\nvar module = { exports: {} }, exports = module.exports, define;\n"
        f"{client}\nvar io = module.exports;\nvar CERS_WIDGET_DEFAULTS = {config_json};\n"
        f"var CERS_WIDGET_CSS = {styles};\n"
        f"{widget}\n}}());\n"
    )


class WidgetBlueprint(SocketBlueprint):
    """Attaches socket.io, and serves /widget.js at the server's root."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        install(app)
        super().register(app, options)
        socketio_path = self.ctx.socketio_path

        # The socket.io server answers cross-origin requests itself (WIDGET_ALLOWED_ORIGINS);
        # with `rasa run --cors`, Sanic-CORS would add a second Access-Control-Allow-Origin
        # header, which browsers refuse. Marking the request as done for Sanic-CORS avoids it.
        @app.middleware("request")
        async def socketio_answers_its_own_cors(request: Request) -> None:
            if request.path.startswith(socketio_path):
                setattr(request.ctx, SANIC_CORS_EVALUATED, "1")

        async def serve_widget(_: Request) -> HTTPResponse:
            try:
                script = widget_script()
            except FileNotFoundError as error:
                logger.error(str(error))
                return response.text(
                    "// the chat widget is not installed on this server\n",
                    status=503,
                    content_type="application/javascript",
                )
            return response.text(
                script,
                content_type="application/javascript; charset=utf-8",
                headers={"Cache-Control": "public, max-age=300"},
            )

        async def serve_config(_: Request) -> HTTPResponse:
            return response.json(widget_config(), headers={"Access-Control-Allow-Origin": "*"})

        app.add_route(serve_widget, "/widget.js", methods=["GET"], name="cers_widget_js")

        async def serve_styles(_: Request) -> HTTPResponse:
            return response.text(
                WIDGET_STYLES.read_text(encoding="utf-8"),
                content_type="text/css; charset=utf-8",
                headers={"Cache-Control": "public, max-age=300"},
            )

        app.add_route(serve_config, "/widget/config.json", methods=["GET"], name="cers_widget_config")
        app.add_route(serve_styles, "/widget.css", methods=["GET"], name="cers_widget_css")


class WidgetInput(SocketIOInput):
    """Rasa's socket.io channel for the chat widget (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return roles.WIDGET

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=allowed_origins(),
            client_manager=shared_client_manager(),
            max_http_buffer_size=REQUEST_MAX_BYTES,
        )
        webhook = WidgetBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        # While a handoff to staff is open, the person's messages go to staff (channels/handoff.py).
        handoffs = server().relay
        handoffs.register_output(roles.WIDGET, lambda: SocketIOOutput(sio, self.bot_message_evt))
        server().attach(webhook)
        guard = Guard(handoffs.wrap(answered(on_new_message)))

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # The address each connection came from (kept by the replica that holds the connection).
        clients: Dict[Text, Text] = {}

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            clients[sid] = client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"))
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            clients.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if _valid_session_id(requested) else uuid.uuid4().hex
            await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            if session_id == requested and message_id_of({MESSAGE_ID: data.get("after")}):
                # A widget coming back (page opened again, connection restored): what it missed.
                # (A first visit, or a widget that has sent nothing yet, costs no read.)
                after, shown = data.get("after"), data.get("shown")
                for message in missed_replies(await handoffs.stored_events(session_id), after, shown):
                    await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict) or not _valid_session_id(data.get("session_id")):
                logger.debug("socket.io message without a valid session id: ignored")
                return
            session_id = data["session_id"]
            await sio.enter_room(sid, session_id, namespace=self.namespace)
            verdict = await check(self.name(), session_id, clients.get(sid, ""))
            if not verdict.allowed:
                await sio.emit(
                    self.bot_message_evt,
                    slow_down_reply(session_id, data.get("message")),
                    room=sid,
                    namespace=self.namespace,
                )
                return
            message_id = message_id_of(data)
            message = UserMessage(
                clean_user_text(data.get("message")),
                SocketIOOutput(sio, self.bot_message_evt),
                session_id,
                input_channel=self.name(),
                metadata={
                    **({MESSAGE_ID: message_id} if message_id else {}),
                    **page_language_of(data),
                    CLIENT: clients.get(sid, ""),
                    **cut_metadata(data.get("message")),
                },
            )
            await guard(message)

        return webhook


def shared_client_manager() -> Optional[AsyncRedisManager]:
    """With REDIS_URL, socket.io messages go through Redis to whichever replica holds the browser."""
    url = redis_url()
    if not url:
        return None  # one process: python-socketio's in-memory manager
    # A short connect timeout (an emit must not hang while Redis is down); no read timeout, which
    # would end the subscription every time no message came for that long.
    return AsyncRedisManager(url, channel="cers-socketio", redis_options={"socket_connect_timeout": 1.0})


def missed_replies(events: Sequence[StoredEvent], after: Any, shown: Any) -> List[Dict[str, Any]]:
    """The bot's messages a widget has not shown: those after its latest message (`after`, that
    message's message_id) less the `shown` it has, as bot_uttered payloads (at most MAX_MISSED).

    Staff replies and the end of a handoff come while the person may have closed the page; the
    widget's own copy of the conversation (the browser's storage) would never get them. Nothing
    is sent when the widget's latest message is not the conversation's latest (another tab went on).
    """
    after = message_id_of({MESSAGE_ID: after})
    if after is None or not isinstance(shown, int) or isinstance(shown, bool) or shown < 0:
        return []
    turn = turn_of(events, after)
    if turn is None or not turn.latest:
        return []
    replies = [
        {"text": reply.text, "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}
        for reply in turn.replies
    ]
    # what the widget shows (web/src/widget.js): a message with a text or buttons
    return [reply for reply in replies if reply["text"] or reply["buttons"]][shown:][-MAX_MISSED:]


def _valid_session_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(SESSION_ID.match(value))
