"""The tracker store with several replicas on one database: a save on top of rows another replica wrote is refused, and a database error reaches the channel instead of Rasa's silent in-memory fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.tracker_store import CachedSQLTrackerStore, TrackerConflict

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def run(coroutine):
    return asyncio.run(coroutine)


def said(tracker: DialogueStateTracker, text: str) -> DialogueStateTracker:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}), DOMAIN)
    tracker.update(ActionExecuted("action_listen"), DOMAIN)
    return tracker


def test_a_save_over_another_replicas_rows_is_refused_and_the_next_read_sees_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    one, two = (CachedSQLTrackerStore(domain=DOMAIN, host=url) for _ in range(2))
    run(one.save(said(DialogueStateTracker("shared", DOMAIN.slots), "hello")))
    on_one, on_two = run(one.retrieve("shared")), run(two.retrieve("shared"))
    run(two.save(said(on_two, "from the second replica")))
    with pytest.raises(TrackerConflict):
        run(one.save(said(on_one, "from the first replica, on a stale tracker")))
    texts = [event.text for event in run(one.retrieve("shared")).events if isinstance(event, UserUttered)]
    assert texts == ["hello", "from the second replica"]


def test_a_database_error_reaches_the_caller_instead_of_an_empty_tracker(tmp_path):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'conversations.db'}")
    run(store.save(said(DialogueStateTracker("known", DOMAIN.slots), "hello")))
    wrapped = Agent._create_tracker_store(store, DOMAIN)  # what Rasa's Agent uses: a FailSafeTrackerStore

    def database_down(*_):
        raise sa.exc.OperationalError("select", {}, Exception("connection refused"))

    store._retrieve_sync = database_down
    store._save_sync = database_down
    with pytest.raises(sa.exc.OperationalError):
        run(wrapped.retrieve("known"))  # Rasa's wrapper alone would answer None: a new conversation
    with pytest.raises(sa.exc.OperationalError):
        run(wrapped.save(DialogueStateTracker("known", DOMAIN.slots)))  # ... and keep the turn in memory
