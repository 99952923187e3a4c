"""A database that cannot answer is 503 `database_unavailable` with `Retry-After`, on a real Postgres: refused,
its connections ended under the app, read-only, the pool exhausted. A wrong statement stays a 500."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text

from shop_common import localservers
from shop_common.db import database_unavailable, init_db, make_db
from shop_common.errors import init_errors
from shop_common.testing import assert_database_unavailable, assert_problem, servers

db = make_db()


def _app(url: str, **settings) -> Flask:
    """A bare app on the kit's errors and database (no service): `/read` selects, `/write` makes a table,
    `/wrong` runs bad SQL."""
    app = Flask(__name__)
    app.config["SHOP"] = {"DATABASE_URL": url, "DB_POOL_SIZE": 2, "DB_STATEMENT_TIMEOUT_MS": 5000, **settings}
    init_errors(app)
    init_db(app, db, Path(__file__).parent)

    @app.get("/read")
    def read():
        return {"one": db.session.scalar(text("SELECT 1"))}

    @app.post("/write")
    def write():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS written (n int)"))
        db.session.commit()
        return {}, 201

    @app.get("/wrong")
    def wrong():
        return {"x": db.session.scalar(text("SELECT no_such_column FROM pg_class"))}

    @app.get("/slow")
    def slow():
        return {"x": db.session.scalar(text("SELECT pg_sleep(2)"))}

    return app


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test Postgres, dropped after."""
    admin = servers().postgres.url
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(sql: str) -> None:
    with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
        conn.execute(sql)


def test_a_database_that_refuses_connections_is_a_503_with_retry_after(closed_port):
    client = _app(f"postgresql://postgres@127.0.0.1:{closed_port}/gone").test_client()
    for method, path in (("GET", "/read"), ("POST", "/write"), ("GET", "/wrong")):
        body = assert_database_unavailable(client.open(path, method=method))
        assert "database" in body["detail"]


def test_connections_ended_by_the_server_are_a_503_then_the_app_recovers(database):
    app = _app(localservers.with_database(servers().postgres.url, database))
    client = app.test_client()
    assert client.get("/read").status_code == 200
    # a statement running when the server ends its connection (as at a shutdown: "terminating connection
    # due to administrator command")
    answers = []
    reader = threading.Thread(target=lambda: answers.append(client.get("/slow")))
    reader.start()
    with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
        query = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                 "AND query LIKE '%%pg_sleep%%' AND pid <> pg_backend_pid()")
        for _ in range(200):
            if conn.execute(query, (database,)).fetchall():
                break
            threading.Event().wait(0.02)
    reader.join(10)
    assert_database_unavailable(answers[0])
    assert client.get("/read").status_code == 200  # the pool let the dead connection go


def test_a_read_only_database_refuses_writes_with_a_503_and_still_reads(database):
    app = _app(localservers.with_database(servers().postgres.url, database))
    _admin(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    client = app.test_client()
    assert_database_unavailable(client.post("/write"))
    assert client.get("/read").status_code == 200


def test_a_statement_over_its_timeout_is_a_503(database):
    app = _app(localservers.with_database(servers().postgres.url, database), DB_STATEMENT_TIMEOUT_MS=200)
    assert_database_unavailable(app.test_client().get("/slow"))


def test_no_free_connection_in_the_pool_is_a_503(database):
    app = _app(localservers.with_database(servers().postgres.url, database), DB_POOL_SIZE=1)
    with app.app_context():
        engine = db.engine
        engine.pool._timeout = 0.2  # a pool of one connection (plus one overflow), both held below
        held = [engine.connect(), engine.connect()]
        try:
            assert_database_unavailable(app.test_client().get("/read"))
        finally:
            for connection in held:
                connection.close()


def test_bad_sql_stays_a_500(database):
    app = _app(localservers.with_database(servers().postgres.url, database))
    body = assert_problem(app.test_client().get("/wrong"), 500, "internal_error")
    assert "Retry-After" not in app.test_client().get("/wrong").headers
    assert "column" not in body["detail"]


def test_only_unavailability_is_recognised():
    assert database_unavailable(psycopg.OperationalError("connection refused"))
    assert not database_unavailable(psycopg.errors.UndefinedColumn("no such column"))
    assert not database_unavailable(psycopg.errors.UniqueViolation("duplicate key"))
    assert not database_unavailable(ValueError("not a database error"))
