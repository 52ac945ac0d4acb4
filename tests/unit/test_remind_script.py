"""scripts/remind.py (`make remind`) as a user runs it: --dry-run against a database prints the texts that would go out and exits 0; without Twilio's credentials it exits non-zero naming the variable missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cers.facilities.store import FacilityStore
from cers.reminders.store import RemindersStore
from tests.unit.test_reminders_job import DAIRY, DISCLOSURE, FEED, NUMBER, OTHER, TODAY, at, office_file_for_tests

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "remind.py"


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'facilities.db'}"
    store = FacilityStore(url)
    store.migrate()
    store.save({r.facility.cers_id: r for r in (FEED, DAIRY)})
    reminders = RemindersStore(store.engine)
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, OTHER, "twilio", "es", DISCLOSURE, at(TODAY, 9))
    store.dispose()
    return url


@pytest.fixture
def office(tmp_path) -> str:
    return office_file_for_tests(tmp_path)


def remind(database: str, office: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CERS_", "REMINDER"))}
    environment.update(DATABASE_URL=database, OFFICE_FILE=office, **env)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=environment, capture_output=True, text=True, timeout=60
    )


def test_dry_run_prints_what_would_be_sent_and_records_nothing(database, office):
    done = remind(database, office, "--dry-run", "--now", f"{TODAY}T10:30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2, f"stdout: {done.stdout!r}; stderr: {done.stderr!r}"
    assert any("Feather River Feed" in line for line in lines) and any("Sutter Dairy" in line for line in lines)
    assert NUMBER not in done.stdout and NUMBER[-4:] in done.stdout  # masked
    assert "2 would be sent" in done.stderr
    store = FacilityStore(database)
    try:
        assert RemindersStore(store.engine).sends() == []
    finally:
        store.dispose()


def test_without_twilio_credentials_it_exits_non_zero_naming_the_variable(database, office):
    done = remind(database, office, "--now", f"{TODAY}T10:30", TWILIO_ACCOUNT_SID="AC123", TWILIO_NUMBER="+15305550100")
    assert done.returncode != 0 and done.stdout == ""
    assert "TWILIO_AUTH_TOKEN" in done.stderr and "TWILIO_ACCOUNT_SID" not in done.stderr


def test_a_bad_now_is_refused_with_the_option_named(database, office):
    done = remind(database, office, "--dry-run", "--now", "next tuesday")
    assert done.returncode != 0 and "--now='next tuesday'" in done.stderr
