"""The payments service's tests: its app on its own test database, served over HTTP (the kit's `ServiceServer`)
so that the sandbox's events really reach its webhook; orders is a recorder of what payments tells it
(`orders_recorder`), Stripe a local fake of its HTTP API (`fake_stripe`).

`app` is payments with the sandbox; `stripe_app` with the stripe provider against the fake; `none_app` with no
provider. Every test starts with empty databases, the recorder and the fake emptied, all of them answering.
"""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from payments import create_app
from shop_common.testing import ServiceServer, empty

sys.path.insert(0, str(Path(__file__).parent))  # the stand-ins beside (pytest imports tests with importlib)

from fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from orders_recorder import OrdersRecorder
from payments_support import SANDBOX_SECRET


class WebhookRecorder:
    """WSGI middleware in front of the served payments app: keeps each webhook request it passes on (its headers
    and body), so tests can check what the sandbox posted."""

    def __init__(self):
        self.app = None
        self.posts: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"].startswith("/api/payments/webhooks/"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            with self.lock:
                self.posts.append({"signature": environ.get("HTTP_STRIPE_SIGNATURE"), "body": body})
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def orders():
    recorder = OrdersRecorder()
    server = ServiceServer(recorder.app)
    recorder.server = server
    yield recorder
    server.stop()


@pytest.fixture(scope="session")
def fake_stripe():
    fake = FakeStripe()
    fake.server = ServiceServer(fake.app)
    yield fake
    fake.server.stop()


@pytest.fixture(scope="session")
def webhooks():
    return WebhookRecorder()


@pytest.fixture(scope="session")
def served(webhooks):
    """The payments app (sandbox) over HTTP: built after its server, whose address is its webhook's."""
    server = ServiceServer(webhooks)
    yield server
    server.stop()


def _common(orders) -> dict[str, Any]:
    return {"ORDERS_URL": orders.server.url, "ORDERS_RETRIES": 0, "ORDERS_BREAKER_FAILURES": 1000}


@pytest.fixture(scope="session")
def app(shop_app, orders, served, webhooks):
    made = shop_app(create_app, PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_WEBHOOK_SECRET=SANDBOX_SECRET,
                    PAYMENTS_SANDBOX_WEBHOOK_URL=f"{served.url}/api/payments/webhooks/sandbox/",
                    SHOP_URL="http://shop.test", **_common(orders))
    webhooks.app = made
    return made


@pytest.fixture(scope="session")
def stripe_app(shop_app, orders, fake_stripe):
    return shop_app(create_app, PAYMENTS_PROVIDER="stripe", STRIPE_SECRET_KEY=SECRET_KEY,
                    STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake_stripe.server.url,
                    SHOP_URL="http://shop.test", **_common(orders))


@pytest.fixture(scope="session")
def none_app(shop_app, orders):
    return shop_app(create_app, **_common(orders))


@pytest.fixture(autouse=True)
def _fresh(request, orders, fake_stripe, webhooks, served):
    """Empty what each test's apps hold; every stand-in answering."""
    orders.reset()
    orders.server.switch.mode = "normal"
    fake_stripe.reset()
    fake_stripe.server.switch.mode = "normal"
    served.switch.mode = "normal"
    webhooks.posts.clear()
    for name in ("stripe_app", "none_app"):
        if name in request.fixturenames:
            empty(request.getfixturevalue(name))
    for name in ("app", "stripe_app", "none_app"):
        if name in request.fixturenames:
            made = request.getfixturevalue(name)
            made.extensions["payments_orders"].breaker.close()
            if "payments_sandbox_webhook" in made.extensions:
                made.extensions["payments_sandbox_webhook"].breaker.close()


@pytest.fixture
def stripe_client(stripe_app):
    return stripe_app.test_client()
