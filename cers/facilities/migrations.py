"""Brings a facility database's schema to the latest Alembic migration, once, before the servers start (`make migrate`)."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def _config() -> Config:
    return Config(str(ALEMBIC_INI))


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:
        raise RuntimeError("migrations/versions holds no migration")
    return revision


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Run `upgrade head` on engine's database when it is behind; True if anything ran."""
    if current(engine) == head():
        return False
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True


def main() -> int:
    """`python -m cers.facilities.migrations`: migrate DATABASE_URL (or the default SQLite file) to head."""
    from cers.facilities.store import FacilityStore, StoreUnavailable

    store = FacilityStore(timeout=30.0)
    try:
        ran = store.migrate()
    except StoreUnavailable as error:
        print(f"Could not migrate the facility database: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Facility database schema: {'migrated to' if ran else 'already at'} {head()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
