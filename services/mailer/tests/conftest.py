"""The mailer's tests run everything for real: RQ workers as subprocesses (`shop-mailer worker`) on this run's
Redis database, the SMTP sink (`mailer.sink`) on a port of 25000-25999, and the users and orders services over
HTTP (the mailer asks users for addresses, and both whether they still owe a message and what became of it).

Every test that uses Redis starts from an empty database; every worker a test starts is stopped at its end
(SIGTERM, so it leaves no lock behind; SIGKILL after 10 s), every sink too.
"""

from __future__ import annotations

import os
import socket
import subprocess

import pytest
from redis import Redis

from mailer.sink import MailSink
from mailer.testing import SHOP_MAILER, SMTP_PORTS, Worker, start_sink
from shop_common import mailqueue
from shop_common.testing import CLAIM_KEY, SERVICE_TOKEN, ServiceServer, empty, wait_until


@pytest.fixture
def free_port() -> int:
    """A port of SMTP_PORTS that nothing listens on (for "SMTP is down", then for a sink started later)."""
    for port in SMTP_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {SMTP_PORTS}")


@pytest.fixture(scope="session")
def users_app(shop_app, jwt_keys):
    import users

    return shop_app(users.create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem)


@pytest.fixture(scope="session")
def users_server(users_app):
    server = ServiceServer(users_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def orders_app(shop_app):
    import orders

    # the mailer only reads and reports its outbox: nothing here calls products or cart
    return shop_app(orders.create_app, PRODUCTS_URL="http://127.0.0.1:9", CART_URL="http://127.0.0.1:9",
                   PAYMENTS_URL="http://127.0.0.1:9")


@pytest.fixture(scope="session")
def orders_server(orders_app):
    server = ServiceServer(orders_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def owners(users_app, orders_app) -> dict:
    """The apps that owe email, by the first part of a message id."""
    return {"users": users_app, "orders": orders_app}


def owe(app, message: dict) -> None:
    """Record `message` in `app`'s outbox as owed and handed to the queue, as the relay leaves it."""
    from sqlalchemy import func
    from sqlalchemy.dialects.postgresql import insert

    db = app.extensions["sqlalchemy"]
    with app.app_context():
        db.session.execute(insert(db.shop_outbox).values(key=message["id"].partition(":")[2], message=message,
                                                         relayed_at=func.now()).on_conflict_do_nothing())
        db.session.commit()
        db.session.remove()


def outcome(app, key: str) -> str | None:
    """What `app`'s outbox says became of message `key` (None: owed)."""
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = db.session.query(db.shop_outbox).filter_by(key=key).one()
        db.session.remove()
        return row.outcome


@pytest.fixture
def register(users_app):
    """`register(username, **fields)`: an account made through the users API (201); its public fields."""
    empty(users_app)

    def make(username: str, **fields):
        body = {"username": username, "email": f"{username}@example.com", "password": "correct horse battery",
                **fields}
        response = users_app.test_client().post("/api/auth/register/", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def redis(redis_url) -> Redis:
    """This run's Redis database, emptied (RQ's client: bytes)."""
    client = Redis.from_url(redis_url)
    client.flushdb()
    client.set(CLAIM_KEY, os.getpid(), ex=6 * 3600)  # keep the database this run's (shop_common.testing)
    yield client
    client.close()


@pytest.fixture
def queue(redis, owners):
    """`queue.put(message, retry_seconds=(1, 1))` owes the message in its service's outbox and enqueues it as
    the outbox relay does; returns the job id. `queue.owe(message)` only owes it; `queue.outcome(mail_id)` is
    what the owing outbox says became of it. The outboxes start empty."""
    for app in owners.values():
        empty(app)

    class Queue:
        def owe(self, message) -> None:
            owe(owners[message["id"].partition(":")[0]], message)

        def put(self, message, retry_seconds=(1, 1)) -> str:
            self.owe(message)
            mailqueue.enqueue(redis, message, retry_seconds)
            return mailqueue.job_id(message["id"])

        def outcome(self, mail_id: str) -> str | None:
            service, _, key = mail_id.partition(":")
            return outcome(owners[service], key)

    return Queue()


@pytest.fixture
def sinks(tmp_path):
    """`sinks.start(port=None, **options)`: a MailSink (see mailer.sink) on a free port, or on `port`."""
    started: list[MailSink] = []

    class Sinks:
        def start(self, port=None, **options) -> MailSink:
            sink = start_sink(tmp_path, port, **options)
            started.append(sink)
            return sink

    yield Sinks()
    for sink in started:
        sink.stop()


@pytest.fixture
def sink(sinks):
    return sinks.start()


@pytest.fixture
def mailer(redis_url, users_server, orders_server, sink, tmp_path):
    """`mailer.start(*args, **settings)` (a worker, stopped after the test), `mailer.burst(**settings)` (a
    worker that sends what is queued, then exits) and `mailer.cli(*args, **settings)`. Settings are keyword
    arguments without `SHOP_`; by default the sink above takes the mail. `env` adds other variables."""
    workers: list[Worker] = []

    class Mailer:
        def env(self, env=None, **settings) -> dict[str, str]:
            values = {"ENV": "test", "REDIS_URL": redis_url, "USERS_URL": users_server.url,
                      "ORDERS_URL": orders_server.url,
                      "SERVICE_TOKEN": SERVICE_TOKEN, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port,
                      "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 2, "SHOP_URL": "https://shop.example",
                      "MAIL_FROM": "Example Shop <orders@shop.example>", "WORKER_MAINTENANCE_SECONDS": 1,
                      "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "VAR_DIR": str(tmp_path / "var"), **settings}
            environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
            return {**environ, **(env or {}), **{f"SHOP_{k}": str(v) for k, v in values.items()}}

        def start(self, *args, env=None, **settings) -> Worker:
            worker = Worker(["worker", *args], self.env(env, **settings), tmp_path / f"worker-{len(workers)}.log")
            workers.append(worker)
            return worker

        def burst(self, env=None, **settings) -> Worker:
            worker = self.start("--burst", env=env, **settings)
            assert worker.wait() == 0, worker.log.read_text()
            return worker

        def cli(self, *args, env=None, **settings) -> subprocess.CompletedProcess:
            return subprocess.run([SHOP_MAILER, *args], env=self.env(env, **settings), capture_output=True,
                                  text=True, timeout=30)

    yield Mailer()
    for worker in workers:
        worker.stop()


@pytest.fixture
def make_order():
    """`make_order(**changes)`: an order as the orders API answers it (what orders puts in its emails)."""

    def make(**changes):
        return {
            "id": 42, "number": "204-118-377", "status": "pending",
            "items": [{"product_id": 1, "variant_id": 3, "name": "Linen shirt", "label": "M", "unit_price": "39.90",
                       "quantity": 2, "line_total": "79.80"},
                      {"product_id": 2, "variant_id": 5, "name": "Wool socks", "label": "", "unit_price": "9.50",
                       "quantity": 1, "line_total": "9.50"}],
            "total_price": "89.30", "currency": "USD",
            "shipping": {"full_name": "Ann Example", "phone": "+1 555 0100", "address_line": "1 Main Street",
                         "city": "Springfield", "postal_code": "12345", "country": "US"},
            "comment": "", "created_at": "2026-11-26T17:30:00+00:00", "updated_at": "2026-11-26T17:30:00+00:00",
            "payment": {"method": "cash_on_delivery", "status": "due_on_delivery", "amount": "89.30",
                        "currency": "USD", "redirect_url": None, "expires_at": None, "paid_at": None,
                        "refunded_at": None, "refund": None},
            **changes,
        }

    return make


def mail_in(sink: MailSink, count: int = 1, timeout: float = 10) -> list:
    """Wait until `sink` holds `count` messages; return them."""
    return wait_until(lambda: len(received := sink.received()) >= count and received, timeout)


@pytest.fixture
def wait_for_mail():
    return mail_in

