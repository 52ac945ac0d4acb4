"""Store fixtures: every store test runs on SQLite, and on PostgreSQL too when TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cers.facilities.store import FacilityStore

DEMO = Path(__file__).resolve().parents[2] / "demo" / "facilities"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])


def _wipe_postgres(url: str) -> None:
    """A clean database for each test."""
    store = FacilityStore(url)
    store.drop_schema()
    store.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'facilities.db'}"
    url = os.environ["TEST_POSTGRES_URL"]
    _wipe_postgres(url)
    return url


@pytest.fixture
def store(database_url):
    store = FacilityStore(database_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def demo_store(store):
    from cers.facilities.importer import import_folder

    import_folder(DEMO, store)
    return store
