"""The orders service with its Postgres down: 503 `database_unavailable` with `Retry-After`, never a 500; a
checkout whose order was stored just before the database failed says so, and its key then answers the order."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

import orders
from orders import checkout
from orders.models import Outbox, db
from shop_common.schemas import SHIPPING_EXAMPLE as SHIPPING
from shop_common.testing import assert_database_unavailable, servers, wait_until


@pytest.fixture(scope="module")
def down(app_without_database, products_server, cart_server):
    return app_without_database(orders.create_app, PRODUCTS_URL=products_server.url,
                                CART_URL=cart_server.url, PAYMENTS_URL="http://127.0.0.1:9").test_client()


@pytest.mark.parametrize("method, path, staff", [
    ("GET", "/api/order/list/", False), ("GET", "/api/order/1/", False), ("POST", "/api/order/create/", False),
    ("POST", "/api/order/1/cancel/", False), ("GET", "/api/order/all/?status=pending", True),
    ("POST", "/api/order/1/status/", True)])
def test_every_call_that_needs_the_database_is_a_503_while_it_is_down(down, make_token, method, path, staff):
    headers = {"Authorization": f"Bearer {make_token(7, staff=staff)}", "Idempotency-Key": "k1"}
    body = {"/api/order/create/": {"shipping": SHIPPING}, "/api/order/1/status/": {"status": "shipped"}}.get(path)
    assert_database_unavailable(down.open(path, method=method, json=body, headers=headers))


class ReadOnly:
    """The orders database made read-only and its connections ended (a primary fenced in a failover), then
    given back."""

    def __init__(self, app):
        self.name = make_url(app.config["SHOP"]["DATABASE_URL"]).database

    def _set(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
            conn.execute(statement)
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                         "AND pid <> pg_backend_pid()", (self.name,))

    def on(self) -> None:
        self._set(f'ALTER DATABASE "{self.name}" SET default_transaction_read_only = on')

    def off(self) -> None:
        self._set(f'ALTER DATABASE "{self.name}" RESET default_transaction_read_only')


def test_a_checkout_whose_database_fails_once_its_order_is_stored_is_a_503_then_its_key_answers_the_order(
        app, shop, catalogue, count_orders, monkeypatch):
    product_id, (variant,) = catalogue.product("Wool coat", ("M", "199.00", 5))
    alice = shop.user(7)
    shop.add(alice, product_id, variant, 2)
    database = ReadOnly(app)
    monkeypatch.setattr(checkout, "after", lambda step: step == "order stored" and database.on())
    try:
        first = shop.order(alice, key="fenced")
    finally:
        database.off()
        monkeypatch.setattr(checkout, "after", lambda step: None)

    problem = assert_database_unavailable(first)
    assert "is placed" in problem["detail"] and "same Idempotency-Key" in problem["detail"], problem
    # the client retries as Retry-After says (the pool may still hold a connection ended above: another 503)
    again = wait_until(lambda: (r := shop.order(alice, key="fenced")).status_code != 503 and r, timeout=30)
    assert again.status_code == 201, again.get_json()
    order = again.get_json()
    assert order["status"] == "confirmed" and order["number"] in problem["detail"]
    assert shop.order(alice, key="fenced").get_json() == order  # and the same answer from then on
    assert count_orders() == 1
    assert catalogue.stock("wool-coat") == {variant: 3}  # taken once
    assert shop.cart(alice) == []
    with app.app_context():
        confirmations = db.session.query(Outbox).filter(
            Outbox.message["template"].astext == "order_confirmation").count()
        db.session.remove()
    assert confirmations == 1
