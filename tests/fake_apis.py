"""A local stand-in for Twilio's and Slack's APIs that records what the bot would have sent.

The live Rasa server is started with TWILIO_API_BASE and SLACK_API_URL pointing here, and
with test credentials (channel_env); the tests sign their webhook requests with the same
secrets (twilio_signature, slack_headers) and read back the recorded messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional
from urllib.parse import parse_qs

import requests

TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
TWILIO_NUMBER = "+15305550100"
TWILIO_WEBHOOK = "/webhooks/twilio/webhook"  # where the SMS channel listens (channels/sms.py)
SLACK_BOT_TOKEN = "xoxb-test-token"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
# Staff on the fake Slack (users.info): id -> display name.
SLACK_USERS = {"U0MARIA": "Maria Lopez", "U0SAM": "Sam Ortiz"}


def channel_env(fake_url: str, public_base_url: str) -> Dict[str, str]:
    """The environment that turns the SMS and Slack channels on, talking to the fake APIs."""
    return {
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_NUMBER": TWILIO_NUMBER,
        "PUBLIC_BASE_URL": public_base_url,
        "TWILIO_API_BASE": f"{fake_url}/twilio",
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": f"{fake_url}/slack/api/",
    }


def twilio_signature(url: str, params: Dict[str, str], auth_token: str = TWILIO_AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it: HMAC-SHA1 of the URL and the sorted params."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def post_twilio_sms(base_url: str, sender: str, body: str, signature: str = "sign", url: str = "") -> requests.Response:
    """Posts an incoming SMS to the bot at base_url as Twilio does. signature "sign" signs it
    correctly (over `url` when given, else the webhook's own address), "" sends none, any other
    value is sent as it is."""
    webhook = base_url + TWILIO_WEBHOOK
    params = {
        "From": sender,
        "To": TWILIO_NUMBER,
        "Body": body,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "MessageSid": "SM" + uuid.uuid4().hex,
        "NumMedia": "0",
    }
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(url or webhook, params)
    elif signature:
        headers["X-Twilio-Signature"] = signature
    return requests.post(webhook, data=params, headers=headers, timeout=60)


def slack_message_event(user: str, channel: str, text: str, event_id: str = "") -> bytes:
    """The body Slack's Events API posts for a direct message to the bot (sign it with slack_headers)."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": "T0CERS",
            "api_app_id": "A0CERS",
            "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:12].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "UBOT", "is_bot": True}],
            "event": {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "channel": channel,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()


def slack_headers(
    body: bytes,
    secret: str = SLACK_SIGNING_SECRET,
    timestamp: Optional[int] = None,
    content_type: str = "application/json",
) -> Dict[str, str]:
    """X-Slack-Signature and X-Slack-Request-Timestamp as Slack computes them."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


class FakeApis:
    """An HTTP server on a free local port; `calls` lists every request it got."""

    def __init__(self) -> None:
        self.calls: List[dict] = []
        self._lock = threading.Lock()
        self._last_ts = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeApis":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sms_to(self, number: str) -> List[str]:
        """Bodies of the SMS sent to `number`, in order."""
        with self._lock:
            return [c["body"]["Body"] for c in self.calls if c["api"] == "twilio" and c["body"].get("To") == number]

    def slack_posts(self, channel: str) -> List[dict]:
        """chat.postMessage calls for `channel`, in order."""
        with self._lock:
            return [
                c["body"]
                for c in self.calls
                if c["api"] == "slack" and c["method"] == "chat.postMessage" and c["body"].get("channel") == channel
            ]

    def thread_posts(self, channel: str, thread_ts: str) -> List[dict]:
        """chat.postMessage calls in one thread of `channel`, in order."""
        return [post for post in self.slack_posts(channel) if post.get("thread_ts") == thread_ts]

    def ts_of(self, post: dict) -> str:
        """The ts the fake gave a recorded chat.postMessage call (a thread's id is its first post's ts)."""
        with self._lock:
            return next(c["reply"]["ts"] for c in self.calls if c["api"] == "slack" and c["body"] is post)

    def wait_for(self, get: Callable[[], list], count: int = 1, timeout: float = 30, settle: float = 0.0) -> list:
        """`get()` once it returns at least `count` items (then waits `settle` seconds for more)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = get()
            if len(items) >= count:
                if settle:
                    time.sleep(settle)
                    items = get()
                return items
            time.sleep(0.1)
        raise AssertionError(f"expected {count} calls within {timeout} s, got {get()!r}")

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or b"{}")
                else:
                    body = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
                path = self.path.split("?")[0]
                if path.startswith("/twilio/"):
                    call = {"api": "twilio", "path": path, "body": body, "auth": self.headers.get("Authorization")}
                    reply = {
                        "sid": f"SM{len(fake.calls):032d}",
                        "to": body.get("To"),
                        "from": body.get("From"),
                        "body": body.get("Body"),
                        "status": "queued",
                    }
                    status = 201
                elif path.startswith("/slack/api/"):
                    method = path[len("/slack/api/") :]
                    call = {"api": "slack", "method": method, "body": body, "auth": self.headers.get("Authorization")}
                    with fake._lock:  # a ts of its own for each post, as Slack gives
                        fake._last_ts = max(time.time(), fake._last_ts + 0.000001)
                        ts = f"{fake._last_ts:.6f}"
                    reply = {"ok": True, "channel": body.get("channel"), "ts": ts}
                    status = 200
                else:
                    self.send_error(404)
                    return
                call["reply"] = reply
                with fake._lock:
                    fake.calls.append(call)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 (slack_sdk reads users.info with GET)
                path, _, query = self.path.partition("?")
                if path != "/slack/api/users.info":
                    self.send_error(404)
                    return
                user = (parse_qs(query).get("user") or [""])[0]
                name = SLACK_USERS.get(user)
                reply = (
                    {"ok": True, "user": {"id": user, "profile": {"display_name": name}}}
                    if name
                    else {"ok": False, "error": "user_not_found"}
                )
                with fake._lock:
                    fake.calls.append({"api": "slack", "method": "users.info", "body": {"user": user}, "reply": reply})
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
