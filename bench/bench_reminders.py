"""Reminder job benchmark (issue 21): one run of cers/reminders/job.py over 2,500, 5,000 and 10,000 subscriptions with a sender that never waits, to show its time, peak memory and database statements grow linearly.

Usage: python bench/bench_reminders.py [--sizes 2500,5000,10000]   (make bench)
SQLite in a temporary folder, and PostgreSQL too when BENCH_POSTGRES_URL is set (it is wiped).
Each facility owes its annual update in 14 days and has one subscribed number, so every number
gets one text: a claim, a re-read of its records and the outcome, plus a few queries a batch.
Time is the job alone (no provider rate limit: pace 0); peak memory is tracemalloc's during a
second run of the same size on a copy of the database (tracemalloc slows the run it watches).
Prints a table and writes it to bench/results/reminders.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cers.deadlines import Facility, Records, Submittal  # noqa: E402
from cers.facilities.store import FacilityStore  # noqa: E402
from cers.reminders import job  # noqa: E402
from cers.reminders.store import RemindersStore, SubscriptionRow  # noqa: E402
from cers.settings import load_office  # noqa: E402

ELEMENTS = ("Facility Information", "Emergency Response and Training Plans", "Hazardous Materials Inventory")
TODAY = dt.date(2027, 2, 15)  # March 1 is 14 days away: the 30-day reminder is due


class NoWaitSender:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, number: str, text: str) -> str:
        self.sent += 1
        return f"SM{self.sent:032d}"


def fill(url: str, size: int) -> None:
    store = FacilityStore(url)
    store.drop_schema()
    store.migrate()
    facilities = {}
    for i in range(size):
        cers_id = f"{10_000_000 + i}"
        submittals = tuple(Submittal(e, "Accepted", dt.date(2026, 1, 5)) for e in ELEMENTS)
        facilities[cers_id] = Records(Facility(cers_id, f"Facility {i} Supply", ("HMBP",)), submittals)
    store.save(facilities)
    created = dt.datetime(2027, 1, 10, 17, 0)
    rows = [
        dict(cers_id=cers_id, number=f"+1530{2_000_000 + i:07d}", channel="twilio", language="en",
             created_at=created, active=True)
        for i, cers_id in enumerate(facilities)
    ]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(insert(SubscriptionRow.__table__), rows)
    store.dispose()


def one_run(url: str, office, now: dt.datetime, watch_memory: bool) -> dict:
    store = FacilityStore(url)
    statements = [0]
    event.listen(store.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    sender = NoWaitSender()
    if watch_memory:
        tracemalloc.start()
    started = time.perf_counter()
    result = job.run(RemindersStore(store.engine), store, office, now, sender, pace_seconds=0)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if watch_memory else 0
    if watch_memory:
        tracemalloc.stop()
    store.dispose()
    assert result.sent == sender.sent, result.summary()
    return dict(seconds=seconds, peak=peak, statements=statements[0], sent=result.sent)


def bench(label: str, url_for, sizes: list[int], office, now) -> list[dict]:
    rows = []
    for size in sizes:
        timed_url, memory_url = url_for(size)
        fill(timed_url, size)
        if memory_url != timed_url:
            shutil.copy(timed_url.removeprefix("sqlite:///"), memory_url.removeprefix("sqlite:///"))
        timed = one_run(timed_url, office, now, watch_memory=False)
        if memory_url == timed_url:
            fill(memory_url, size)
        memory = one_run(memory_url, office, now, watch_memory=True)
        row = dict(timed, database=label, size=size, peak=memory["peak"])
        rows.append(row)
        print(
            f"{label:10} {size:>7,} subscriptions: {timed['sent']:,} sent in {timed['seconds']:.2f} s "
            f"({timed['seconds'] / size * 1000:.2f} ms each), {timed['statements']:,} statements "
            f"({timed['statements'] / size:.2f} each), peak memory {memory['peak'] / 2**20:.1f} MB",
            flush=True,
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "# Reminder job benchmark (one text per subscription, no provider rate limit)",
        "",
        f"{dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}",
        "",
        "| database | subscriptions | texts | wall time | per text | SQL statements | per text | peak memory (tracemalloc) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['size']:,} | {r['sent']:,} | {r['seconds']:.2f} s | "
            f"{r['seconds'] / r['size'] * 1000:.2f} ms | {r['statements']:,} | {r['statements'] / r['size']:.2f} | "
            f"{r['peak'] / 2**20:.1f} MB |"
        )
    lines += [
        "",
        "python bench/bench_reminders.py. The statements per text stay the same as the subscriptions grow: the "
        "database work is linear. At the provider's pace (about 1 text a second on a long code) 10,000 texts "
        "take about 2.8 hours; this is the job's own cost.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "reminders.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    office = dataclasses.replace(load_office(), reminder_days=(30, 7, 1), annual_due_month=3, annual_due_day=1)
    now = dt.datetime.combine(TODAY, dt.time(10, 0), ZoneInfo(office.hours.time_zone))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench(
            "SQLite",
            lambda n: (f"sqlite:///{Path(tmp) / f'{n}.db'}", f"sqlite:///{Path(tmp) / f'{n}-memory.db'}"),
            sizes,
            office,
            now,
        )
    postgres: Optional[str] = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        rows += bench("PostgreSQL", lambda n: (postgres, postgres), sizes, office, now)
    text = table(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
