"""Shared fixtures: one action server and one Rasa server for all conversation tests."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import ROOT, Chat, action_server, base_env, rasa_server

MODEL = ROOT / "models" / "cers.tar.gz"
# A fixed "today" so answers with dates are checkable: 98 days before March 1, 2027.
TODAY = "2026-11-23"


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The bot's two servers, started once for the whole test session."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    work = tmp_path_factory.mktemp("live")
    actions = action_server(base_env(CERS_TODAY=TODAY)).start()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: {actions.url}/webhook\n"
        f"tracker_store:\n  type: SQL\n  url: sqlite:///{work}/conversations.db\n"
    )
    rasa = rasa_server(base_env(CERS_TODAY=TODAY), MODEL, ROOT / "credentials.yml", endpoints)
    rasa.start()
    yield {"rasa": rasa, "actions": actions, "work": work}
    rasa.stop()
    actions.stop()


@pytest.fixture
def chat(live):
    """A new conversation with the live bot."""
    return Chat(live["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")
