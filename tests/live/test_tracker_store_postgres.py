"""Conversations kept in PostgreSQL: the tracker store URL switches databases, and a restart loses nothing."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import MODEL, TODAY
from tests.servers import ROOT, Chat, base_env, rasa_server, write_endpoints

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set (make test sets it)")


@pytest.fixture(scope="module")
def tracker_database():
    """A database of its own, so the store tests' clean-ups never touch conversations."""
    name = f"cers_conversations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_conversation_in_postgres_survives_a_restart(live, tracker_database, tmp_path):
    endpoints = write_endpoints(tmp_path / "endpoints.yml", live["actions"].url, tracker_database)
    server = rasa_server(base_env(CERS_TODAY=TODAY), MODEL, ROOT / "credentials.yml", endpoints).start()
    try:
        chat = Chat(server.url, sender=f"pg-{uuid.uuid4().hex[:8]}")
        assert "'Add a Person'" in chat.say("how do I add a user?")
        server.restart()
        assert "'Add a Person'" in chat.say("how do I add a user?")
        engine = sa.create_engine(tracker_database, future=True)
        with engine.connect() as connection:
            user_messages = connection.execute(
                sa.text("select count(*) from events where sender_id = :s and type_name = 'user'"), {"s": chat.sender}
            ).scalar_one()
        engine.dispose()
        assert user_messages == 2
    finally:
        server.stop()
