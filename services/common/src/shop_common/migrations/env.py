"""Alembic environment shared by every service (online and offline, one database per service)."""

from alembic import context
from flask import current_app

config = context.config
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def run_offline() -> None:
    context.configure(url=db.engine.url.render_as_string(hide_password=False),
                      target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          **current_app.extensions["migrate"].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
