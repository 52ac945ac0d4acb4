"""Backups as docs/deploy.md tells a county to make them (scripts/backup.sh): migrated and loaded databases backed up, wiped, restored, and the facility records, the conversations and the schema are back."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not BASE, reason="needs PostgreSQL (TEST_POSTGRES_URL: make test starts one)")
NAMES = ("cers_backup_facilities", "cers_backup_conversations")


def admin(statement: str) -> None:
    engine = sa.create_engine(BASE, isolation_level="AUTOCOMMIT", future=True)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def url(name: str) -> str:
    return sa.engine.make_url(BASE).set(database=name).render_as_string(hide_password=False)


def fresh_databases() -> None:
    for name in NAMES:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin(f"CREATE DATABASE {name}")


def read(name: str, query: str) -> list:
    engine = sa.create_engine(url(name), future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def run(*args: str, env: dict) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def env():
    fresh_databases()
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(DATABASE_URL=url(NAMES[0]), TRACKER_STORE_URL=url(NAMES[1]), PYTHONWARNINGS="ignore")
    yield environment
    for name in NAMES:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_back_up_wipe_restore(env, tmp_path):
    python = str(ROOT / ".venv" / "bin" / "python")
    # A deployment's databases: migrated as the migration job does, the demo export loaded, conversations.
    run(str(ROOT / "scripts" / "server.sh"), "migrate", env=env)
    run(python, "-m", "cers.facilities.importer", "demo/facilities", env=env)
    engine = sa.create_engine(env["TRACKER_STORE_URL"], future=True)
    with engine.begin() as connection:
        for number in range(30):
            event = {"event": "user", "text": f"message {number}", "timestamp": 1_700_000_000 + number}
            connection.execute(
                sa.text(
                    "insert into events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "values (:sender, 'user', :timestamp, 'greet', null, :data)"
                ),
                {"sender": f"person-{number % 3}", "timestamp": event["timestamp"], "data": json.dumps(event)},
            )
    engine.dispose()
    facilities_query = "select * from facilities order by 1"
    events_query = "select id, sender_id, type_name, data from events order by id"
    before = (read(NAMES[0], facilities_query), read(NAMES[1], events_query))
    assert len(before[0]) >= 30 and len(before[1]) == 30

    folder = run(str(ROOT / "scripts" / "backup.sh"), "backup", str(tmp_path), env=env).strip()
    assert sorted(p.name for p in Path(folder).iterdir()) == ["conversations.dump", "facilities.dump"]

    fresh_databases()  # the wipe: both databases empty
    assert read(NAMES[0], "select count(*) from pg_tables where schemaname = 'public'") == [(0,)]
    assert read(NAMES[1], "select count(*) from pg_tables where schemaname = 'public'") == [(0,)]

    run(str(ROOT / "scripts" / "backup.sh"), "restore", folder, env=env)
    assert (read(NAMES[0], facilities_query), read(NAMES[1], events_query)) == before
    # The schema is the release's (the servers' wait-for-schema passes), and the events' ids go on.
    run(str(ROOT / "scripts" / "server.sh"), "wait-for-schema", "5", env=env)
    engine = sa.create_engine(env["TRACKER_STORE_URL"], future=True)
    with engine.begin() as connection:
        new_id = connection.execute(
            sa.text(
                "insert into events (sender_id, type_name, timestamp, data) values ('p', 'user', 1, '{}') returning id"
            )
        ).scalar_one()
    engine.dispose()
    assert new_id > max(row[0] for row in before[1])
