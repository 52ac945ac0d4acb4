"""Shared fixtures: one action server and one Rasa server for all conversation tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.fake_apis import FakeApis, channel_env
from tests.servers import ROOT, Chat, action_server, base_env, rasa_server, write_endpoints

MODEL = ROOT / "models" / "cers.tar.gz"
# A fixed "today" so answers with dates are checkable: 98 days before March 1, 2027.
TODAY = "2026-11-23"


def office_due(today: str = TODAY) -> dict:
    """The office in use's due date as the bot writes it on `today`: every year ("March 1"), the
    next one ("March 1, 2027") and with the days left ("March 1, 2027: in 98 days")."""
    import datetime as dt

    from cers.dates import days_left, format_date, format_month_day, next_annual_due, plural_days
    from cers.settings import load_office

    office = load_office()
    day = dt.date.fromisoformat(today)
    due = next_annual_due(day, office.annual_due_month, office.annual_due_day)
    return {
        "every_year": format_month_day(office.annual_due_month, office.annual_due_day),
        "next": format_date(due),
        "next_in": f"{format_date(due)}: in {plural_days(days_left(day, due))}",
    }


# The staff webhook's bearer token on the test servers (channels/staff.py).
STAFF_TOKEN = "staff-token-for-tests"
DEMO_FACILITIES = ROOT / "demo" / "facilities"


def demo_database(folder: Path) -> str:
    """A SQLite facility database in folder with the demo facilities imported; its URL."""
    from cers.facilities.importer import import_folder
    from cers.facilities.store import FacilityStore

    url = f"sqlite:///{folder / 'facilities.db'}"
    store = FacilityStore(url, timeout=30.0)
    store.migrate()
    try:
        import_folder(DEMO_FACILITIES, store)
    finally:
        store.dispose()
    return url


@pytest.fixture
def server_extensions(tmp_path, monkeypatch):
    """The Rasa server's extensions (channels/extensions.py) as the launcher makes them, for a
    test that builds channels without a server: a facility database of its own, no dashboard."""
    import sqlalchemy as sa

    from channels import extensions

    monkeypatch.setattr(extensions, "_server", None)  # put back after the test
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'extensions.db'}", future=True)
    yield extensions.start(database=engine, secret="")
    engine.dispose()


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The bot's two servers, started once for the whole test session."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    work = tmp_path_factory.mktemp("live")
    # The facility status actions read the demo facilities from their own database.
    database_url = demo_database(work)
    # Twilio's and Slack's APIs are replaced by a local fake that records what would be sent;
    # the SMS and Slack channels are on, with test secrets (tests/fake_apis.py). The action
    # server texts reminders' confirmation codes through the same fake Twilio.
    fakes = FakeApis().start()
    twilio = {k: v for k, v in channel_env(fakes.url, public_base_url="").items() if k.startswith("TWILIO_")}
    actions = action_server(base_env(CERS_TODAY=TODAY, DATABASE_URL=database_url, **twilio)).start()
    endpoints = write_endpoints(work / "endpoints.yml", actions.url, f"sqlite:///{work}/conversations.db")
    # --cors "*" as scripts/run.sh does (the widget's demo page is on another origin). Both servers
    # use the same facility database, as in production (reminders, handoffs).
    rasa = rasa_server(
        base_env(CERS_TODAY=TODAY, STAFF_API_TOKEN=STAFF_TOKEN, DATABASE_URL=database_url),
        MODEL,
        ROOT / "credentials.yml",
        endpoints,
        extra_args=["--cors", "*"],
    )
    rasa.env.update(channel_env(fakes.url, public_base_url=rasa.url))
    rasa.start()
    yield {
        "rasa": rasa,
        "actions": actions,
        "work": work,
        "fakes": fakes,
        "database_url": database_url,
        "staff_token": STAFF_TOKEN,
    }
    rasa.stop()
    actions.stop()
    fakes.stop()


@pytest.fixture
def chat(live):
    """A new conversation with the live bot."""
    return Chat(live["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def rasa_patched():
    """Rasa as the server runs it (channels.rasa_patches applied), put back after the test."""
    from channels import rasa_patches

    already = rasa_patches.applied()  # e.g. by the test itself: then it is not ours to undo
    rasa_patches.apply()
    try:
        yield rasa_patches
    finally:
        if not already:
            rasa_patches.undo()
