"""channels.tracker_store.CachedSQLTrackerStore keeps Rasa's events table and returns what Rasa's
SQLTrackerStore would: same rows, same trackers, across restarts, other writers and new sessions.

Runs on a SQLite file, and on PostgreSQL too when TEST_POSTGRES_URL is set (make test sets it).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from channels.tracker_store import CachedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conversations.db'}"
        return
    name = f"cers_ts_{uuid.uuid4().hex[:8]}"  # a database of its own
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def cached(url: str) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, host=url)


def plain(url: str) -> SQLTrackerStore:
    return SQLTrackerStore(domain=DOMAIN, host=url)


def user(text: str, intent: str, timestamp: float) -> UserUttered:
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.9},
        parse_data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [], "intent_ranking": []},
        timestamp=timestamp,
    )


def session_start(timestamp: float) -> list:
    # As Rasa logs it: action_session_start is logged after the events it returned were made,
    # so it comes first with a later timestamp than session_started.
    return [
        ActionExecuted("action_session_start", timestamp=timestamp + 0.5),
        SessionStarted(timestamp=timestamp),
        SlotSet("office_name", "Example County Environmental Health", timestamp=timestamp + 0.1),
        ActionExecuted("action_listen", timestamp=timestamp + 0.6),
    ]


def turn(text: str, intent: str, answer: str, timestamp: float) -> list:
    return [
        user(text, intent, timestamp),
        ActionExecuted(answer, timestamp=timestamp + 0.1),
        BotUttered("an answer", {"elements": None}, {"utter_action": answer}, timestamp=timestamp + 0.1),
        ActionExecuted("action_listen", timestamp=timestamp + 0.2),
    ]


# A conversation in three saves, the last one starting a new session.
SAVES = [
    session_start(1000.0) + turn("hi", "greet", "utter_greet", 1001.0),
    turn("how do I add a user", "how_to_add_user", "utter_how_to_add_user", 1002.0),
    session_start(5000.0) + turn("thanks", "thank", "utter_you_are_welcome", 5001.0),
]


def converse(store: TrackerStore, sender: str, saves=SAVES) -> list:
    """Saves the conversation as Rasa's processor does; returns what retrieve() gave before each save."""
    seen = []

    async def go():
        for events in saves:
            tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
            seen.append(dumped(tracker))
            for event in events:
                tracker.update(event, DOMAIN)
            await store.save(tracker)
        seen.append(dumped(await store.retrieve(sender)))

    run(go())
    return seen


def dumped(tracker):
    if tracker is None:
        return None
    return {
        "events": [event.as_dict() for event in tracker.events],
        "slots": tracker.current_slot_values(),
        "latest": tracker.latest_action_name,
    }


def rows(url: str, sender: str) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        result = connection.execute(
            sa.text(
                "select type_name, timestamp, intent_name, action_name, data from events "
                "where sender_id = :s order by id"
            ),
            {"s": sender},
        ).all()
    engine.dispose()
    return [tuple(row) for row in result]


def test_same_rows_and_same_trackers_as_rasas_sql_tracker_store(url, tmp_path):
    ours = converse(cached(url), "ours")
    theirs = converse(plain(url), "theirs")
    assert ours == theirs
    assert rows(url, "ours") == rows(url, "theirs")
    assert len(rows(url, "ours")) == sum(len(events) for events in SAVES)
    # The last retrieve holds only the latest session (action_session_start and after).
    assert ours[-1]["events"][0]["name"] == "action_session_start"
    assert ours[-1]["events"][0]["timestamp"] == 5000.5
    assert len(ours[-1]["events"]) == len(SAVES[2])


def test_a_new_store_on_the_same_database_continues_the_conversation(url):
    converse(cached(url), "restart", SAVES[:2])
    restarted = cached(url)
    assert dumped(run(restarted.retrieve("restart"))) == dumped(run(plain(url).retrieve("restart")))
    converse(restarted, "restart", SAVES[2:])
    converse(plain(url), "reference")
    assert rows(url, "restart") == rows(url, "reference")


def test_rows_written_by_someone_else_are_read(url):
    store = cached(url)
    converse(store, "shared", SAVES[:1])
    other = plain(url)  # e.g. a second server on the same database
    tracker = run(other.retrieve("shared"))
    for event in SAVES[1]:
        tracker.update(event, DOMAIN)
    run(other.save(tracker))
    assert dumped(run(store.retrieve("shared"))) == dumped(run(other.retrieve("shared")))
    # ... and the next save appends after them, not over them.
    converse(store, "shared", SAVES[2:])
    converse(plain(url), "reference")
    assert rows(url, "shared") == rows(url, "reference")


def test_a_deleted_conversation_is_gone(url):
    store = cached(url)
    converse(store, "deleted", SAVES[:2])
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("delete from events where sender_id = 'deleted'"))
    engine.dispose()
    assert run(store.retrieve("deleted")) is None


def test_full_tracker_and_keys_as_rasa(url):
    store = cached(url)
    converse(store, "full")
    assert dumped(run(store.retrieve_full_tracker("full"))) == dumped(run(plain(url).retrieve_full_tracker("full")))
    assert len(run(store.retrieve_full_tracker("full")).events) == sum(len(events) for events in SAVES)
    assert set(run(store.keys())) == {"full"}


def test_a_small_cache_forgets_but_stays_correct(url):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=url, cache_size=1)
    for sender in ("a", "b"):
        converse(store, sender, SAVES[:2])
    converse(store, "a", SAVES[2:])
    converse(plain(url), "reference")
    assert list(store._sessions) == ["a"]
    assert rows(url, "a") == rows(url, "reference")


def test_database_work_happens_outside_the_event_loop_thread(url):
    store = cached(url)
    threads = set()
    scope = store.session_scope

    def recording_scope():
        threads.add(threading.current_thread().name)
        return scope()

    store.session_scope = recording_scope
    converse(store, "threads", SAVES[:1])
    assert threads and not threads & {threading.current_thread().name}


def test_configured_by_module_path_in_endpoints(tmp_path):
    database = tmp_path / "conversations.db"
    store = TrackerStore.create(
        EndpointConfig(url=f"sqlite:///{database}", type="channels.tracker_store.CachedSQLTrackerStore"), domain=DOMAIN
    )
    converse(store, "configured", SAVES[:1])
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        count = connection.execute(
            "select count(*) from events where sender_id = 'configured' and type_name = 'user'"
        ).fetchone()[0]
    assert count == 1


def test_endpoints_yml_uses_it():
    import yaml

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "channels.tracker_store.CachedSQLTrackerStore"


def test_a_row_rasa_cannot_parse_is_skipped_and_counted_as_rasa_does(url):
    for sender in ("ours", "theirs"):
        converse(plain(url), sender, SAVES[:1])
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into events (sender_id, type_name, timestamp, data) "
                    "values (:s, 'no_event', 1001.5, '{\"timestamp\": 1001.5}')"
                ),
                {"s": sender},
            )
        engine.dispose()
    ours = converse(cached(url), "ours", SAVES[1:])
    theirs = converse(plain(url), "theirs", SAVES[1:])
    assert ours == theirs
    assert rows(url, "ours") == rows(url, "theirs")
