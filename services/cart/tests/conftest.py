"""The cart's tests run the real products service over HTTP: its app on its own test database, served by
a werkzeug server in a thread, with a switch in front of it to make it slow, failing or gone."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

import products
from cart import create_app
from shop_common.testing import empty

TOKEN = "test-service-token"


class Switch:
    """WSGI middleware in front of products: normal, `slow` (answers after `delay` s) or `failing` (500)."""

    def __init__(self, app):
        self.app, self.mode, self.delay = app, "normal", 5.0

    def __call__(self, environ, start_response):
        if self.mode == "failing":
            start_response("500 Internal Server Error", [("Content-Type", "application/problem+json")])
            return [b'{"status": 500}']
        if self.mode == "slow":
            time.sleep(self.delay)
        return self.app(environ, start_response)


class ProductsServer:
    """The products service on 127.0.0.1, which a test can stop and start again on the same port."""

    def __init__(self, app):
        self.switch = Switch(app)
        self.server = None
        for port in range(21500, 21600):
            try:
                self.server = make_server("127.0.0.1", port, self.switch, threaded=True)
                break
            except OSError:
                continue
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
        self.server = make_server("127.0.0.1", self.port, self.switch, threaded=True)
        self._serve()


@pytest.fixture(scope="session")
def products_app(shop_app):
    return shop_app(products.create_app, SERVICE_TOKEN=TOKEN)


@pytest.fixture(scope="session")
def products_server(products_app):
    server = ProductsServer(products_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(shop_app, products_server):
    return shop_app(create_app, SERVICE_TOKEN=TOKEN, PRODUCTS_URL=products_server.url, PRODUCTS_BREAKER_FAILURES=3,
                    PRODUCTS_BREAKER_RESET=1.0)


@pytest.fixture(autouse=True)
def _fresh_products(request, products_app, products_server):
    """Every test starts with an empty catalogue, products answering normally and the breaker closed."""
    if "app" not in request.fixturenames:
        return
    empty(products_app)
    products_server.switch.mode = "normal"
    request.getfixturevalue("app").extensions["cart_products"].breaker.close()


@pytest.fixture
def catalogue(products_app, make_token):
    """`catalogue.product(name, *variants)` makes a product through the products staff API; each variant is
    `(label, price, stock)`. Returns its variant ids (and `.product_id`)."""
    client = products_app.test_client()
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    client.post("/api/categories/", json={"name": "Shirts"}, headers=staff)

    class Catalogue:
        def product(self, name, *variants):
            body = {"name": name, "category": "shirts", "variants": [
                {"sku": f"{name[:10]}-{label}".replace(" ", "-"), "label": label, "price": price, "stock": stock}
                for label, price, stock in variants]}
            made = client.post("/api/products/", json=body, headers=staff).get_json()
            return made["id"], [v["id"] for v in made["variants"]]

        def set(self, slug, variant_id, **changes):
            response = client.patch(f"/api/products/{slug}/variants/{variant_id}/", json=changes, headers=staff)
            assert response.status_code == 200, response.get_json()

    return Catalogue()


@pytest.fixture
def shopper(make_token):
    return {"Authorization": f"Bearer {make_token(7)}"}


@pytest.fixture
def other_shopper(make_token):
    return {"Authorization": f"Bearer {make_token(8)}"}


@pytest.fixture
def wait_until():
    """`wait_until(condition, timeout)`: poll `condition()` until it is true, failing after `timeout` s."""

    def wait(condition, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"not true within {timeout} s")

    return wait
