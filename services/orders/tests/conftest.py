"""The orders service's tests run the real products, cart and payments services over HTTP (each its app on its
own test database, served by the kit's `ServiceServer`), and orders itself on a Redis server of its own that
tests can stop and start (the mail queue lives there). Orders is served too: payments tells it what each
payment became. Payments takes cards with its sandbox, whose page and webhooks it serves itself."""

from __future__ import annotations

import pytest

import cart
import orders
import payments
from orders.models import Order, db
from shop_common import manifest
from shop_common.schemas import SHIPPING_EXAMPLE as SHIPPING
from shop_common.testing import RedisServer, ServiceServer, empty


@pytest.fixture(scope="session")
def cart_app(shop_app, products_server):
    return shop_app(cart.create_app, PRODUCTS_URL=products_server.url)


@pytest.fixture(scope="session")
def cart_server(cart_app):
    server = ServiceServer(cart_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def queue_redis():
    """The Redis of the orders app (and of the mail queue): a server of its own, so a test can stop it."""
    server = RedisServer()
    yield server
    server.stop()


def _not_yet(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "application/problem+json")])
    return [b'{"status": 503, "code": "starting"}']


@pytest.fixture(scope="session")
def orders_server():
    """Orders over HTTP, for payments to call: served before its app is made (the app needs payments' URL,
    and payments needs this one); `app` puts itself behind it."""
    server = ServiceServer(_not_yet)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def payments_server():
    """Payments over HTTP (its API for orders, its sandbox's page and webhooks), its app put behind it by
    `payments_app`."""
    server = ServiceServer(_not_yet)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def payments_app(shop_app, payments_server, orders_server):
    """The payments service with its sandbox: its links (the page to pay on) and its webhooks are its own
    server's, as they would be the gateway's."""
    app = shop_app(payments.create_app, PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_WEBHOOK_SECRET="whsec_test",
                   ORDERS_URL=orders_server.url,
                   SHOP_URL=payments_server.url,
                   PAYMENTS_SANDBOX_WEBHOOK_URL=f"{payments_server.url}/api/payments/webhooks/sandbox/")
    payments_server.switch.app = app
    return app


@pytest.fixture(scope="session")
def app(shop_app, products_server, cart_server, payments_server, orders_server, queue_redis):
    # patient clients: 200 checkouts at once queue up on one product's row, and must not time out
    made = shop_app(orders.create_app, PRODUCTS_URL=products_server.url, CART_URL=cart_server.url,
                    PAYMENTS_URL=payments_server.url, REDIS_URL=queue_redis.url, PRODUCTS_READ_TIMEOUT=30.0,
                    PRODUCTS_DEADLINE=60.0, CART_READ_TIMEOUT=30.0, CART_DEADLINE=60.0,
                    PRODUCTS_BREAKER_FAILURES=1000, CART_BREAKER_FAILURES=1000, PAYMENTS_BREAKER_FAILURES=1000,
                    MAIL_RETRY_SECONDS=(1, 1), MAIL_REHAND_SECONDS=1.0)
    orders_server.switch.app = made
    return made


@pytest.fixture(autouse=True)
def _fresh_services(request, products_app, cart_app, payments_app, products_server, cart_server, payments_server,
                    queue_redis):
    """Every test of the orders app starts with an empty catalogue, carts and payments, every service
    answering."""
    if "app" not in request.fixturenames:
        return
    queue_redis.ensure_running()
    for served, server in ((products_app, products_server), (cart_app, cart_server),
                           (payments_app, payments_server)):
        empty(served)
        server.switch.mode = "normal"
    orders_app = request.getfixturevalue("app")
    for service in manifest.load().services["orders"].calls:
        orders_app.extensions[f"orders_{service}"].breaker.close()
    cart_app.extensions["cart_products"].breaker.close()
    payments_app.extensions["payments_orders"].breaker.close()


@pytest.fixture
def shop(app, cart_app, make_token, catalogue):
    """The shop as a shopper meets it: `shop.user(n)` is a shopper's headers; `shop.add(user, variant, q)`
    puts a variant in their cart (through the cart service); `shop.order(user, key=None, **body)` checks out."""

    class Shop:
        orders = app.test_client()
        carts = cart_app.test_client()

        def user(self, user_id: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {make_token(user_id)}"}

        def add(self, user: dict[str, str], product_id: int, variant_id: int, quantity: int = 1) -> None:
            response = self.carts.post("/api/cart/add/", headers=user, json={
                "product_id": product_id, "variant_id": variant_id, "quantity": quantity})
            assert response.status_code in (200, 201), response.get_json()

        def cart(self, user: dict[str, str]) -> list[tuple[int, int]]:
            """(variant id, quantity) of every line of the user's cart."""
            response = self.carts.get("/api/cart/", headers=user)
            assert response.status_code == 200, response.get_json()
            return [(line["variant_id"], line["quantity"]) for line in response.get_json()["items"]]

        def order(self, user: dict[str, str], key: str | None = None, **body):
            headers = {**user, **({"Idempotency-Key": key} if key else {})}
            return self.orders.post("/api/order/create/", headers=headers,
                                    json={"shipping": SHIPPING, **body})

    return Shop()


@pytest.fixture
def count_orders(app):
    def count() -> int:
        with app.app_context():
            n = db.session.query(Order).count()
            db.session.remove()
            return n

    return count


@pytest.fixture
def repair(app):
    """`repair()`: one round of the checkout repair, as the background thread runs it once a checkout is stale
    (0 s here); its counts by kind."""
    from orders import checkout

    def run() -> dict[str, int]:
        with app.app_context():
            counts = checkout.repair(stale_seconds=0)
            db.session.remove()
            return counts

    return run
