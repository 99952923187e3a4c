"""The cross-service tests run the whole shop as `make up` starts it (dev/stack.py: gunicorn, nginx, the RQ
worker and the SMTP sink), beside any stack already running on this machine, and talk to it only through
the gateway, as a client would.

Isolation: the stack keeps its files in a folder of this run (`SHOP_STACK_VAR`), its databases under a
prefix of this run (`SHOP_STACK_DATABASE_PREFIX`) on the tests' Postgres, a Redis database of this run,
and ports moved by `SHOP_STACK_PORT_OFFSET` (gateway at 19000, SMTP sink at 12025). Everything is stopped
and dropped at the end, also when a test or the start fails.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
import redis as redis_lib
import requests

from shop_common.keys import KeyPair, dev_keypair
from shop_common.testing import RawResponse, claim_redis_db, raw_request, servers

ROOT = Path(__file__).resolve().parents[2]
#: ports of the stack are the usual ones plus this (gateway 19000, SMTP sink 12025; all below 32768)
PORT_OFFSET = 11000
PASSWORD = "correct horse battery staple"
#: the address every test order ships to
SHIPPING = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
            "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}


# -- answers ------------------------------------------------------------------------------------------------


# -- the stack ------------------------------------------------------------------------------------------------


@dataclass
class Shopper:
    """An account of the shop, with the tokens of one login (or minted ones)."""

    id: int
    username: str
    email: str
    password: str = PASSWORD
    access: str = ""
    refresh: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


@dataclass
class Stack:
    url: str
    var: Path
    port: int
    redis_url: str
    #: what its databases' names and its mail queue start with (SHOP_STACK_DATABASE_PREFIX)
    database_prefix: str = "shop_"
    _staff: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        """The shop's public URL as the stack tells its services (SHOP_SHOP_URL): what their links start with."""
        return f"http://localhost:{self.port}"

    # -- as a client --

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request to the gateway (a fresh connection: safe from any thread)."""
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def raw(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
            source: str | None = None) -> RawResponse:
        """A request sent exactly as written (see `shop_common.testing.raw_request`)."""
        return raw_request(self.port, method, path, body=body, headers=headers, source=source)

    # -- accounts --

    def register(self, name: str, **extra: Any) -> Shopper:
        """A new account (a unique username made from `name`)."""
        username = f"{name}-{uuid.uuid4().hex[:8]}"
        account = {"username": username, "email": f"{username}@example.com", "password": PASSWORD, **extra}
        response = self.post("/api/auth/register/", json=account)
        assert response.status_code == 201, response.text
        body = response.json()
        return Shopper(body["id"], body["username"], body["email"])

    def login(self, identifier: str, password: str = PASSWORD) -> requests.Response:
        """POST /api/auth/login/, waiting out the gateway's own per-address throttle (every test logs in
        from 127.0.0.1; the throttle itself is tested from addresses of its own in test_security.py)."""
        for _ in range(3):
            response = self.post("/api/auth/login/", json={"username": identifier, "password": password})
            if response.status_code != 429 or response.json().get("code") != "too_many_requests":
                return response
            time.sleep(int(response.headers.get("Retry-After", "6")))
        return response

    def logged_in(self, shopper: Shopper) -> Shopper:
        response = self.login(shopper.username, shopper.password)
        assert response.status_code == 200, response.text
        shopper.access, shopper.refresh = response.json()["access"], response.json()["refresh"]
        return shopper

    def mint_token(self, user_id: int | str, *, staff: bool = False, **claims: Any) -> str:
        """An access token as the users service makes them, signed with the stack's own development key
        (<var>/keys). Tests that need many shoppers use these: the gateway lets one address log in only
        10 times a minute, and logging in is not what they test. `claims` override any claim."""
        now = int(time.time())
        payload = {"sub": str(user_id), "iat": now, "nbf": now, "exp": now + 900, "jti": str(uuid.uuid4()),
                   "type": "access", "fresh": False, "fam": str(uuid.uuid4()), "staff": staff,
                   "iss": "shop-users", "aud": "shop", **claims}
        return jwt.encode({k: v for k, v in payload.items() if v is not None}, self.keys().private_pem,
                          algorithm="ES256")

    def keys(self) -> KeyPair:
        """The stack's development key pair (only the users service signs with it)."""
        return dev_keypair(self.var / "keys", "ES256")

    def shopper(self, name: str) -> Shopper:
        """A registered account with a minted access token (no login)."""
        shopper = self.register(name)
        shopper.access = self.mint_token(shopper.id)
        return shopper

    def staff_tokens(self) -> dict[str, str]:
        """The tokens of one real login of the staff account the stack made (<var>/staff-login.txt)."""
        if not self._staff:
            login = dict(line.split(": ", 1) for line in (self.var / "staff-login.txt").read_text().splitlines())
            response = self.login(login["username"], login["password"])
            assert response.status_code == 200, response.text
            self._staff.update(response.json())
        return self._staff

    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_tokens()['access']}"}

    def service_token(self) -> str:
        """The credential the services present to each other's /internal/ endpoints."""
        return (self.var / "secrets" / "service-token").read_text().strip()

    def login_from(self, source: str, username: str, password: str) -> RawResponse:
        """POST /api/auth/login/ from the client address `source`."""
        return self.raw("POST", "/api/auth/login/", source=source, headers={"Content-Type": "application/json"},
                        body=json.dumps({"username": username, "password": password}).encode())

    # -- cart and orders --

    def add_to_cart(self, shopper: Shopper, product_id: int, variant_id: int, quantity: int = 1) -> dict:
        response = self.post("/api/cart/add/", headers=shopper.headers,
                             json={"product_id": product_id, "variant_id": variant_id, "quantity": quantity})
        assert response.status_code in (200, 201), response.text
        return response.json()

    def cart_lines(self, shopper: Shopper) -> list[tuple[int, int, int]]:
        """(line id, variant id, quantity) of each line of the shopper's cart."""
        response = self.get("/api/cart/", headers=shopper.headers)
        assert response.status_code == 200, response.text
        return [(line["id"], line["variant_id"], line["quantity"]) for line in response.json()["items"]]

    def checkout(self, shopper: Shopper, key: str | None = None, **body: Any) -> requests.Response:
        """POST /api/order/create/ with SHIPPING (`body` adds or overrides fields) and `key` if given."""
        headers = {**shopper.headers, **({"Idempotency-Key": key} if key else {})}
        return self.post("/api/order/create/", json={"shipping": SHIPPING, **body}, headers=headers)

    def orders(self, shopper: Shopper) -> list[dict]:
        response = self.get("/api/order/list/", headers=shopper.headers)
        assert response.status_code == 200, response.text
        return response.json()["results"]

    # -- the mail sink --

    def mail(self) -> list[EmailMessage]:
        """Every message the sink has kept, oldest first."""
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
                for path in sorted((self.var / "mail").glob("*.eml"))]

    def mail_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mail() if address in recipients(m)]

    def wait_for_mail(self, to: str, subject: str, count: int = 1, timeout: float = 60) -> list[EmailMessage]:
        """The messages to `to` whose subject contains `subject`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mail_to(to) if subject in m["Subject"]]
            if len(found) >= count or time.monotonic() > deadline:
                subjects = [(recipients(m), m["Subject"]) for m in self.mail()]
                assert len(found) == count, f"{len(found)} of {count} to {to} about {subject!r}: {subjects}"
                return found
            time.sleep(0.2)

    # -- the catalogue, through the staff API --

    def new_product(self, category: str, name: str, *variants: tuple[str, str, int], **fields: Any) -> dict:
        """A product made by staff: `variants` are (label, price, stock). Its detail is returned."""
        tag = uuid.uuid4().hex[:8]
        body = {"name": name, "slug": f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{tag}",
                "category": category, **fields,
                "variants": [{"sku": f"E2E-{tag}-{n}", "label": label, "price": price, "stock": stock}
                             for n, (label, price, stock) in enumerate(variants)]}
        response = self.post("/api/products/", json=body, headers=self.staff_headers())
        assert response.status_code == 201, response.text
        return response.json()

    def new_category(self, name: str) -> str:
        slug = f"e2e-{uuid.uuid4().hex[:8]}"
        response = self.post("/api/categories/", json={"name": f"{name} {slug}", "slug": slug},
                             headers=self.staff_headers())
        assert response.status_code == 201, response.text
        return slug

    def product(self, slug: str) -> dict:
        response = self.get(f"/api/products/{slug}/")
        assert response.status_code == 200, response.text
        return response.json()


def recipients(message: EmailMessage) -> list[str]:
    return [address for _, address in getaddresses([str(message["To"] or "")])]


# -- starting and stopping ---------------------------------------------------------------------------------


def _stack_env(var: Path, prefix: str, offset: int, redis_url: str, postgres_url: str) -> dict[str, str]:
    # nothing of this process's SHOP_ settings (the test plugin sets a service token, a developer may have
    # a database URL in their shell): the stack makes its own, as `make up` does
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # shop-users & co.
        "SHOP_STACK_VAR": str(var),
        "SHOP_STACK_DATABASE_PREFIX": prefix,
        "SHOP_STACK_PORT_OFFSET": str(offset),
        # the tests' servers (SHOP_TEST_POSTGRES_URL and SHOP_TEST_REDIS_URL are honoured, as in `make test`);
        # a Redis database of this run: two stacks on one Redis database share the mail queue and throttles
        "SHOP_POSTGRES_URL": postgres_url,
        "SHOP_REDIS_URL": redis_url,
        # many accounts come from one address here; the login throttle keeps its defaults
        "SHOP_REGISTER_LIMIT_PER_ADDRESS": "1000 per hour",
    })
    return env


def _stack(command: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "dev/stack.py", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _log_tail(var: Path, done: subprocess.CompletedProcess | None) -> str:
    log = var / "log" / "stack.log"
    tail = log.read_text(errors="replace")[-6000:] if log.exists() else "(no log)"
    said = f"{done.stdout}\n{done.stderr}".strip()[-2000:] if done else ""
    return f"{said}\n--- {log} ---\n{tail}"


def _drop_databases(prefix: str, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                                                (len(prefix), prefix))]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_stack(var: Path, offset: int, redis_url: str, *, postgres_url: str | None = None,
                  settings: dict[str, str] | None = None) -> Iterator[Stack]:
    """`dev/stack.py up` with files in `var`, ports moved by `offset` and databases of a prefix of its own
    on the tests' Postgres (or the server of `postgres_url`, an admin URL), `settings` added to its
    environment; then, whatever happened, `down` and the databases dropped."""
    prefix = f"shop_e2e_{secrets.token_hex(3)}_"
    postgres_url = postgres_url or servers().postgres.url
    env = {**_stack_env(var, prefix, offset, redis_url, postgres_url), **(settings or {})}
    try:
        try:
            started = _stack("up", env, timeout=240)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`dev/stack.py up` did not return within 240 s:\n{_log_tail(var, None)}", pytrace=False)
        if started.returncode != 0:
            pytest.fail(f"`dev/stack.py up` failed ({started.returncode}):\n{_log_tail(var, started)}",
                        pytrace=False)
        yield Stack(url=f"http://127.0.0.1:{8000 + offset}", var=var, port=8000 + offset, redis_url=redis_url,
                    database_prefix=prefix)
    finally:
        stopped = _stack("down", env, timeout=120)
        _drop_databases(prefix, postgres_url)
        assert stopped.returncode == 0, f"`dev/stack.py down` failed:\n{_log_tail(var, stopped)}"


#: a shop some other test started (tests/images: the shop from its images), as JSON with `url`, `var`, `port`
#: and `redis_url`: the tests here then talk to it instead of starting a stack of their own
ATTACH = "SHOP_E2E_ATTACH"


@pytest.fixture(scope="session")
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    """The whole shop, started once for the run (about 25 s) and stopped at its end, whatever happened."""
    if attached := os.environ.get(ATTACH):
        given = json.loads(attached)
        yield Stack(url=given["url"], var=Path(given["var"]), port=int(given["port"]), redis_url=given["redis_url"])
        return
    # under pytest-xdist each worker starts a stack of its own, on ports of its own
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    offset = PORT_OFFSET + (200 * (int(worker.removeprefix("gw")) + 1) if worker else 0)
    redis_url = claim_redis_db()  # the test plugin's: a Redis database no other run is using
    try:
        with running_stack(tmp_path_factory.mktemp("stack"), offset, redis_url) as running:
            yield running
    finally:
        client = redis_lib.Redis.from_url(redis_url)
        client.flushdb()  # the claim on it too
        client.close()


@pytest.fixture(scope="module")
def second_stack(stack, tmp_path_factory) -> Iterator[Stack]:
    """Another stack beside `stack`, as dev/stack.py's knobs promise: files, databases and ports of its own,
    and the same Redis (as two stacks on one machine get by default)."""
    with running_stack(tmp_path_factory.mktemp("second-stack"), stack.port - 8000 + 100, stack.redis_url) as running:
        yield running


class Client(requests.Session):
    """A session whose paths are relative to the gateway; redirects are not followed (a test sees them)."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        url = url.decode() if isinstance(url, bytes) else url
        return super().request(method, self.base_url + url if url.startswith("/") else url, *args, **kwargs)


@pytest.fixture
def client(stack: Stack) -> Iterator[Client]:
    with Client(stack.url) as session:
        yield session


@pytest.fixture
def register_and_login(stack: Stack) -> Callable[[str], Shopper]:
    """`register_and_login(name)`: a new account, logged in through the gateway (one real login)."""
    return lambda name: stack.logged_in(stack.register(name))


@pytest.fixture
def mint_token(stack: Stack) -> Callable[..., str]:
    """`mint_token(user_id, staff=False, **claims)`: see `Stack.mint_token`."""
    return stack.mint_token


@pytest.fixture(scope="session")
def category(stack: Stack) -> str:
    """A category of this run's own, for products the tests make."""
    return stack.new_category("E2E")


@pytest.fixture(scope="session")
def goods(stack: Stack, category: str) -> dict:
    """A product with plenty of stock: its id, slug, name and only variant."""
    product = stack.new_product(category, "Pewter Cup", ("One size", "9.00", 5000))
    return {"id": product["id"], "slug": product["slug"], "variant": product["variants"][0]["id"],
            "name": product["name"]}


@pytest.fixture
def shipping() -> dict:
    """The address the tests' orders ship to (what `Stack.checkout` sends)."""
    return dict(SHIPPING)
