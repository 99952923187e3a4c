"""Migrations 0004 and 0005 on a database that has orders already: each gets its history (its creation, and its
status now when it has moved on) and its payment (on delivery), and the answers checkouts keep gain what an
order answers now, so a repeat of one still answers an order as the document describes it."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

import orders
from orders.checkout import _fingerprint
from orders.schemas import CreateSchema
from shop_common.schemas import SHIPPING_EXAMPLE

CREATED, MOVED = "2026-11-01T10:00:00+00:00", "2026-11-02T09:30:00+00:00"
DUE = {"method": "cash_on_delivery", "status": "due_on_delivery", "amount": "39.90", "currency": "USD",
       "redirect_url": None, "expires_at": None, "paid_at": None, "refunded_at": None, "refund": None}


def test_existing_orders_get_their_history_and_kept_answers_the_new_fields(shop_app, make_token):
    app = shop_app(orders.create_app, PRODUCTS_URL="http://127.0.0.1:9", CART_URL="http://127.0.0.1:9",
                   PAYMENTS_URL="http://127.0.0.1:9")
    db = app.extensions["sqlalchemy"]
    # the request as 0003's code loaded it (there was no payment_method then)
    request = {name: value for name, value in CreateSchema().load({"shipping": SHIPPING_EXAMPLE}).items()
               if name != "payment_method"}
    with app.app_context():
        downgrade(revision="0003")
        with db.engine.begin() as conn:
            for order_id, status in enumerate(("pending", "confirmed", "shipped", "delivered", "cancelled"), 1):
                conn.execute(text(
                    "INSERT INTO orders (id, number, user_id, status, currency, total_price, shipping, created_at, "
                    "updated_at) VALUES (:id, :number, 7, :status, 'USD', 39.90, CAST(:shipping AS jsonb), :created, "
                    ":moved)"), {"id": order_id, "number": f"000-000-00{order_id}", "status": status,
                                 "shipping": json.dumps(SHIPPING_EXAMPLE), "created": CREATED, "moved": MOVED})
            # the answer checkout 2 kept, as 0003's code rendered its order
            kept = {"id": 2, "number": "000-000-002", "status": "confirmed", "items": [], "total_price": "39.90",
                    "currency": "USD", "shipping": SHIPPING_EXAMPLE, "comment": "", "created_at": CREATED,
                    "updated_at": MOVED}
            conn.execute(text(
                "INSERT INTO checkouts (id, user_id, idempotency_key, fingerprint, state, response_status, "
                "response_body) VALUES (2, 7, 'k', :fingerprint, 'done', 201, CAST(:body AS json))"),
                {"fingerprint": _fingerprint(request), "body": json.dumps(kept)})
        upgrade()
        with db.engine.connect() as conn:
            history = [tuple(row) for row in conn.execute(text(
                "SELECT order_id, status, by, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') "
                "FROM order_history ORDER BY order_id, id"))]
        db.session.remove()

    assert history == [
        (1, "pending", "customer", "2026-11-01T10:00"),
        (2, "pending", "customer", "2026-11-01T10:00"), (2, "confirmed", "system", "2026-11-02T09:30"),
        (3, "pending", "customer", "2026-11-01T10:00"), (3, "shipped", "staff", "2026-11-02T09:30"),
        (4, "pending", "customer", "2026-11-01T10:00"), (4, "delivered", "staff", "2026-11-02T09:30"),
        (5, "pending", "customer", "2026-11-01T10:00"), (5, "cancelled", "customer", "2026-11-02T09:30"),
    ]
    client = app.test_client()
    alice = {"Authorization": f"Bearer {make_token(7)}"}
    replay = client.post("/api/order/create/", headers={**alice, "Idempotency-Key": "k"},
                         json={"shipping": SHIPPING_EXAMPLE})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    body = replay.get_json()
    assert list(body) == list(client.get("/api/order/2/", headers=alice).get_json())  # every field, in its place
    assert body == {**kept, "user_id": 7, "next_statuses": ["shipped", "cancelled"], "history": [
        {"status": "pending", "at": CREATED, "by": "customer"}, {"status": "confirmed", "at": MOVED, "by": "system"}],
        "payment": DUE}
    assert client.get("/api/order/2/", headers=alice).get_json()["history"] == body["history"]
    # 0005: every order placed before was to be paid on delivery; those delivered were paid then
    payments = {order_id: client.get(f"/api/order/{order_id}/", headers=alice).get_json()["payment"]
                for order_id in range(1, 6)}
    assert payments == {1: DUE, 2: DUE, 3: DUE, 4: {**DUE, "status": "paid", "paid_at": MOVED}, 5: DUE}

    with app.app_context():  # and back: the kept answer as 0003 made it
        downgrade(revision="0003")
        with db.engine.connect() as conn:
            assert json.loads(conn.execute(text("SELECT response_body::text FROM checkouts")).scalar()) == kept
        db.session.remove()
        upgrade()
