"""Alembic environment: migrates the connection the store hands over, or DATABASE_URL from the command line."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

import cers.reminders.store  # noqa: F401,E402 (so are the reminders')
import cers.verification  # noqa: F401,E402 (its tables are on the same metadata)
from cers.facilities.store import Base, database_url

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    # Called from cers.facilities.migrations: leave the application's logging alone.
    run_migrations(connection)
elif context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    engine = create_engine(database_url(), future=True)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()
