"""The Rasa server's one setup point (channels/extensions.py): what the channels share is made once, handed to each, and started once when the server starts, however many channels attach; the facility database has one engine in the process."""

from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sanic import Blueprint

from cers.staff_channel import StaffChannel
from channels import extensions
from channels.dedup import LocalReplies


class Listeners:
    """A blueprint's listeners, called as Sanic would."""

    def __init__(self, *blueprints: Blueprint) -> None:
        self.blueprints = blueprints

    def run(self, event: str, app) -> None:
        for blueprint in self.blueprints:
            for future in blueprint._future_listeners:
                if future.event == event:
                    asyncio.run(future.listener(app, None))


@pytest.fixture
def made(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(extensions, "_server", None)  # put back after the test
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'facilities.db'}", future=True)
    server = extensions.start(database=engine, staff=StaffChannel("", ""), secret="s" * 40)
    yield server
    gc.unfreeze()
    engine.dispose()


def test_channels_are_handed_the_same_parts(made):
    assert extensions.server() is made
    assert made.relay.store().engine is made.database  # handoffs
    assert made.dashboard is not None
    assert made.dashboard.accounts.engine is made.database  # staff accounts
    assert made.dashboard.queue.store.engine is made.database  # the staff queue
    assert made.dashboard.relay is made.relay


def test_the_server_start_runs_once_for_every_channel(made, monkeypatch):
    started = []
    monkeypatch.setattr(made.dashboard, "start", lambda app, engine: started.append(("dashboard", app, engine)))
    monkeypatch.setattr(made.relay, "start", lambda app: started.append(("relay", app)))
    rest, widget = made.attach(Blueprint("rest_test")), made.attach(Blueprint("widget_test"))
    assert made.attach(rest) is rest  # attaching twice adds nothing
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=None, lock_store=None)))
    gc.unfreeze()
    assert made.replies is None  # nothing is made before the server starts
    Listeners(rest, widget).run("after_server_start", app)
    assert started == [("dashboard", app, None), ("relay", app)]
    assert isinstance(made.replies, LocalReplies)  # no Redis: replies kept in the process
    assert made.agent is app.ctx.agent
    assert gc.get_freeze_count() > 0  # the loaded model is left out of garbage collections


def test_the_dashboard_reads_through_the_tracker_stores_engine(tmp_path):
    tracker = sa.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}")
    wrapped = SimpleNamespace(_tracker_store=SimpleNamespace(engine=tracker))  # as Rasa's fail-safe store holds it
    assert extensions.tracker_store_engine(SimpleNamespace(tracker_store=wrapped)) is tracker
    assert extensions.tracker_store_engine(SimpleNamespace(tracker_store=SimpleNamespace())) is None
    tracker.dispose()


def test_nothing_is_made_on_first_use(monkeypatch):
    monkeypatch.setattr(extensions, "_server", None)
    with pytest.raises(RuntimeError, match="channels.serve"):
        extensions.server()


def test_without_an_engine_handed_in_every_part_uses_database_urls_one_engine(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'facilities.db'}")
    monkeypatch.setattr(extensions, "_server", None)
    server = extensions.start(staff=StaffChannel("", ""), secret="s" * 40)
    try:
        assert server.database is server.facilities.engine and str(tmp_path) in str(server.database.url)
        assert server.relay.store().engine is server.database
        assert (
            server.dashboard.accounts.engine is server.database and server.dashboard.reminders.engine is server.database
        )
    finally:
        gc.unfreeze()
        server.database.dispose()


def test_the_dashboard_page_renders_for_an_office_with_listed_hours(made, tmp_path, monkeypatch):
    """An office with weekly hours gets "N% started outside office hours (Monday to ...)" (a template
    once called a method the hours no longer have: every office with listed hours got a 500)."""
    import datetime as dt

    from cers.dashboard.summary import Figures
    from cers.settings import load_office

    office = tmp_path / "office.yml"
    office.write_text(
        "name: Test County CUPA\nphone: '(555) 010-0111'\n"
        "hours:\n  time_zone: America/Los_Angeles\n  weekly:\n"
        "    monday: '08:00-17:00'\n    tuesday: '08:00-17:00'\n"
    )
    monkeypatch.setenv("OFFICE_FILE", str(office))
    day = dt.date(2026, 12, 7)
    figures = Figures(day, day, conversations=4, outside_hours=1, hours_listed=True)
    page = made.dashboard.render(
        "dashboard.html",
        user=SimpleNamespace(name="maria.lopez"),
        figures=figures,
        start=day,
        end=day,
        hours=load_office().hours,
        unsure=[],
        handoffs=[],
        callbacks=[],
        open_callbacks=[],
        handoff_times=(0, None, None),
        callback_times=(0, None, None),
        reminders=None,
        mask=str,
        progress=SimpleNamespace(caught_up=True),
        queue_recorded=True,
        csrf_token="t",
        retention_days=365,
        last_purge=None,
        range_query="",
        older_query="",
        topics={},
        problem="",
    ).body.decode()
    assert "25% started outside office hours (Monday to Tuesday, 8:00 AM to 5:00 PM)" in page
