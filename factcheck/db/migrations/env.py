"""Alembic environment for factcheck (SQLite and PostgreSQL).

At runtime :func:`factcheck.migrate.upgrade` builds the Alembic config in code and hands over an
open connection (``config.attributes["connection"]``), so no ``alembic.ini`` is needed. For
writing a new revision by hand, point Alembic at a database::

    alembic -x db=sqlite:///factcheck.db -c /dev/null \\
        --name factcheck revision -m "add column x"   # or use factcheck.migrate.alembic_config()
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from factcheck.db.store import metadata

config = context.config


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    url = config.get_main_option("sqlalchemy.url") or context.get_x_argument(as_dictionary=True)["db"]
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection handed over by factcheck, else one opened from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or context.get_x_argument(as_dictionary=True)["db"]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
