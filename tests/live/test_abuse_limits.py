"""The limits that keep the public bot up under abuse, through a server of its own with the default limits.

The shared test server has generous limits (tests/servers.py); this module starts another Rasa
server (the session's action server and fake APIs) with RATE_LIMIT_PER_SENDER and
RATE_LIMIT_PER_IP unset, so what is tested is what a fresh clone runs: 30 messages a minute per
sender, 300 per client address. Its demo page is the only origin allowed (WIDGET_ALLOWED_ORIGINS)
and is served with a strict Content-Security-Policy. The first test puts one REST sender over its
limit; the last one waits out its Retry-After (the tests in between use that minute).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import string
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests
import socketio

from tests.fake_apis import (
    SLACK_SIGNING_SECRET,
    TWILIO_WEBHOOK,
    channel_env,
    post_twilio_sms,
    slack_headers,
    slack_message_event,
)
from tests.servers import ROOT, Server, base_env, free_port, new_client_address, rasa_server, write_endpoints

REST = "/webhooks/rest/webhook"
SLACK = "/webhooks/slack/webhook"
PER_SENDER, PER_IP = 30, 300
SLOW_DOWN = "You're sending messages too fast"
MODEL = ROOT / "models" / "cers.tar.gz"


@pytest.fixture(scope="module")
def guarded(live, tmp_path_factory):
    """A Rasa server with the default limits, its demo page, and its own conversation database."""
    work = tmp_path_factory.mktemp("limits")
    demo_port = free_port()
    demo_origin = f"http://127.0.0.1:{demo_port}"
    env = base_env(
        CERS_TODAY="2026-11-23",
        DATABASE_URL=live["database_url"],
        WIDGET_ALLOWED_ORIGINS=demo_origin,
        SESSION_SECRET="limits-test-session-secret-0123456789abcdef",
        STAFF_API_TOKEN="limits-test-staff-token",
    )
    for name in ("RATE_LIMIT_PER_SENDER", "RATE_LIMIT_PER_IP", "REDIS_URL"):
        env.pop(name, None)  # the defaults, as from a fresh clone
    database = work / "conversations.db"
    endpoints = write_endpoints(work / "endpoints.yml", live["actions"].url, f"sqlite:///{database}")
    # --cors "*" as scripts/run.sh passes it: the launcher narrows it to WIDGET_ALLOWED_ORIGINS.
    rasa = rasa_server(env, MODEL, ROOT / "credentials.yml", endpoints, extra_args=["--cors", "*"])
    rasa.name = "rasa-server-limits"
    rasa.env.update(channel_env(live["fakes"].url, public_base_url=rasa.url))
    rasa.start()
    demo = Server(
        name="demo-page-limits",
        args=[sys.executable, "scripts/serve_demo.py", "--port", str(demo_port), "--bot-url", rasa.url],
        env=base_env(),
        health_path="/",
        port=demo_port,
    ).start()
    yield {
        "url": rasa.url,
        "database": database,
        "demo": demo.url + "/",
        "origin": demo_origin,
        "fakes": live["fakes"],
        "env": rasa.env,
    }
    demo.stop()
    rasa.stop()


def post(guarded, body, address=None, **kwargs):
    headers = {"X-Forwarded-For": address or new_client_address(), **kwargs.pop("headers", {})}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(guarded["url"] + REST, data=data, headers=headers, timeout=60, **kwargs)


def senders_in(database) -> set:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}


# ------------------------------------------------------------------ REST


@pytest.fixture(scope="module")
def limited(guarded):
    """A REST sender that has sent 31 messages this minute: the 31st was refused."""
    sender = f"limited-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    statuses = [post(guarded, {"sender": sender, "message": "/greet"}).status_code for _ in range(PER_SENDER)]
    refused = post(guarded, {"sender": sender, "message": "how do I add a user?"})
    return {"sender": sender, "started": started, "statuses": statuses, "refused": refused}


def test_the_31st_message_of_a_minute_gets_429_with_retry_after_and_911(limited):
    assert limited["statuses"] == [200] * PER_SENDER
    refused = limited["refused"]
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    (reply,) = refused.json()
    assert reply["recipient_id"] == limited["sender"]
    assert reply["text"].startswith(SLOW_DOWN) and "In an emergency, call 911." in reply["text"]


def test_one_address_may_send_300_messages_a_minute_whatever_the_senders(guarded):
    address = new_client_address()
    statuses = [
        post(guarded, {"sender": f"ip-{n}-{uuid.uuid4().hex[:6]}", "message": "/greet"}, address).status_code
        for n in range(PER_IP)
    ]
    assert statuses == [200] * PER_IP
    over = post(guarded, {"sender": f"ip-new-{uuid.uuid4().hex[:6]}", "message": "hello"}, address)
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    # Another address, the same minute: answered.
    assert post(guarded, {"sender": f"ip-other-{uuid.uuid4().hex[:6]}", "message": "hello"}).status_code == 200


def test_a_long_message_is_cut_and_the_person_told(guarded):
    response = post(guarded, {"sender": f"long-{uuid.uuid4().hex[:8]}", "message": "how do I add a user? " * 150})
    assert response.status_code == 200
    texts = [reply.get("text", "") for reply in response.json()]
    assert texts[0] == "Your message was very long, so I read only its first 2,000 characters."
    assert any("Add a Person" in text for text in texts[1:])


def test_a_request_over_64_kb_gets_413_before_it_is_read(guarded):
    sender = f"big-{uuid.uuid4().hex[:8]}"
    big = json.dumps({"sender": sender, "message": "x" * (64 * 1024)})
    response = post(guarded, big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "Traceback" not in response.text
    # The widget's socket.io endpoint has the same limit.
    polling = requests.post(
        guarded["url"] + "/socket.io/?EIO=4&transport=polling&t=x", data=b"4" + b"x" * (70 * 1024), timeout=30
    )
    assert polling.status_code == 413
    # Just under the limit is read (and answered).
    assert post(guarded, {"sender": sender, "message": "y" * (60 * 1024)}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "two words", "message": "hello"},
        {"sender": "x" * 129, "message": "hello"},
        {"sender": "<script>", "message": "hello"},
        {"message": "hello"},
        {"sender": "no-message-{n}"},
        {"sender": "number-{n}", "message": 42},
        ["sender", "message"],
        "not json at all",
    ],
)
def test_a_malformed_request_gets_400_and_no_conversation(guarded, body):
    tag = uuid.uuid4().hex[:8]
    if isinstance(body, dict) and "{n}" in str(body.get("sender", "")):
        body = {**body, "sender": body["sender"].replace("{n}", tag)}
    before = senders_in(guarded["database"])
    response = post(guarded, body)
    assert response.status_code == 400
    assert "error" in response.json() and "Traceback" not in response.text
    assert senders_in(guarded["database"]) == before


# ------------------------------------------------------------------ the widget


async def widget_messages(url: str, messages, until, settle: float = 1.0):
    """One widget session that sends `messages`; the bot's messages it received once until(them) (60 s at most)."""
    client = socketio.AsyncClient(reconnection=False)
    received, confirmed = [], asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda message: received.append(message))
    await client.connect(url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": None})
        session = await asyncio.wait_for(confirmed, 15)
        for message in messages:
            await client.emit("user_uttered", {"message": message, "session_id": session})
            await asyncio.sleep(0.05)  # long-polling: engine.io refuses a payload of more than 16 packets
        deadline = asyncio.get_running_loop().time() + 60
        while not until(received):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(settle)
        return received
    finally:
        await client.eio.disconnect(abort=True)
        if client.eio.http and not client.eio.http.closed:
            await client.eio.http.close()


def test_the_widget_gets_one_fixed_slow_down_message(guarded):
    def answered(received):
        greetings = sum("What do you need?" in r.get("text", "") for r in received)
        return greetings >= PER_SENDER and any(SLOW_DOWN in r.get("text", "") for r in received)

    received = asyncio.run(widget_messages(guarded["url"], ["/greet"] * (PER_SENDER + 1), answered))
    notices = [r["text"] for r in received if SLOW_DOWN in r.get("text", "")]
    assert notices == [
        "You're sending messages too fast. Please wait a minute, then try again. In an emergency, call 911."
    ]
    assert sum("What do you need?" in r.get("text", "") for r in received) == PER_SENDER


def test_the_widget_in_chromium_on_a_page_with_a_strict_csp(guarded):
    setup = subprocess.run(
        [str(ROOT / "scripts" / "browser_for_tests.sh")], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert setup.returncode == 0, f"browser setup failed:\n{setup.stdout}\n{setup.stderr}"
    run = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "tests/widget_csp.test.mjs"],
        cwd=ROOT / "web",
        env=base_env(BOT_URL=guarded["url"], DEMO_URL=guarded["demo"]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(run.stdout[-10000:])
    assert run.returncode == 0, f"widget CSP tests failed:\n{run.stdout[-10000:]}\n{run.stderr[-3000:]}"


# ------------------------------------------------------------------ SMS and Slack


def post_sms(guarded, sender: str, body: str) -> requests.Response:
    return post_twilio_sms(guarded["url"], sender, body)


def test_sms_over_the_limit_gets_one_notice_then_silence(guarded):
    fakes = guarded["fakes"]
    number = f"+1530{random.randrange(10**7):07d}"
    statuses = [post_sms(guarded, number, "hi").status_code for _ in range(PER_SENDER)]
    assert all(status in (200, 204) for status in statuses)
    fakes.wait_for(lambda: fakes.sms_to(number), count=PER_SENDER)
    answered = len(settled(lambda: fakes.sms_to(number)))
    over = post_sms(guarded, number, "how do I add a user?")
    # Twilio gets 200 and no message (a 429 would only make it give up).
    assert over.status_code == 200
    assert "<Message" not in over.text and "<Response" in over.text
    texts = fakes.wait_for(lambda: fakes.sms_to(number), count=answered + 1, settle=1.0)
    assert texts[answered:] == ["You're sending texts too fast, so I'll pause for a minute. In an emergency, call 911."]
    again = post_sms(guarded, number, "hello?")
    assert again.status_code == 200
    time.sleep(2)
    assert len(fakes.sms_to(number)) == answered + 1, "nothing more until the minute passes"


def settled(get, quiet: float = 2.0, timeout: float = 60.0) -> list:
    """get() once it has not changed for `quiet` seconds (the bot works in the background)."""
    deadline = time.monotonic() + timeout
    items, since = get(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = get()
        if len(now) != len(items):
            items, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return items


def test_slack_over_the_limit_is_acknowledged_without_retries_and_told_once(guarded):
    fakes = guarded["fakes"]
    suffix = uuid.uuid4().hex[:8].upper()
    user, channel = f"U{suffix}", f"D{suffix}"

    def send(text):
        body = slack_message_event(user, channel, text)
        return requests.post(guarded["url"] + SLACK, data=body, headers=slack_headers(body), timeout=30)

    for _ in range(PER_SENDER):
        assert send("thanks").status_code == 200
    fakes.wait_for(lambda: fakes.slack_posts(channel), count=PER_SENDER)
    answered = len(settled(lambda: fakes.slack_posts(channel)))
    over = send("which facilities are overdue?")
    assert over.status_code == 200 and over.headers.get("X-Slack-No-Retry") == "1"
    again = send("hello?")
    assert again.status_code == 200 and again.headers.get("X-Slack-No-Retry") == "1"
    posts = fakes.wait_for(lambda: fakes.slack_posts(channel), count=answered + 1, settle=2.0)
    assert [p.get("text") for p in posts[answered:]] == [
        "You're sending messages too fast, so I'll pause for a minute. Then ask again."
    ]
    assert SLACK_SIGNING_SECRET not in over.text


# ------------------------------------------------------------------ headers, CORS, errors


def test_responses_carry_the_security_headers(guarded):
    answer = post(guarded, {"sender": f"headers-{uuid.uuid4().hex[:8]}", "message": "hello"})
    for response in (answer, requests.get(guarded["url"] + "/widget.js", timeout=10)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]

    demo = requests.get(guarded["demo"], timeout=10)
    policy = demo.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert f"script-src {guarded['url']}" in policy and "connect-src" in policy
    assert demo.headers["X-Content-Type-Options"] == "nosniff" and demo.headers["Referrer-Policy"] == "no-referrer"
    assert "<style" not in demo.text and " style=" not in demo.text and "onclick" not in demo.text

    # A staff page (here: "no staff account yet") has the dashboard's own policy.
    staff = requests.get(guarded["url"] + "/staff/login", timeout=10)
    assert staff.headers["Content-Type"].startswith("text/html"), (staff.status_code, staff.text[:300])
    assert "script-src 'self'" in staff.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in staff.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in staff.headers["Content-Security-Policy"]
    assert staff.headers["X-Content-Type-Options"] == "nosniff" and "Referrer-Policy" in staff.headers


def test_cors_allows_only_the_allowed_origins(guarded):
    sender = f"cors-{uuid.uuid4().hex[:8]}"
    allowed = post(guarded, {"sender": sender, "message": "hello"}, headers={"Origin": guarded["origin"]})
    assert allowed.headers.get("Access-Control-Allow-Origin") == guarded["origin"]
    other = post(guarded, {"sender": sender, "message": "hello"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = requests.options(
        guarded["url"] + REST,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    # The widget's socket.io server refuses a page of another origin.
    handshake = guarded["url"] + "/socket.io/?EIO=4&transport=polling"
    assert requests.get(handshake, headers={"Origin": "https://evil.example"}, timeout=10).status_code >= 400
    assert requests.get(handshake, headers={"Origin": guarded["origin"]}, timeout=10).status_code == 200


def test_error_pages_show_no_stack_trace(guarded):
    for response in (
        requests.get(guarded["url"] + "/no/such/page", timeout=10),
        post(guarded, b'{"sender": "x", "message": ', headers={"Content-Type": "application/json"}),
        requests.put(guarded["url"] + REST, data="{}", timeout=10),
    ):
        assert 400 <= response.status_code < 500
        assert "Traceback" not in response.text and 'File "' not in response.text and ".py" not in response.text


# ------------------------------------------------------------------ fuzz


def random_text(rng: random.Random, size: int) -> str:
    alphabet = string.printable + "éü中文😀\u202e\u200b\x00\x07\x1b<>&'\"{}[]"
    return "".join(rng.choice(alphabet) for _ in range(size))


def random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(7 if depth < 3 else 5)
    return [
        lambda: None,
        lambda: rng.random() < 0.5,
        lambda: rng.randrange(-(10**12), 10**12),
        lambda: rng.random() * 1e6,
        lambda: random_text(rng, rng.randrange(0, 40)),
        lambda: [random_json(rng, depth + 1) for _ in range(rng.randrange(4))],
        lambda: {random_text(rng, 6): random_json(rng, depth + 1) for _ in range(rng.randrange(4))},
    ][kind]()


def fuzz_case(rng: random.Random, n: int):
    """(body bytes, content type, the sender it names if the request is well formed else None, a tag)."""
    tag = f"fuzz{n:03d}x{rng.randrange(10**6):06d}"
    kind = rng.randrange(6)
    if kind == 0:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000))), "application/json", None
    if kind == 1:  # any JSON that is not an object
        value = random_json(rng)
        while isinstance(value, dict):
            value = random_json(rng)
        return json.dumps(value).encode(), "application/json", None
    if kind == 2:  # an object with a bad sender
        sender = rng.choice(
            [
                None,
                rng.randrange(1000),
                [tag],
                f"{tag} {random_text(rng, 5)}",
                tag + "/" + random_text(rng, 3),
                tag + "x" * 130,
                f"{tag}\u00e9",
            ]
        )
        body = {"sender": sender, "message": random_text(rng, 20)} if sender is not None else {"message": "hi"}
        return json.dumps(body).encode(), "application/json", None
    if kind == 3:  # a good sender and a message that is not text
        body = {"sender": tag, "message": rng.choice([None, 1, 2.5, True, [], {}, ["hi"]])}
        if rng.random() < 0.3:
            del body["message"]
        return json.dumps(body).encode(), rng.choice(["application/json", "text/plain"]), None
    if kind == 4:  # well formed: any text, any metadata (ignored but its message_id)
        body = {"sender": tag, "message": random_text(rng, rng.randrange(0, 2500)), "metadata": random_json(rng)}
        for name in ("input_channel", "sender_id", "extra"):
            if rng.random() < 0.3:
                body[name] = random_json(rng)
        return json.dumps(body).encode(), "application/json", tag
    # truncated or padded JSON, form bodies, big bodies
    text = json.dumps({"sender": tag, "message": random_text(rng, 30)})
    return rng.choice(
        [
            (text[: rng.randrange(1, len(text) - 1)].encode(), "application/json", None),
            (urlencode({"sender": tag, "message": "hi"}).encode(), "application/x-www-form-urlencoded", None),
            (json.dumps({"sender": tag, "message": "z" * 70_000}).encode(), "application/json", None),
        ]
    )


def test_500_random_bodies_leave_the_server_up_and_write_nothing_for_the_malformed(guarded):
    seed = random.randrange(10**9)
    rng = random.Random(seed)
    before = senders_in(guarded["database"])
    well_formed, outcomes = set(), []
    for n in range(500):
        body, content_type, sender = fuzz_case(rng, n)
        response = post(guarded, body, headers={"Content-Type": content_type})
        outcomes.append((n, response.status_code))
        assert "Traceback" not in response.text, f"seed {seed}, case {n}"
        if sender is None:
            assert response.status_code in (400, 413), f"seed {seed}, case {n}: {response.status_code} {body[:200]!r}"
        else:
            assert response.status_code == 200, f"seed {seed}, case {n}: {response.status_code} {response.text[:200]}"
            well_formed.add(sender)
    written = senders_in(guarded["database"]) - before
    assert written == well_formed, f"seed {seed}: conversations for malformed requests: {written - well_formed}"
    assert len(well_formed) > 50
    # Still answering.
    reply = post(guarded, {"sender": f"after-fuzz-{uuid.uuid4().hex[:6]}", "message": "how do I add a user?"})
    assert reply.status_code == 200 and "Add a Person" in reply.text


def test_secrets_are_never_logged(guarded, live):
    """Refused signatures and tokens are logged as refused, never with the secret or the value sent."""
    body = slack_message_event("UNOSECRET", "DNOSECRET", "hello")
    requests.post(guarded["url"] + SLACK, data=body, headers=slack_headers(body, secret="wrong-secret"), timeout=10)
    requests.post(guarded["url"] + TWILIO_WEBHOOK, data={"From": "+15305550000", "Body": "hi"}, timeout=10)
    requests.post(
        guarded["url"] + "/webhooks/staff/webhook",
        json={"sender": "x", "message": "hi"},
        headers={"Authorization": "Bearer wrong-token-value"},
        timeout=10,
    )
    requests.post(
        guarded["url"] + "/staff/login", data={"name": "nobody", "password": "wrong-password-value"}, timeout=10
    )
    time.sleep(1)
    log = (ROOT / "tests" / "artifacts" / "rasa-server-limits.log").read_text(errors="replace")
    names = ("TWILIO_AUTH_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SESSION_SECRET", "STAFF_API_TOKEN")
    secrets = [guarded["env"][name] for name in names]
    for secret in [*secrets, "wrong-token-value", "wrong-password-value"]:
        assert secret not in log


# ------------------------------------------------------------------ last: the limit passes


def test_the_limited_sender_is_answered_again_after_retry_after(guarded, limited):
    retry_after = int(limited["refused"].headers["Retry-After"])
    wait = limited["started"] + retry_after + 1 - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    response = post(guarded, {"sender": limited["sender"], "message": "how do I add a user?"})
    assert response.status_code == 200
    assert "Add a Person" in response.text
