"""Alembic environment for the ZenML 0.20.5 tables that zenml-migrate writes.

The target URL comes from `-x url=...` (or the environment variable
ZENML_MIGRATE_STORE_URL); the table definitions come from
`migrator.stores.sql_schema`, the same ones the tool writes with.
"""

import os

from alembic import context
from sqlalchemy import create_engine

from migrator.stores.sql_schema import metadata
from migrator.stores.target import normalize_store_url

target_metadata = metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("ZENML_MIGRATE_STORE_URL")
    if not url:
        raise SystemExit("Give the store URL with -x url=sqlite:////path/zenml.db or ZENML_MIGRATE_STORE_URL.")
    return normalize_store_url(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
