"""The office's dashboard on a live Rasa server: sign-in, sessions, CSRF, the sign-in limit, headers, masking, exports, `make purge`,
and the page in Chromium (web/staff/tests/dashboard.test.mjs): an unsure message shown, chart tables equal to the database,
no CSP violation, readable at 360 pixels, refused after sign-out.

The server is the bot's own (python -m channels.serve with credentials.yml), started here with SESSION_SECRET, its own
tracker store, facility database and staff account; the action server is the session's (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from cers.dashboard.accounts import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_NAME, AccountStore
from cers.settings import load_office
from cers.topics import topic_titles
from tests.conftest import MODEL
from tests.fake_apis import channel_env
from tests.servers import ROOT, Chat, base_env, rasa_server, write_endpoints
from tests.unit.dashboard_events import Conversation, write

SECRET = "dashboard-test-secret-0123456789abcdef"
STAFF_CHANNEL = "C0DASHBOARD"  # the staff channel on the fake Slack
PASSWORD = "a long staff password"
# Messages the bot is unsure about, with a phone number and an e-mail address to mask.
PHONE_MESSAGE = "uh the users thing, my number is 530-555-0142"
EMAIL_MESSAGE = "something about users i think, mail me at pat.doe@example.com"
SCREENSHOTS = ROOT / "tests" / "screenshots"


@pytest.fixture(scope="module")
def dashboard(live, tmp_path_factory):
    """A Rasa server with the dashboard on, a staff account (password already chosen), and a few conversations."""
    work = tmp_path_factory.mktemp("dashboard")
    database_url = f"sqlite:///{work / 'facilities.db'}"
    tracker_url = f"sqlite:///{work / 'conversations.db'}"
    accounts = AccountStore(database_url, migrate=True)
    one_time, _ = accounts.create_or_reset("maria.lopez")
    accounts.dispose()
    endpoints = write_endpoints(work / "endpoints.yml", live["actions"].url, tracker_url)
    env = base_env(SESSION_SECRET=SECRET, DATABASE_URL=database_url, TRACKER_STORE_URL=tracker_url)
    server = rasa_server(env, MODEL, ROOT / "credentials.yml", endpoints)
    server.name = "rasa-server-dashboard"
    # The staff channel on Slack (the fake API): "Done" on the dashboard is said in the request's thread.
    server.env.update(channel_env(live["fakes"].url, public_base_url=server.url), SLACK_HANDOFF_CHANNEL=STAFF_CHANNEL)
    server.start()
    base = server.url.replace("127.0.0.1", "localhost")  # Chromium keeps Secure cookies on http://localhost
    chats = {}
    for name, messages in {
        "phone": [PHONE_MESSAGE],
        "email": [EMAIL_MESSAGE],
        "answered": ["how do I add a user?", "thanks"],
        "person": ["I want to talk to a human"],
    }.items():
        chat = Chat(server.url, sender=f"dash-{name}-{uuid.uuid4().hex[:8]}")
        for message in messages:
            chat.send(message)
        chats[name] = chat.sender
    staff = Staff(base)
    staff.sign_in("maria.lopez", one_time)
    staff.change_password(one_time, PASSWORD)
    yield {
        "server": server,
        "base": base,
        "work": work,
        "tracker_url": tracker_url,
        "database_url": database_url,
        "env": env,
        "staff": staff,
        "senders": chats,
        "fakes": live["fakes"],
    }
    server.stop()


class Staff:
    """A staff member's browser, as far as HTTP goes: cookies passed by hand (requests keeps Secure cookies off http)."""

    def __init__(self, base: str):
        self.base = base
        self.cookie = ""

    def get(self, path: str, **kwargs):
        return requests.get(
            self.base + path, headers={"Cookie": self.cookie}, allow_redirects=False, timeout=30, **kwargs
        )

    def post(self, path: str, data: dict, cookie: str = None):
        return requests.post(
            self.base + path,
            data=data,
            headers={"Cookie": self.cookie if cookie is None else cookie},
            allow_redirects=False,
            timeout=30,
        )

    def csrf(self, path: str = "/staff/") -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text).group(1)

    def sign_in(self, name: str, password: str, keep: bool = True, forwarded_for: str = ""):
        """Signs in; with `forwarded_for`, as a client behind the office's proxy (X-Forwarded-For)."""
        forwarded = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        form = requests.get(self.base + "/staff/login", timeout=30)
        login_cookie = _cookie(form.headers["Set-Cookie"])
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        reply = requests.post(
            self.base + "/staff/login",
            data={"csrf_token": token, "name": name, "password": password},
            headers={"Cookie": login_cookie, **forwarded},
            allow_redirects=False,
            timeout=30,
        )
        if keep and reply.status_code == 303:
            self.cookie = _cookie(reply.headers["Set-Cookie"])
        return reply

    def change_password(self, current: str, new: str):
        reply = self.post(
            "/staff/password",
            {
                "csrf_token": self.csrf("/staff/password"),
                "current_password": current,
                "new_password": new,
                "new_password_again": new,
            },
        )
        assert reply.status_code == 303, reply.text
        return reply


def _cookie(set_cookie: str) -> str:
    return set_cookie.split(";")[0]


def _flags(set_cookie: str) -> set:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_the_dashboard_refuses_anyone_not_signed_in(dashboard):
    base = dashboard["base"]
    reply = requests.get(base + "/staff/", allow_redirects=False, timeout=30)
    assert reply.status_code == 303 and reply.headers["Location"] == "/staff/login"
    assert requests.get(base + "/staff/export?format=csv", timeout=30).status_code == 401
    forged = "cers_staff_session=" + "x" * 43 + ".0123"
    assert (
        requests.get(base + "/staff/", headers={"Cookie": forged}, allow_redirects=False, timeout=30).status_code == 303
    )
    assert dashboard["staff"].get("/staff/").status_code == 200


def test_the_session_cookie_is_secure_httponly_samesite_and_signed(dashboard):
    staff = Staff(dashboard["base"])
    reply = staff.sign_in("maria.lopez", PASSWORD)
    assert reply.status_code == 303 and reply.headers["Location"] == "/staff/"  # nothing secret in the URL
    set_cookie = reply.headers["Set-Cookie"]
    assert set_cookie.startswith("cers_staff_session=")
    assert {"httponly", "secure", "samesite=lax", "path=/staff"} <= _flags(set_cookie)
    value = _cookie(set_cookie).split("=", 1)[1]
    token, signature = value.rsplit(".", 1)
    assert len(token) >= 43 and len(signature) == 64
    with sqlite3.connect(dashboard["database_url"].replace("sqlite:///", "")) as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM staff_sessions")]
    assert token not in stored  # the database keeps only a hash of it
    assert "csrf_token" not in reply.headers["Location"] and token not in reply.headers["Location"]


def test_security_headers_and_a_csp_without_unsafe_inline(dashboard):
    for path in ("/staff/", "/staff/login", "/staff/static/dashboard.js"):
        reply = dashboard["staff"].get(path)
        csp = reply.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert "Access-Control-Allow-Origin" not in reply.headers
    page = dashboard["staff"].get("/staff/").text
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert "javascript" in reply.headers["Content-Type"]


def test_forms_without_the_csrf_token_are_refused(dashboard):
    staff = dashboard["staff"]
    assert staff.post("/staff/logout", {}).status_code == 403
    assert staff.post("/staff/logout", {"csrf_token": "0" * 64}).status_code == 403
    assert (
        staff.post(
            "/staff/password", {"current_password": PASSWORD, "new_password": "x" * 20, "new_password_again": "x" * 20}
        ).status_code
        == 403
    )
    assert staff.post("/staff/callbacks/1/done", {}).status_code == 403
    # A sign-in form posted without its token (from another site, say) is refused too.
    refused = requests.post(
        dashboard["base"] + "/staff/login",
        data={"name": "maria.lopez", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    assert staff.get("/staff/").status_code == 200  # still signed in: nothing happened


def test_signing_out_ends_the_session(dashboard):
    staff = Staff(dashboard["base"])
    staff.sign_in("maria.lopez", PASSWORD)
    old_cookie = staff.cookie
    reply = staff.post("/staff/logout", {"csrf_token": staff.csrf()})
    assert reply.status_code == 303 and reply.headers["Location"] == "/staff/login"
    assert "max-age=0" in _flags(reply.headers["Set-Cookie"])
    again = requests.get(
        dashboard["base"] + "/staff/", headers={"Cookie": old_cookie}, allow_redirects=False, timeout=30
    )
    assert again.status_code == 303 and again.headers["Location"] == "/staff/login"
    assert (
        requests.get(
            dashboard["base"] + "/staff/export?format=csv", headers={"Cookie": old_cookie}, timeout=30
        ).status_code
        == 401
    )


def test_sign_in_is_limited_after_repeated_failures(dashboard):
    accounts = AccountStore(dashboard["database_url"])
    one_time, _ = accounts.create_or_reset("limited.user")
    accounts.dispose()
    staff = Staff(dashboard["base"])
    for _ in range(MAX_FAILURES_PER_NAME):
        assert staff.sign_in("limited.user", "wrong password").status_code == 401
    limited = staff.sign_in("limited.user", one_time)
    assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
    assert "Set-Cookie" not in limited.headers or "cers_staff_session" not in limited.headers["Set-Cookie"]


def test_one_address_over_the_limit_behind_the_proxy_does_not_lock_out_the_others(dashboard):
    """Behind haproxy every request comes from the proxy: the limit counts the client it forwards
    (TRUSTED_PROXIES), or one stranger's failures would refuse every staff member's sign-in."""
    accounts = AccountStore(dashboard["database_url"])
    one_time, _ = accounts.create_or_reset("behind.proxy")
    accounts.dispose()
    stranger, staff_member = "203.0.113.7", "203.0.113.8"  # documentation addresses (RFC 5737)
    for n in range(MAX_FAILURES_PER_ADDRESS):  # many names, so the per-name limit is not what counts
        assert Staff(dashboard["base"]).sign_in(f"guess.{n}", "wrong", forwarded_for=stranger).status_code == 401
    assert Staff(dashboard["base"]).sign_in("behind.proxy", one_time, forwarded_for=stranger).status_code == 429
    assert Staff(dashboard["base"]).sign_in("behind.proxy", one_time, forwarded_for=staff_member).status_code == 303


def test_phone_numbers_and_emails_are_masked_in_the_list_and_the_exports(dashboard):
    staff = dashboard["staff"]
    page = staff.get("/staff/").text
    assert "uh the users thing, my number is [phone]" in page
    assert "something about users i think, mail me at [e-mail]" in page
    assert "530-555-0142" not in page and "pat.doe@example.com" not in page
    for kind in ("csv", "yaml"):
        export = staff.get(f"/staff/export?format={kind}")
        assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
        assert "[phone]" in export.text and "[e-mail]" in export.text
        assert "530-555-0142" not in export.text and "pat.doe@example.com" not in export.text
    event = re.search(r'name="event" value="(\d+)"', page).group(1)
    line = staff.get(f"/staff/export?format=yaml&event={event}&intent=how_to_add_user")
    assert "- intent: how_to_add_user" in line.text and line.text.count("\n    - ") == 1
    assert staff.get(f"/staff/export?format=csv&event={event}&intent=not_an_intent").status_code == 400


def expected_tables(tracker_db: str) -> dict:
    """The chart tables as they must read, counted straight from the events table (not through the summary)."""
    zone = ZoneInfo(load_office().hours.time_zone)
    titles = topic_titles()
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT sender_id, intent_name, timestamp, data FROM events WHERE type_name = 'user' ORDER BY id"
        ).fetchall()
    first, last_intent, topics = {}, {}, Counter()
    asked = set()
    for sender, intent, timestamp, data in rows:
        first.setdefault(sender, (timestamp, json.loads(data)["input_channel"]))
        last_intent[sender] = intent
        if intent in titles:
            topics[titles[intent]] += 1
        if intent == "ask_for_human":
            asked.add(sender)
    outcomes = Counter(
        "Left unanswered"
        if last_intent[s] in ("nlu_fallback", "none_of_these")
        else "Asked for a person (given the office's phone)"
        if s in asked
        else "Finished by the bot"
        for s in first
    )
    hours = Counter(f"{datetime.fromtimestamp(t, zone).hour:02d}:00" for t, _ in first.values())
    days = Counter(datetime.fromtimestamp(t, zone).date().isoformat() for t, _ in first.values())
    channels = Counter({"rest": "REST"}.get(c, c) for _, c in first.values())
    return {
        "t-channels": dict(channels),
        "t-topics": dict(topics),
        "t-outcomes": dict(outcomes),
        "t-hours": dict(hours),
        "t-days": dict(days),
        "conversations": len(first),
    }


def test_purge_deletes_old_conversations_only(dashboard):
    work = dashboard["work"]
    tracker_db = work / "purge-conversations.db"
    with sqlite3.connect(work / "conversations.db") as source, sqlite3.connect(tracker_db) as copy:
        source.backup(copy)  # the server's database, write-ahead log included
    url = f"sqlite:///{tracker_db}"
    engine = __import__("sqlalchemy").create_engine(url)
    now = datetime.now().timestamp()
    old = Conversation("purge-old", "socketio", now - 400 * 86400).session()
    old.answer("how do I log in", "how_to_log_in")
    recent = Conversation("purge-recent", "socketio", now - 300 * 86400).session()
    recent.answer("how do I log in", "how_to_log_in")
    write(engine, old, recent)
    engine.dispose()
    env = dict(dashboard["env"], TRACKER_STORE_URL=url, RETENTION_DAYS="365")
    run = subprocess.run(["make", "-s", "purge"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    log = run.stdout + run.stderr
    assert re.search(r"purged 1 conversations \(9 events\) last active before \S+ \(retention 365 days\)", log), log
    with sqlite3.connect(tracker_db) as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert "purge-old" not in senders and "purge-recent" in senders
    assert set(dashboard["senders"].values()) <= senders  # today's conversations stay


def test_the_dashboard_in_chromium(dashboard, browser_ready):
    staff = Staff(dashboard["base"])
    assert staff.sign_in("maria.lopez", PASSWORD).status_code == 303
    expected = expected_tables(dashboard["tracker_url"].replace("sqlite:///", ""))
    assert expected["conversations"] == 4
    env = base_env(
        BASE_URL=dashboard["base"],
        STAFF_NAME="maria.lopez",
        STAFF_PASSWORD=PASSWORD,
        EXPECTED=json.dumps(expected),
        UNSURE_TEXT="uh the users thing, my number is [phone]",
        SCREENSHOT_DIR=str(SCREENSHOTS),
    )
    run = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "staff/tests/dashboard.test.mjs"],
        cwd=ROOT / "web",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(run.stdout[-20000:])
    assert run.returncode == 0, f"dashboard browser tests failed:\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    assert (SCREENSHOTS / "dashboard.png").exists() and (SCREENSHOTS / "dashboard-360px.png").exists()


@pytest.fixture(scope="module")
def browser_ready():
    setup = subprocess.run(
        [str(ROOT / "scripts" / "browser_for_tests.sh")], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    if setup.returncode != 0:
        pytest.fail(f"browser setup failed:\n{setup.stdout}\n{setup.stderr}")
    if os.environ.get("CHROMIUM_PATH") is None and not shutil.which("chromium"):
        pytest.fail("chromium is not installed")


def test_handoffs_and_callback_requests_are_listed_and_done_from_the_dashboard(dashboard):
    """What the bot records (cers/handoffs.py) shows on the page; "Done" marks a callback request done by the signed-in staff member."""
    import datetime as dt

    from cers.facilities.store import FacilityStore
    from cers.handoffs import HandoffStore

    facilities = FacilityStore(dashboard["database_url"])
    store = HandoffStore(facilities.engine)
    try:
        now = dt.datetime.now(dt.timezone.utc)
        handoff = store.start(f"dash-{uuid.uuid4().hex[:8]}", "twilio", None, now - dt.timedelta(minutes=10))
        store.staff_replied(handoff.id, "Sam Ortiz", now - dt.timedelta(minutes=7))
        callback = store.add_callback("dash-cb", "rest", "Lee Chang", "(530) 555-0188", "Fees for a new tank?", now)
        thread = f"1800000000.{uuid.uuid4().int % 10**6:06d}"  # as if the bot had posted it to Slack
        store.attach_callback_thread(callback.id, STAFF_CHANNEL, thread)
        staff = dashboard["staff"]
        page = staff.get("/staff/").text
        assert "1 handoffs; answered: 1, median wait 3 min" in page and "Sam Ortiz" in page
        assert "Lee Chang, (530) 555-0188 (Fees for a new tank?)" in page
        assert f"/staff/callbacks/{callback.id}/done" in page
        reply = staff.post(f"/staff/callbacks/{callback.id}/done", {"csrf_token": staff.csrf()})
        assert reply.status_code == 303
        assert store.callback(callback.id).done_by == "maria.lopez"
        assert "No open callback requests." in staff.get("/staff/").text
        fakes = dashboard["fakes"]
        [note] = fakes.wait_for(lambda: fakes.thread_posts(STAFF_CHANNEL, thread), count=1)
        assert note["text"] == "Marked done by maria.lopez on the dashboard."
        # Done twice: the second says it is already done.
        assert staff.post(f"/staff/callbacks/{callback.id}/done", {"csrf_token": staff.csrf()}).status_code == 404
    finally:
        facilities.dispose()


def test_reminders_are_counted_by_week_on_the_dashboard(dashboard):
    """Issue 21: the reminders' sign-ups and opt-outs, by week, and the subscriptions active now."""
    import datetime as dt

    from cers.facilities.store import FacilityStore
    from cers.reminders.store import RemindersStore
    from cers.settings import now

    facilities = FacilityStore(dashboard["database_url"])
    reminders = RemindersStore(facilities.engine)
    try:
        moment = now()
        reminders.subscribe("10234567", "+15305550142", "twilio", "en", "the disclosure shown", moment)
        reminders.subscribe("10234638", "+15305550143", "socketio", "es", "the disclosure shown", moment)
        reminders.opt_out("+15305550142", "STOP", "twilio", moment)
        page = dashboard["staff"].get("/staff/").text
        assert "Reminders by text" in page and "1 active subscriptions, to 1 numbers" in page
        monday = moment.date() - dt.timedelta(days=moment.weekday())
        row = f'<th scope="row">{monday:%b} {monday.day}, {monday.year}</th><td>2</td><td>0</td><td>0</td><td>0</td><td>1</td>'
        assert row in page
    finally:
        facilities.dispose()
