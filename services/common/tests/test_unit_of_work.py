"""The kit's unit of work on a real Postgres, and the HTTP client refusing to call out of an open transaction."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from flask import Flask
from sqlalchemy import BigInteger, Identity, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from shop_common import localservers
from shop_common.db import end_read, make_db, sqlalchemy_url, unit_of_work
from shop_common.errors import Problem
from shop_common.http import InsideTransaction, ServiceClient
from shop_common.testing import servers

db = make_db()


class Thing(db.Model):
    __tablename__ = "things"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)  # uq_things_name
    code: Mapped[str | None] = mapped_column(String(10), unique=True)  # uq_things_code: named in no conflicts


def _taken() -> Problem:
    return Problem(409, "name_taken", "This name is taken.")


CONFLICTS = {"uq_things_name": _taken}


@pytest.fixture(scope="module")
def bare_app() -> Iterator[Flask]:
    """A bare Flask app on a fresh database of the test Postgres server, with the table above (not named
    `app`: the kit's plugin would empty it as a service's)."""
    admin = servers().postgres.url
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(localservers.with_database(admin, name))
    db.init_app(app)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def ctx(bare_app) -> Iterator[None]:
    with bare_app.app_context():
        db.session.execute(Thing.__table__.delete())
        db.session.commit()
        yield


def _names() -> list[str]:
    """What is stored, as another connection sees it."""
    with db.engine.connect() as conn:
        return list(conn.scalars(select(Thing.name).order_by(Thing.name)))


def test_a_unit_of_work_commits_when_its_block_ends(ctx):
    with unit_of_work(db):
        db.session.add(Thing(name="a"))
    assert not db.session().in_transaction()
    assert _names() == ["a"]


def test_a_unit_of_work_that_raises_rolls_back_and_the_error_goes_on(ctx):
    with pytest.raises(Problem, match="no"), unit_of_work(db):
        db.session.add(Thing(name="a"))
        db.session.flush()
        raise Problem(409, "no", "no")
    assert not db.session().in_transaction()
    assert _names() == []
    with unit_of_work(db):  # the session is usable again
        db.session.add(Thing(name="b"))
    assert _names() == ["b"]


def test_a_named_constraint_becomes_its_problem_at_the_commit_or_in_the_block(ctx):
    with unit_of_work(db):
        db.session.add(Thing(name="a"))
    with pytest.raises(Problem) as at_commit, unit_of_work(db, CONFLICTS):
        db.session.add(Thing(name="a"))
    assert at_commit.value.problem_code == "name_taken"
    with pytest.raises(Problem) as in_block, unit_of_work(db, CONFLICTS):
        db.session.add(Thing(name="a"))
        db.session.flush()
    assert in_block.value.problem_code == "name_taken"
    assert not db.session().in_transaction()
    assert _names() == ["a"]


def test_a_constraint_not_named_stays_an_integrity_error(ctx):
    with unit_of_work(db):
        db.session.add(Thing(name="a", code="x"))
    with pytest.raises(IntegrityError), unit_of_work(db, CONFLICTS):
        db.session.add(Thing(name="b", code="x"))
    assert not db.session().in_transaction()
    assert _names() == ["a"]


def test_what_was_read_before_the_block_is_part_of_its_transaction(ctx):
    assert db.session.scalar(select(func.count()).select_from(Thing)) == 0
    assert db.session().in_transaction()
    with unit_of_work(db):
        db.session.add(Thing(name="a"))
    assert not db.session().in_transaction()
    assert _names() == ["a"]


def test_a_unit_of_work_inside_another_is_refused_and_nothing_is_written(ctx):
    with pytest.raises(RuntimeError, match="inside another"), unit_of_work(db):
        db.session.add(Thing(name="a"))
        with unit_of_work(db):
            db.session.add(Thing(name="b"))
    assert _names() == []
    with unit_of_work(db):  # the refusal left no unit of work behind
        db.session.add(Thing(name="c"))
    assert _names() == ["c"]


def test_end_read_ends_a_read_and_refuses_unwritten_changes(ctx):
    db.session.scalar(select(func.count()).select_from(Thing))
    end_read(db)
    assert not db.session().in_transaction()
    db.session.add(Thing(name="a"))
    with pytest.raises(RuntimeError, match="unwritten"):
        end_read(db)
    db.session.expunge_all()


# -- the HTTP client ---------------------------------------------------------------------------------------

@pytest.fixture
def upstream(bind_port) -> Iterator[tuple[str, list[str]]]:
    """A server answering 200 to anything: its base URL and the paths it was asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = bind_port(lambda port: ThreadingHTTPServer(("127.0.0.1", port), Handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_client_refuses_to_call_another_service_inside_a_unit_of_work(ctx, upstream):
    url, hits = upstream
    client = ServiceClient("stock", url)
    with pytest.raises(InsideTransaction, match="no call to another service"), unit_of_work(db):
        db.session.add(Thing(name="a"))
        client.get("/items")
    assert hits == []
    assert _names() == []  # the unit of work rolled back


def test_the_client_refuses_after_a_read_until_the_read_is_ended(ctx, upstream):
    url, hits = upstream
    client = ServiceClient("stock", url)
    db.session.scalar(select(func.count()).select_from(Thing))
    with pytest.raises(InsideTransaction):
        client.get("/items")
    end_read(db)
    assert client.get("/items").status_code == 200
    assert hits == ["/items"]


def test_the_client_calls_after_a_unit_of_work_and_outside_an_app(bare_app, upstream):
    url, hits = upstream
    client = ServiceClient("stock", url)
    with bare_app.app_context():
        with unit_of_work(db):
            db.session.execute(Thing.__table__.delete())
        assert client.get("/after").status_code == 200
    assert client.get("/outside").status_code == 200
    assert hits == ["/after", "/outside"]
