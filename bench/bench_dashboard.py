"""Dashboard benchmark: 100,000 generated conversations in a SQLite tracker store, then the time to load /staff/.

Usage: python bench/bench_dashboard.py [--conversations N]   (make bench)

Generates a year of conversations shaped like the bot's (session start, questions and answers,
"Did you mean", status checks, requests for a person; events as Rasa writes them) into
var/bench/dashboard-<N>.db (kept for the next run), builds the dashboard's summary tables from
them (timed), starts the dashboard's routes on a local Sanic server, signs in as a staff member
and times GET /staff/ for 30 days, 90 days and the whole year, the CSV export of a month, and the
first page after 200 new conversations arrive. Prints a table and writes bench/results/dashboard.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATOR_VERSION = "1"
SECRET = "bench-session-secret-0123456789abcdef"
OFFICE = """name: Bench County Environmental Health
phone: "(530) 555-0100"
hours:
  time_zone: America/Los_Angeles
  weekly: {monday: "08:00-17:00", tuesday: "08:00-17:00", wednesday: "08:00-17:00", thursday: "08:00-17:00", friday: "08:00-12:00, 13:00-17:00"}
  closed_dates: []
"""
TOPICS = [
    "how_to_add_user",
    "how_to_log_in",
    "annual_due_date",
    "how_to_update_business_info",
    "who_must_submit",
    "how_to_create_account",
    "contact_office",
    "submittal_statuses",
    "site_map",
    "reporting_thresholds",
    "fees_and_invoices",
    "ust_program",
    "find_cers_id",
    "penalties",
    "when_to_update",
]
CHANNELS = [("socketio", 55), ("twilio", 20), ("rest", 20), ("slack", 3), ("staff", 2)]
UNSURE_TEXTS = [
    "something about users i think",
    "the thing with the tank paper, call me at 530-555-{n:04d}",
    "my boss said to ask you about the form",
    "email me at person{n}@example.com about the plan",
    "do i need the blue form or the other one",
    "what about the annual thingy for our shop",
]
NOT_FOUND = "I couldn't find a facility with that CERS ID and ZIP code. Please check both and send them again."


def _event(kind: str, when: float, **data) -> str:
    return json.dumps(
        {"event": kind, "timestamp": when, "metadata": {"model_id": "bench", "assistant_id": "cers"}, **data}
    )


def _ranking(rng: random.Random, first: str, confidence: float):
    others = rng.sample(TOPICS, 9)
    rest = (1 - confidence) / 9
    return [{"name": first, "confidence": confidence}] + [{"name": name, "confidence": rest} for name in others]


def conversation_rows(rng: random.Random, sender: str, start: float):
    """The events of one conversation: (sender, type, timestamp, intent, action, data) tuples."""
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    rows, t = [], start

    def add(kind, intent=None, action=None, **data):
        nonlocal t
        t += rng.uniform(0.05, 0.3)
        rows.append((sender, kind, t, intent, action, _event(kind, t, **data)))

    def user(text, intent, confidence=0.98, ranking=None):
        nonlocal t
        t += rng.uniform(5, 60)
        parse = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "text": text,
            "intent_ranking": ranking or _ranking(rng, intent, confidence),
        }
        add("user", intent=intent, text=text, parse_data=parse, input_channel=channel, message_id=f"{sender}{t}")
        add("user_featurization", use_text_for_featurization=False)

    def act(name):
        add("action", action=name, name=name, policy="RulePolicy", confidence=1.0)

    def bot(text, **metadata):
        add("bot", text=text, data={"buttons": None}, metadata={"model_id": "bench", **metadata})

    act("action_session_start")
    add("session_started")
    for slot, value in (("office_name", "Bench County"), ("office_phone", "(530) 555-0100")):
        add("slot", action=slot, name=slot, value=value)
    act("action_listen")
    for _turn in range(rng.choices([1, 2, 3, 4], [40, 30, 20, 10])[0]):
        roll = rng.random()
        if roll < 0.08:
            text = rng.choice(UNSURE_TEXTS).format(n=rng.randrange(10000))
            guesses = rng.sample(TOPICS, 3)
            ranking = [{"name": "nlu_fallback", "confidence": 0.4}] + [
                {"name": g, "confidence": c} for g, c in zip(guesses, (0.3, 0.2, 0.1))
            ]
            user(text, "nlu_fallback", 0.4, ranking)
            act("action_did_you_mean")
            bot("I'm not sure what you mean. Did you mean one of these?")
        elif roll < 0.14:
            user("am I up to date?", "check_facility_status")
            act("action_facility_status")
            bot("I can check that. What's the CERS ID?")
            user(f"{rng.randrange(10000000, 99999999)} 959{rng.randrange(10, 99)}", "provide_facility_ids")
            act("action_facility_status")
            if rng.random() < 0.6:
                bot("Your facility is up to date.", offers_guide="update_business_info")
            else:
                bot(NOT_FOUND)
                add("slot", action="status_failures", name="status_failures", value=1.0)
        elif roll < 0.17:
            user("i want to talk to a person", "ask_for_human")
            act("utter_ask_for_human")
            bot("I can't transfer you, but the office's staff can help.")
        else:
            topic = rng.choice(TOPICS)
            user(f"question about {topic.replace('_', ' ')}", topic)
            act(f"utter_{topic}")
            bot("An answer of a few sentences, as the bot gives them, with the office's phone number.")
        act("action_listen")
    return rows


def local_start(rng: random.Random, day_start: float) -> float:
    """Mostly office hours on weekdays, some evenings and nights (Pacific time, roughly)."""
    hour = rng.choices(range(24), [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 13, 12, 10, 7, 5, 4, 3, 2, 2, 1])[0]
    return day_start + (hour + 8) * 3600 + rng.uniform(0, 3600)  # 08:00 UTC is about midnight Pacific


def generate(path: Path, conversations: int) -> float:
    """The tracker-store database with `conversations` conversations over the last 365 days; seconds taken."""
    if path.exists():
        with sqlite3.connect(path) as db:
            try:
                found = dict(db.execute("SELECT key, value FROM bench_meta"))
            except sqlite3.OperationalError:
                found = {}
        if found.get("version") == GENERATOR_VERSION and found.get("conversations") == str(conversations):
            return 0.0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261129)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        "CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
        "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
        "action_name VARCHAR(255), data TEXT)"
    )
    db.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
    now = time.time()
    first_day = (now // 86400 - 365) * 86400
    pending = []
    starts = sorted(local_start(rng, first_day + rng.randrange(366) * 86400) for _ in range(conversations))
    for number, start in enumerate(starts):
        pending += conversation_rows(rng, f"bench-{number:06d}-{rng.getrandbits(32):08x}", min(start, now - 600))
        if len(pending) > 50000:
            db.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                pending,
            )
            pending = []
    db.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        pending,
    )
    db.execute("CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT)")
    db.executemany(
        "INSERT INTO bench_meta VALUES (?, ?)", [("version", GENERATOR_VERSION), ("conversations", str(conversations))]
    )
    db.commit()
    db.close()
    return time.monotonic() - started


def add_conversations(path: Path, count: int) -> None:
    rng = random.Random()
    rows = []
    for _ in range(count):
        rows += conversation_rows(rng, f"bench-new-{rng.getrandbits(48):012x}", time.time() - 300)
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, tracker_url: str) -> None:
    """The dashboard's routes alone on a Sanic server (what WebsiteInput adds to the Rasa server)."""
    from sanic import Sanic

    from cers.dashboard.accounts import AccountStore
    from cers.dashboard.queue import staff_queue
    from channels.dashboard import Dashboard, DashboardBlueprint

    app = Sanic("bench_dashboard")
    dashboard = Dashboard(SECRET, accounts=AccountStore(), queue=staff_queue(), tracker_url=tracker_url)
    app.blueprint(DashboardBlueprint(dashboard, "bench_dashboard_routes"))
    app.register_listener(lambda app, _loop: dashboard.start(app), "after_server_start")
    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


def sign_in(base: str, name: str, password: str, new_password: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/staff/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    login_cookie = page.headers["Set-Cookie"].split(";")[0]
    reply = session.post(
        f"{base}/staff/login",
        data={"csrf_token": token, "name": name, "password": password},
        headers={"Cookie": login_cookie},
        allow_redirects=False,
        timeout=30,
    )
    cookie = reply.headers["Set-Cookie"].split(";")[0]
    form = session.get(f"{base}/staff/password", headers={"Cookie": cookie}, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    session.post(
        f"{base}/staff/password",
        headers={"Cookie": cookie},
        allow_redirects=False,
        timeout=30,
        data={
            "csrf_token": token,
            "current_password": password,
            "new_password": new_password,
            "new_password_again": new_password,
        },
    )
    return session, {"Cookie": cookie}


def timed_get(session, url: str, headers, runs: int = 5):
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        reply = session.get(url, headers=headers, timeout=60)
        times.append(time.perf_counter() - started)
        assert reply.status_code == 200, (url, reply.status_code, reply.text[:300])
        size = len(reply.content)
    return statistics.median(times), max(times), size


def browser_load(base: str, cookie: str, query: str):
    """Seconds until the page's load event (and charts drawn) in Chromium, when chromium and node are there."""
    script = ROOT / "web" / "staff" / "bench_load.mjs"
    if not Path("/usr/bin/chromium").exists():
        return None
    run = subprocess.run(
        ["node", str(script), f"{base}/staff/?{query}", cookie],
        cwd=ROOT / "web",
        capture_output=True,
        text=True,
        timeout=180,
    )
    if run.returncode != 0:
        print(run.stdout, run.stderr, file=sys.stderr)
        return None
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tracker-url", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "dashboard.md")
    args = parser.parse_args()
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    office = work / "office-dashboard-bench.yml"
    office.write_text(OFFICE)
    os.environ["OFFICE_FILE"] = str(office)
    if args.serve:
        serve(args.serve, args.tracker_url)
        return 0

    from cers.dashboard.accounts import AccountStore
    from cers.dashboard.summary import SummaryStore
    from cers.settings import load_office

    tracker_db = work / f"dashboard-{args.conversations}.db"
    print(f"Generating {args.conversations:,} conversations into {tracker_db} (kept for the next run)...")
    generated = generate(tracker_db, args.conversations)
    with sqlite3.connect(tracker_db) as db:
        events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    tracker_url = f"sqlite:///{tracker_db}"
    print(
        f"  {events:,} events ({tracker_db.stat().st_size / 1e9:.2f} GB){f', {generated:.0f} s' if generated else ''}"
    )

    print("Building the summary tables from every event...")
    summary = SummaryStore(tracker_url, load_office().hours)
    summary.rebuild()
    started = time.monotonic()
    summary.refresh()
    build = time.monotonic() - started
    summary.dispose()
    print(f"  {build:.1f} s")

    facility_db = work / "dashboard-bench-facilities.db"
    facility_db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{facility_db}"
    accounts = AccountStore(migrate=True)
    one_time, _ = accounts.create_or_reset("bench.user")
    accounts.dispose()

    port = free_port()
    env = dict(os.environ, SESSION_SECRET=SECRET, PYTHONWARNINGS="ignore")
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--tracker-url", tracker_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        import requests

        for _ in range(120):
            try:
                requests.get(f"{base}/staff/login", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        session, headers = sign_in(base, "bench.user", one_time, "bench password long enough")
        session.get(f"{base}/staff/", headers=headers, timeout=60)  # warm: templates, first connection
        today = time.strftime("%Y-%m-%d")
        for label, days in (("last 30 days (default)", 30), ("last 90 days", 90), ("whole year", 365)):
            start = time.strftime("%Y-%m-%d", time.localtime(time.time() - (days - 1) * 86400))
            median, worst, size = timed_get(session, f"{base}/staff/?from={start}&to={today}", headers)
            rows.append((f"GET /staff/, {label}", median, worst, f"{size / 1024:.0f} KB"))
        start = time.strftime("%Y-%m-%d", time.localtime(time.time() - 29 * 86400))
        median, worst, size = timed_get(session, f"{base}/staff/export?from={start}&to={today}&format=csv", headers)
        rows.append(("CSV export of 30 days' unsure messages", median, worst, f"{size / 1024:.0f} KB"))
        add_conversations(tracker_db, 200)
        started = time.perf_counter()
        session.get(f"{base}/staff/", headers=headers, timeout=60)
        first = time.perf_counter() - started
        rows.append(("first GET /staff/ after 200 new conversations", first, first, ""))
        loaded = browser_load(
            base,
            headers["Cookie"],
            f"from={time.strftime('%Y-%m-%d', time.localtime(time.time() - 364 * 86400))}&to={today}",
        )
        if loaded:
            rows.append(
                (
                    "Chromium: whole year, navigation to every chart drawn",
                    loaded["seconds"],
                    max(loaded["seconds"], loaded["first"]),
                    "worst = first load of a new browser",
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=20)

    lines = [
        "# Dashboard benchmark",
        "",
        f"{args.conversations:,} conversations over the last 365 days ({events:,} events, SQLite tracker store); "
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Building the summary tables from every event: {build:.1f} s (once; after that each refresh reads only "
        "new events). Server times are medians and worst of 5 requests from a client on the same machine; a server "
        "keeps the figures of each day it has read until that day changes (cers/dashboard/summary.py), so the worst "
        "is the first request of a range with no day in memory (the 30-day page was opened once before); Chromium's "
        "from navigation to the last chart drawn (median of 2 reloads; worst: the first load of a new browser).",
        "",
        "| request | median | worst | size |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {median * 1000:.0f} ms | {worst * 1000:.0f} ms | {size} |" for label, median, worst, size in rows
    ]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    slow = [label for label, median, _, _ in rows if median >= 1.0]
    if slow:
        print("Over the 1 s target: " + ", ".join(slow), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
