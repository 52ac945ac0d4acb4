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


def wait_for_head(seconds: float) -> int:
    """`--wait SECONDS`: 0 once DATABASE_URL is at this code's head (its migration job ran), 1 after SECONDS.

    A release's containers wait here before starting (scripts/server.sh wait-for-schema)."""
    import time

    from sqlalchemy import create_engine

    from cers.settings import database_url

    wanted, deadline, found = head(), time.monotonic() + seconds, "unknown"
    engine = create_engine(database_url(), future=True, pool_pre_ping=True)
    try:
        while True:
            try:
                found = current(engine) or "none"
            except Exception as error:  # the database may not be up yet
                found = f"unreachable ({type(error).__name__})"
            if found == wanted:
                print(f"Facility database schema: at {wanted}.")
                return 0
            if time.monotonic() >= deadline:
                print(
                    f"Facility database schema: {found}, not {wanted}, after {seconds:.0f} s: run the migrations",
                    file=sys.stderr,
                )
                return 1
            time.sleep(2)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """`python -m cers.facilities.migrations`: migrate DATABASE_URL (or the default SQLite file) to head."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cers.facilities.migrations", description=__doc__)
    parser.add_argument(
        "--wait", type=float, metavar="SECONDS", help="migrate nothing: wait until the schema is at head"
    )
    args = parser.parse_args(argv)
    if args.wait is not None:
        return wait_for_head(args.wait)
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
