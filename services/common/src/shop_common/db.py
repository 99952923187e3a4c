"""The database: Flask-SQLAlchemy on psycopg 3, and Flask-Migrate whose scripts live in the kit.

A service keeps only its revisions (`migrations/versions/`); `env.py` and the script template are the
kit's, so no service carries a copy of alembic boilerplate.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import psycopg
from flask import Flask, Response
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from shop_common.errors import RETRY_AFTER_SECONDS, Problem, respond, unhandled

KIT_MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)

# Stable constraint names, so migrations can refer to them and autogenerate diffs stay quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: SQLSTATEs (or their two-character classes) of a database that cannot take a statement now, whatever the
#: statement: the connection failed (08), the server is short of connections, memory or disk (53), it is
#: shutting down, starting or in recovery (57P01..57P05), a statement outlived `statement_timeout` (57014:
#: the server too slow, not the statement wrong), the server is read-only (25006: a standby, or a primary
#: fenced during a failover) or failed on its own I/O (58). Bad SQL, a broken constraint or a programming
#: error is none of these: it stays a 500.
UNAVAILABLE_SQLSTATES = frozenset({"08", "53", "58", "57P01", "57P02", "57P03", "57P04", "57P05", "57014", "25006"})


class DatabaseUnavailable(Problem):
    """503 `database_unavailable` with `Retry-After`: this service's database cannot answer now."""

    def __init__(self, detail: str = "The database is unavailable; try again in a few seconds."):
        super().__init__(503, "database_unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def database_unavailable(error: BaseException) -> bool:
    """True when `error` (SQLAlchemy's, or psycopg's own) says the database cannot be used now, not that the
    statement is wrong: the pool found no connection in time, the connection was refused, lost or closed
    under the statement, or the server answered one of `UNAVAILABLE_SQLSTATES`."""
    if isinstance(error, PoolTimeout | DisconnectionError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if not isinstance(error, psycopg.Error):
        return False
    state = error.sqlstate
    if state is None:  # no server answer to quote: the connection itself failed (refused, reset, timed out)
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
    return state in UNAVAILABLE_SQLSTATES or state[:2] in UNAVAILABLE_SQLSTATES


def _database_error(error: Exception) -> Response:
    if database_unavailable(error):
        log.warning("database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        return respond(DatabaseUnavailable())
    return unhandled(error)


@contextmanager
def conflicts_as_problems(db: SQLAlchemy, conflicts: Mapping[str, Callable[[], Exception]]) -> Iterator[None]:
    """Inside the block, an integrity error on a constraint named in `conflicts` (a unique index that lost a
    race, a row something still refers to) rolls back and raises that constraint's problem."""
    try:
        yield
    except IntegrityError as exc:
        db.session.rollback()
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if name in conflicts:
            raise conflicts[name]() from None
        raise


_IN_UNIT = "shop_unit_of_work"


@contextmanager
def unit_of_work(db: SQLAlchemy, conflicts: Mapping[str, Callable[[], Exception]] | None = None) -> Iterator[Session]:
    """The one way a service writes: `with unit_of_work(db): ...` is one transaction of `db`'s session,
    committed when the block ends normally, rolled back when it raises (the exception goes on). An
    integrity error on a constraint named in `conflicts`, in the block or at the commit, becomes that
    constraint's problem (`conflicts_as_problems`).

    The transaction is the session's current one: what was read just before the block (SQLAlchemy begins a
    transaction at the first query) is part of it, and the block's end ends it either way. A unit of work
    inside another raises RuntimeError: the inner one's end would not be a commit, and code after it could
    not tell. Split the work instead, or pass the session down.

    No call to another service may be made inside it: the kit's HTTP client refuses while the session holds
    a transaction (`shop_common.http`), so call before the block or after it.
    """
    session = db.session()
    if session.info.get(_IN_UNIT):
        raise RuntimeError("a unit of work inside another: its end would not be a commit")
    session.info[_IN_UNIT] = True
    try:
        with conflicts_as_problems(db, conflicts or {}):
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.info.pop(_IN_UNIT, None)


def end_read(db: SQLAlchemy) -> None:
    """End the transaction that reads began on `db`'s session (SQLAlchemy begins one at the first query),
    so that another service may be called or a wait begin without a transaction held open.

    A rollback, so nothing may be waiting to be written: changed ORM objects raise RuntimeError (a write
    belongs in `unit_of_work`). What was loaded is expired, as after any transaction.
    """
    session = db.session()
    if session.info.get(_IN_UNIT):
        raise RuntimeError("end_read inside a unit of work: the unit of work ends its transaction")
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read with unwritten changes: write in a unit of work")
    session.rollback()


def make_db() -> SQLAlchemy:
    """A service's own `db` object (each service has its own metadata and database)."""
    return SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def sqlalchemy_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


#: a pooled connection back in the pool for longer than this is pinged before it is used again
PING_IDLE_SECONDS = 1.0


def ping_idle_connections(engine: Engine, idle: float = PING_IDLE_SECONDS) -> None:
    """Check a pooled connection before use when it has rested `idle` seconds or more (a Postgres restart or
    a firewall's timeout may have killed it meanwhile); a dead one is replaced, and the pool with it.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip more for each transaction, three on
    each cart add. A connection back from the request before this one is alive; should the server have gone
    within that second, the statement fails, SQLAlchemy sees the disconnect and renews the pool.
    """

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection, record) -> None:
        record.info["shop_rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        record.info["shop_rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, proxy) -> None:
        since = record.info.get("shop_rested_since")
        if since is not None and time.monotonic() - since < idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError() from exc  # the pool replaces it and tries again
            raise


def engine_options(settings: Any, application_name: str) -> dict[str, Any]:
    """Pool and connection options: bounded pool, dead connections noticed (`ping_idle_connections`), no
    statement runs forever."""
    return {
        "pool_size": settings["DB_POOL_SIZE"],
        "max_overflow": settings["DB_POOL_SIZE"],
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": 3,
            "options": f"-c statement_timeout={settings['DB_STATEMENT_TIMEOUT_MS']}",
            "application_name": application_name,
        },
    }


def init_db(app: Flask, db: SQLAlchemy, versions: Path) -> Migrate:
    """Bind `db` to the service's database and its migrations (`versions` holds its revisions)."""
    settings = app.config["SHOP"]
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(settings["DATABASE_URL"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings, app.name)
    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine)
    for kind in (DBAPIError, PoolTimeout, DisconnectionError, psycopg.Error):
        app.register_error_handler(kind, _database_error)
    migrate = Migrate(app, db, directory=str(KIT_MIGRATIONS), compare_type=True, render_as_batch=False)

    @migrate.configure
    def _versions(config):
        config.set_main_option("version_locations", str(versions))
        return config

    @app.cli.command("migrate")
    @click.option("--wait", "wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
                  help="Seconds to wait for the database to answer before migrating.")
    def migrate_command(wait: float) -> None:
        """Bring the schema up to date (`db upgrade`), once the database answers.

        Waiting covers a database that starts beside the migration (a first install); a migration that fails
        once connected fails at once, with a non-zero exit, so a Job or an init container stops the rollout.
        """
        import flask_migrate

        wait_for_database(db, wait)
        flask_migrate.upgrade()

    return migrate


def wait_for_database(db: SQLAlchemy, timeout: float, interval: float = 2.0) -> None:
    """Return once `SELECT 1` succeeds on `db`; after `timeout` seconds of failures raise ClickException."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return
        except OperationalError as exc:
            if time.monotonic() + interval > deadline:
                raise click.ClickException(f"the database does not answer: {exc.orig or exc}") from None
            print(f"waiting for the database: {str(exc.orig or exc).strip()}", file=sys.stderr, flush=True)
            time.sleep(interval)
