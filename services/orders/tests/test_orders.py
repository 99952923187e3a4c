"""The orders API against the real cart and products services: every endpoint, status move and refusal."""

from __future__ import annotations

import re

import pytest

from orders.models import Outbox, db
from shop_common import manifest
from shop_common.schemas import SHIPPING_EXAMPLE as SHIPPING
from shop_common.testing import assert_problem


@pytest.fixture
def shirt(catalogue):
    """A shirt in two sizes: M (5 left, 39.90) and L (2 left, 41.00)."""
    product_id, (m, size_l) = catalogue.product("Linen shirt", ("M", "39.90", 5), ("L", "41.00", 2))
    return {"id": product_id, "slug": "linen-shirt", "M": m, "L": size_l}


def owed(app) -> list[dict]:
    """The messages in the orders outbox, oldest first."""
    with app.app_context():
        messages = [row.message for row in db.session.query(Outbox).order_by(Outbox.id)]
        db.session.remove()
        return messages


def test_an_order_takes_the_stock_empties_the_cart_and_owes_one_confirmation(app, shop, shirt, catalogue):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    shop.add(alice, shirt["id"], shirt["L"], 1)

    response = shop.order(alice, key="k-1", comment="Leave it with the porter")

    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert re.fullmatch(r"\d{3}-\d{3}-\d{3}", order["number"])
    assert order["status"] == "confirmed"
    assert order["items"] == [
        {"product_id": shirt["id"], "variant_id": shirt["M"], "name": "Linen shirt", "label": "M",
         "unit_price": "39.90", "quantity": 2, "line_total": "79.80"},
        {"product_id": shirt["id"], "variant_id": shirt["L"], "name": "Linen shirt", "label": "L",
         "unit_price": "41.00", "quantity": 1, "line_total": "41.00"},
    ]
    assert order["total_price"] == "120.80" and order["currency"] == "USD"
    assert order["shipping"] == SHIPPING and order["comment"] == "Leave it with the porter"
    assert order["created_at"] and order["updated_at"]
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 3, shirt["L"]: 1}
    assert shop.cart(alice) == []
    [message] = owed(app)
    assert message["id"] == f"orders:order:{order['id']}:confirmation"
    assert message["template"] == "order_confirmation" and message["to"] == {"user_id": 7}
    assert message["context"]["order"]["number"] == order["number"]


def test_an_order_keeps_the_names_in_the_language_the_shopper_shopped_in(shop, shirt, catalogue):
    translated = catalogue.client.patch("/api/products/linen-shirt/", headers=catalogue.staff, json={
        "translations": {"ru": {"name": "Льняная рубашка", "values": {"L": "Большой"}}}})
    assert translated.status_code == 200, translated.get_json()
    alice = shop.user(7)
    russian = {**alice, "Accept-Language": "ru-RU,ru;q=0.9"}
    # the cart keeps each line's name as products gave it when the line was written, in the shopper's language
    added = shop.carts.post("/api/cart/add/", headers=russian,
                            json={"product_id": shirt["id"], "variant_id": shirt["L"]})
    assert added.status_code == 201, added.get_json()
    response = shop.orders.post("/api/order/create/", headers=russian, json={"shipping": SHIPPING})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert [(line["name"], line["label"]) for line in order["items"]] == [("Льняная рубашка", "Большой")]
    # a snapshot: read later in English, it is what was bought
    again = shop.orders.get(f"/api/order/{order['id']}/", headers={**alice, "Accept-Language": "en"}).get_json()
    assert [(line["name"], line["label"]) for line in again["items"]] == [("Льняная рубашка", "Большой")]


def test_the_price_is_products_price_at_checkout(shop, shirt, catalogue):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])
    catalogue.set(shirt["slug"], shirt["M"], price="35.00")

    order = shop.order(alice).get_json()

    assert order["items"][0]["unit_price"] == "35.00" and order["total_price"] == "35.00"


def test_the_lines_are_named_as_products_names_them_at_checkout(app, shop, shirt, catalogue):
    """The cart keeps each line's name from when it was added; the order, and so its emails, take today's (and
    with them the checkout's language: the kit's client passes the request's Accept-Language on)."""
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])
    renamed = catalogue.client.patch(f"/api/products/{shirt['slug']}/", json={"name": "Washed linen shirt"},
                                     headers=catalogue.staff)
    assert renamed.status_code == 200, renamed.get_json()
    catalogue.set(renamed.get_json()["slug"], shirt["M"], label="Medium")

    order = shop.order(alice).get_json()

    assert [(item["name"], item["label"]) for item in order["items"]] == [("Washed linen shirt", "Medium")]
    [message] = owed(app)
    assert message["context"]["order"]["items"][0]["name"] == "Washed linen shirt"


def test_lines_added_in_english_and_ordered_in_russian_are_named_in_russian(shop, shirt, catalogue):
    """The checkout's language names the order (and so its emails), not the language of each add."""
    translated = catalogue.client.patch(f"/api/products/{shirt['slug']}/", headers=catalogue.staff, json={
        "translations": {"ru": {"name": "Льняная рубашка", "values": {"M": "Средний"}}}})
    assert translated.status_code == 200, translated.get_json()
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])  # no Accept-Language: English

    response = shop.orders.post("/api/order/create/", headers={**alice, "Accept-Language": "ru"},
                                json={"shipping": SHIPPING})

    assert response.status_code == 201, response.get_json()
    assert [(item["name"], item["label"]) for item in response.get_json()["items"]] == [("Льняная рубашка",
                                                                                         "Средний")]


def test_the_carts_names_stand_when_products_cannot_name_the_lines(app, shop, shirt, products_server, monkeypatch):
    """Products failing just after it reserved: the order is made all the same, named as the cart names it."""
    from orders import checkout

    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])

    def after(step):
        if step == "stock reserved":
            products_server.switch.mode = "failing"
        elif step == "order stored":
            products_server.switch.mode = "normal"

    monkeypatch.setattr(checkout, "after", after)
    try:
        response = shop.order(alice)
    finally:
        products_server.switch.mode = "normal"
    assert response.status_code == 201, response.get_json()
    assert [(item["name"], item["label"]) for item in response.get_json()["items"]] == [("Linen shirt", "M")]


def test_only_what_was_ordered_leaves_the_cart(shop, shirt, catalogue):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 1)
    assert shop.order(alice).status_code == 201
    shop.add(alice, shirt["id"], shirt["M"], 1)  # after the order: stays
    assert shop.cart(alice) == [(shirt["M"], 1)]


def test_an_empty_cart_is_409_and_makes_nothing(app, shop, count_orders):
    assert_problem(shop.order(shop.user(7)), 409, "cart_empty")
    assert count_orders() == 0 and owed(app) == []


def test_more_than_the_stock_is_409_naming_the_short_lines_and_changes_nothing(app, shop, shirt, catalogue,
                                                                                 count_orders):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    shop.add(alice, shirt["id"], shirt["L"], 2)
    catalogue.set(shirt["slug"], shirt["L"], stock=1)  # someone else bought one meanwhile

    body = assert_problem(shop.order(alice), 409, "insufficient_stock")

    assert body["lines"] == [{"variant_id": shirt["L"], "product_id": shirt["id"], "name": "Linen shirt",
                              "label": "L", "requested": 2, "available": 1}]
    assert "only 1 left of 'Linen shirt / L'" in body["detail"]
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 5, shirt["L"]: 1}
    assert shop.cart(alice) == [(shirt["M"], 2), (shirt["L"], 2)]
    assert count_orders() == 0 and owed(app) == []


def test_a_variant_withdrawn_since_it_was_added_is_short(shop, catalogue, products_app, make_token):
    alice = shop.user(7)
    product_id, (only,) = catalogue.product("Scarf", ("One size", "15.00", 3))
    shop.add(alice, product_id, only)
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    assert products_app.test_client().delete("/api/products/scarf/", headers=staff).status_code == 204

    body = assert_problem(shop.order(alice), 409, "insufficient_stock")
    assert body["lines"][0]["variant_id"] == only and body["lines"][0]["available"] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({}, "shipping"),
    ({"shipping": {**SHIPPING, "city": ""}}, "city"),
    ({"shipping": {k: v for k, v in SHIPPING.items() if k != "phone"}}, "phone"),
    ({"shipping": {**SHIPPING, "phone": "call me"}}, "phone"),
    ({"shipping": {**SHIPPING, "postal_code": "<script>"}}, "postal_code"),
    ({"shipping": {**SHIPPING, "full_name": "x" * 151}}, "full_name"),
    ({"shipping": {**SHIPPING, "country": 7}}, "country"),
    ({"shipping": {**SHIPPING, "address_line": "a\u0000b"}}, "shipping"),  # the kit names the outer field
    ({"shipping": "London"}, "shipping"),
    ({"shipping": SHIPPING, "comment": "x" * 1001}, "comment"),
    ({"shipping": SHIPPING, "status": "delivered"}, "status"),
    ({"shipping": SHIPPING, "total_price": "0.01"}, "total_price"),
])
def test_a_missing_or_malformed_field_is_422_and_changes_nothing(shop, shirt, catalogue, count_orders, body,
                                                                  field):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])
    response = shop.orders.post("/api/order/create/", headers=alice, json=body)
    problem = assert_problem(response, 422)
    assert field in str(problem["errors"]["json"])
    assert count_orders() == 0 and shop.cart(alice) == [(shirt["M"], 1)]
    assert catalogue.stock(shirt["slug"])[shirt["M"]] == 5


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "two words"])
def test_a_malformed_idempotency_key_is_422(shop, shirt, count_orders, key):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])
    response = shop.orders.post("/api/order/create/", headers={**alice, "Idempotency-Key": key},
                                json={"shipping": SHIPPING})
    assert "Idempotency-Key" in assert_problem(response, 422)["errors"]["headers"]
    assert count_orders() == 0


def test_every_route_needs_a_token(shop):
    for method, path in [("post", "/api/order/create/"), ("get", "/api/order/list/"), ("get", "/api/order/1/"),
                         ("post", "/api/order/1/cancel/"), ("post", "/api/order/1/status/"),
                         ("get", "/api/order/all/")]:
        assert_problem(getattr(shop.orders, method)(path, json={}), 401)


# -- history and detail -------------------------------------------------------------------------------------

def test_history_is_newest_first_paginated_and_only_the_callers(shop, shirt):
    alice, bob = shop.user(7), shop.user(8)
    made = []
    for _ in range(3):
        shop.add(alice, shirt["id"], shirt["M"])
        made.append(shop.order(alice).get_json()["id"])
    shop.add(bob, shirt["id"], shirt["L"])
    bobs = shop.order(bob).get_json()["id"]

    first = shop.orders.get("/api/order/list/?page_size=2", headers=alice).get_json()
    assert first["count"] == 3 and [o["id"] for o in first["results"]] == made[::-1][:2]
    assert first["previous"] is None and "page=2" in first["next"]
    second = shop.orders.get("/api/order/list/?page_size=2&page=2", headers=alice).get_json()
    assert [o["id"] for o in second["results"]] == [made[0]] and second["next"] is None
    assert_problem(shop.orders.get("/api/order/list/?page=3&page_size=2", headers=alice), 404, "page_not_found")
    assert [o["id"] for o in shop.orders.get("/api/order/list/", headers=bob).get_json()["results"]] == [bobs]
    assert_problem(shop.orders.get("/api/order/list/?page_size=101", headers=alice), 422)
    assert_problem(shop.orders.get("/api/order/list/?page=0", headers=alice), 422)


def test_an_empty_history_is_one_empty_page(shop):
    assert shop.orders.get("/api/order/list/", headers=shop.user(7)).get_json() == {
        "count": 0, "next": None, "previous": None, "results": []}


def test_another_users_order_is_404_on_every_route(shop, shirt, catalogue):
    alice, bob = shop.user(7), shop.user(8)
    shop.add(alice, shirt["id"], shirt["M"])
    order = shop.order(alice).get_json()

    assert shop.orders.get(f"/api/order/{order['id']}/", headers=alice).get_json() == order
    assert_problem(shop.orders.get(f"/api/order/{order['id']}/", headers=bob), 404, "order_not_found")
    assert_problem(shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=bob), 404, "order_not_found")
    assert_problem(shop.orders.post(f"/api/order/{order['id']}/status/", headers=bob, json={"status": "shipped"}),
                   403)
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=alice).get_json()["status"] == "confirmed"
    assert catalogue.stock(shirt["slug"])[shirt["M"]] == 4
    assert_problem(shop.orders.get("/api/order/99999999/", headers=alice), 404)
    assert_problem(shop.orders.get("/api/order/abc/", headers=alice), 404)
    assert_problem(shop.orders.get("/api/order/99999999999999999999/", headers=alice), 404)


# -- cancel and status moves --------------------------------------------------------------------------------

def test_cancel_gives_the_stock_back_and_owes_one_email(app, shop, shirt, catalogue):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 3)
    order = shop.order(alice).get_json()
    assert catalogue.stock(shirt["slug"])[shirt["M"]] == 2

    cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice)
    again = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice)

    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert again.status_code == 200 and again.get_json()["status"] == "cancelled"
    assert catalogue.stock(shirt["slug"])[shirt["M"]] == 5  # given back once
    assert [m["template"] for m in owed(app)] == ["order_confirmation", "order_cancelled"]


def test_staff_move_an_order_along_and_each_move_owes_an_email(app, shop, shirt, make_token):
    alice, staff = shop.user(7), {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    shop.add(alice, shirt["id"], shirt["M"])
    order = shop.order(alice).get_json()

    def move(status):
        return shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": status})

    assert_problem(move("delivered"), 409, "invalid_status_move")  # confirmed -> delivered skips shipping
    assert_problem(move("pending"), 409, "invalid_status_move")
    assert move("shipped").get_json()["status"] == "shipped"
    assert_problem(shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice), 409, "not_cancellable")
    assert_problem(move("cancelled"), 409, "not_cancellable")
    assert move("shipped").get_json()["status"] == "shipped"  # no move: nothing happens
    assert move("delivered").get_json()["status"] == "delivered"
    assert_problem(move("shipped"), 409, "invalid_status_move")
    assert_problem(move("lost"), 422)
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=staff).get_json()["status"] == "delivered"

    messages = owed(app)
    assert [(m["template"], m["context"].get("status")) for m in messages] == [
        ("order_confirmation", None), ("order_status", "shipped"), ("order_status", "delivered")]
    assert all(m["to"] == {"user_id": 7} for m in messages)


def test_staff_can_cancel_a_confirmed_order(shop, shirt, catalogue, make_token):
    alice, staff = shop.user(7), {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    shop.add(alice, shirt["id"], shirt["L"], 2)
    order = shop.order(alice).get_json()
    response = shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": "cancelled"})
    assert response.get_json()["status"] == "cancelled"
    assert catalogue.stock(shirt["slug"])[shirt["L"]] == 2


# -- Idempotency-Key ----------------------------------------------------------------------------------------

def test_the_same_key_and_body_answer_the_first_result_and_make_nothing_new(shop, shirt, catalogue, count_orders):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    first = shop.order(alice, key="checkout-1")
    shop.add(alice, shirt["id"], shirt["M"], 1)  # the cart has changed since: the repeat still makes nothing
    again = shop.order(alice, key="checkout-1")

    assert first.status_code == again.status_code == 201
    assert again.data == first.data and again.headers["Idempotent-Replayed"] == "true"  # byte for byte
    assert "Idempotent-Replayed" not in first.headers
    assert count_orders() == 1 and catalogue.stock(shirt["slug"])[shirt["M"]] == 3
    assert shop.cart(alice) == [(shirt["M"], 1)]


def test_the_same_key_with_another_body_is_422(shop, shirt, count_orders):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"])
    assert shop.order(alice, key="checkout-1").status_code == 201
    assert_problem(shop.order(alice, key="checkout-1", comment="ring twice"), 422, "idempotency_key_reused")
    assert count_orders() == 1


def test_keys_are_per_user(shop, shirt, count_orders):
    alice, bob = shop.user(7), shop.user(8)
    shop.add(alice, shirt["id"], shirt["M"])
    shop.add(bob, shirt["id"], shirt["M"])
    assert shop.order(alice, key="same").status_code == 201
    assert shop.order(bob, key="same").status_code == 201
    assert count_orders() == 2


def test_a_refusal_is_the_keys_answer_too(shop, shirt):
    alice = shop.user(7)
    assert_problem(shop.order(alice, key="k"), 409, "cart_empty")
    shop.add(alice, shirt["id"], shirt["M"])
    replay = shop.order(alice, key="k")
    assert_problem(replay, 409, "cart_empty")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert shop.order(alice, key="k2").status_code == 201  # a new key is a new checkout


# -- a service it needs is down -----------------------------------------------------------------------------

@pytest.mark.parametrize("down", manifest.load().services["orders"].calls)
@pytest.mark.parametrize("how", ["stopped", "failing"])
def test_a_service_down_is_503_with_nothing_reserved_stored_or_taken(app, shop, shirt, catalogue, count_orders,
                                                                      products_server, cart_server, payments_server,
                                                                      down, how):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    server = {"products": products_server, "cart": cart_server, "payments": payments_server}[down]
    body = {"payment_method": "card"} if down == "payments" else {}  # an order on delivery needs no payments
    if how == "stopped":
        server.stop()
    else:
        server.switch.mode = "failing"
    try:
        assert_problem(shop.order(alice, key="k", **body), 503, f"{down}_unavailable")
    finally:
        if how == "stopped":
            server.start()
        server.switch.mode = "normal"

    assert count_orders() == 0 and owed(app) == []
    assert catalogue.stock(shirt["slug"])[shirt["M"]] == 5
    assert shop.cart(alice) == [(shirt["M"], 2)]
    assert shop.order(alice, key="k", **body).status_code == 201  # the key was not spent on the failure
