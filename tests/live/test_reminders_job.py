"""The reminder job as the CronJob runs it (scripts/remind.py processes) against the fake Twilio of tests/fake_apis.py, on SQLite and on PostgreSQL (TEST_POSTGRES_URL): two jobs started at once text each number once; a job killed in the middle and started again texts nobody twice; nothing outside 08:00-21:00 office time; nothing to a facility that has submitted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from cers.facilities.store import FacilityStore
from cers.reminders.store import RemindersStore
from tests.fake_apis import FakeApis, channel_env
from tests.store.conftest import BACKENDS, _wipe_postgres
from tests.unit.test_reminders_job import DISCLOSURE, TODAY, at, late, office_file_for_tests, submitted

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "remind.py"
NOW = f"{TODAY}T10:30"  # office time; the annual due date (March 1) is 14 days away: the 30-day reminder is due
COUNT = 24


def number(i: int) -> str:
    return f"+1530555{i:04d}"


@pytest.fixture(scope="module")
def fakes():
    running = FakeApis().start()
    yield running
    running.stop()


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> str:
    """COUNT facilities that owe their annual update, one number each; one more that has submitted."""
    url = f"sqlite:///{tmp_path / 'facilities.db'}" if request.param == "sqlite" else os.environ["TEST_POSTGRES_URL"]
    if request.param != "sqlite":
        _wipe_postgres(url)
    store = FacilityStore(url)
    store.migrate()
    owing = [late(f"3{i:07d}", f"Facility {i}") for i in range(COUNT)]
    done = submitted(late("39999999", "Already Submitted Co"))
    store.save({r.facility.cers_id: r for r in [*owing, done]})
    reminders = RemindersStore(store.engine)
    for i, records in enumerate(owing):
        reminders.subscribe(records.facility.cers_id, number(i), "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(done.facility.cers_id, number(9999), "twilio", "en", DISCLOSURE, at(TODAY, 9))
    store.dispose()
    return url


@pytest.fixture
def office(tmp_path) -> str:
    return office_file_for_tests(tmp_path)


def start(
    database: str, office: str, fakes, interval: str = "0", now: str = NOW, cers_now: str = ""
) -> subprocess.Popen:
    """The job at `now` (its --now), or, given `cers_now`, at CERS_NOW (as a demo or test runs it) with no --now."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CERS_", "REMINDER"))}
    twilio = {k: v for k, v in channel_env(fakes.url, public_base_url="").items() if k.startswith("TWILIO_")}
    env.update(DATABASE_URL=database, OFFICE_FILE=office, REMINDER_SEND_INTERVAL_SECONDS=interval, **twilio)
    if cers_now:
        env["CERS_NOW"] = cers_now
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *([] if cers_now else ["--now", now])],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return err


def texted(fakes) -> Counter:
    wanted = {number(i) for i in range(COUNT)} | {number(9999)}
    return Counter(c["body"]["To"] for c in fakes.calls if c["api"] == "twilio" and c["body"].get("To") in wanted)


@pytest.fixture(autouse=True)
def clean(fakes):
    fakes.calls.clear()


def test_two_jobs_started_at_once_text_each_number_once(database, office, fakes):
    first, second = start(database, office, fakes), start(database, office, fakes)
    finish(first), finish(second)
    counts = texted(fakes)
    assert sorted(counts) == sorted(number(i) for i in range(COUNT))  # the submitted facility's number: nothing
    assert set(counts.values()) == {1}
    store = FacilityStore(database)
    try:
        assert RemindersStore(store.engine).counts().get("sent") == COUNT
    finally:
        store.dispose()
    assert "0 sent" in finish(start(database, office, fakes))  # a third run: nothing left to send


def test_a_job_killed_in_the_middle_and_started_again_texts_nobody_twice(database, office, fakes):
    job = start(database, office, fakes, interval="0.2")
    deadline = time.monotonic() + 60
    while sum(texted(fakes).values()) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait(timeout=30)
    before = sum(texted(fakes).values())
    assert 5 <= before < COUNT
    finish(start(database, office, fakes))
    counts = texted(fakes)
    assert set(counts.values()) == {1}  # nobody twice
    # Every number got its text, but for at most the one whose claim was in flight at the kill (never resent).
    assert COUNT - 1 <= len(counts) <= COUNT


def test_nothing_is_sent_outside_sending_hours(database, office, fakes):
    finish(start(database, office, fakes, now=f"{TODAY}T07:59"))
    assert "outside" in finish(start(database, office, fakes, cers_now=f"{TODAY}T21:00")).lower()
    assert sum(texted(fakes).values()) == 0
    finish(start(database, office, fakes, now=f"{TODAY}T08:00"))  # the same subscriptions, in hours
    assert sum(texted(fakes).values()) == COUNT
