"""The cart through the real app, with the real products service answering over HTTP."""

import pytest

from shop_common.testing import assert_problem, concurrently


@pytest.fixture
def shirt(catalogue):
    """Linen shirt: S (40.00, 5 left) and M (35.00, 1 left); and a tee with a single variant (9.50, 20 left)."""
    product_id, (small, medium) = catalogue.product("Linen shirt", ("S", "40.00", 5), ("M", "35.00", 1))
    tee_id, (tee,) = catalogue.product("Plain tee", ("One", "9.50", 20))
    return {"product": product_id, "S": small, "M": medium, "tee_product": tee_id, "tee": tee}


def add(client, headers, product_id, variant_id=None, quantity=...):
    body = {"product_id": product_id}
    if variant_id is not None:
        body["variant_id"] = variant_id
    if quantity is not ...:  # None is sent, as JSON null
        body["quantity"] = quantity
    return client.post("/api/cart/add/", json=body, headers=headers)


def cart(client, headers):
    response = client.get("/api/cart/", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_an_empty_cart(client, shopper):
    assert cart(client, shopper) == {"items": [], "total_quantity": 0, "total_price": "0.00", "currency": "USD",
                                     "stale": False}


def test_adding_makes_a_line_and_adding_again_grows_it(client, shopper, shirt):
    first = add(client, shopper, shirt["product"], shirt["S"], 2)
    assert first.status_code == 201
    again = add(client, shopper, shirt["product"], shirt["S"])
    assert again.status_code == 200
    body = again.get_json()
    assert len(body["items"]) == 1
    line = body["items"][0]
    assert line == {"id": line["id"], "product_id": shirt["product"], "variant_id": shirt["S"],
                    "slug": "linen-shirt", "name": "Linen shirt", "label": "S", "image": None, "unit_price": "40.00",
                    "quantity": 3, "line_total": "120.00", "stock": 5}
    assert (body["total_quantity"], body["total_price"]) == (3, "120.00")


def test_a_product_with_one_variant_needs_no_variant_id_but_one_with_several_does(client, shopper, shirt):
    assert add(client, shopper, shirt["tee_product"]).status_code == 201
    body = assert_problem(add(client, shopper, shirt["product"]), 422, "variant_required")
    assert "variant_id" in body["errors"]["json"]
    assert [line["label"] for line in cart(client, shopper)["items"]] == ["One"]


def test_more_than_the_stock_is_409_saying_how_many_are_left(client, shopper, shirt):
    body = assert_problem(add(client, shopper, shirt["product"], shirt["M"], 2), 409, "insufficient_stock")
    assert body["available"] == 1 and "Only 1 left of 'Linen shirt / M'" in body["detail"]
    add(client, shopper, shirt["product"], shirt["S"], 4)
    body = assert_problem(add(client, shopper, shirt["product"], shirt["S"], 2), 409, "insufficient_stock")
    assert (body["available"], body["in_cart"]) == (5, 4)
    assert cart(client, shopper)["total_quantity"] == 4


def test_updating_a_quantity_is_checked_against_stock(client, shopper, shirt):
    line = add(client, shopper, shirt["product"], shirt["S"]).get_json()["items"][0]["id"]
    response = client.patch(f"/api/cart/update/{line}/", json={"quantity": 5}, headers=shopper)
    assert response.status_code == 200 and response.get_json()["items"][0]["quantity"] == 5
    assert_problem(client.patch(f"/api/cart/update/{line}/", json={"quantity": 6}, headers=shopper), 409,
                   "insufficient_stock")
    assert cart(client, shopper)["items"][0]["quantity"] == 5


def test_a_line_is_deleted_and_the_cart_cleared(client, shopper, shirt):
    line = add(client, shopper, shirt["product"], shirt["S"]).get_json()["items"][0]["id"]
    add(client, shopper, shirt["tee_product"])
    assert client.delete(f"/api/cart/delete/{line}/", headers=shopper).status_code == 204
    assert [i["label"] for i in cart(client, shopper)["items"]] == ["One"]
    assert_problem(client.delete(f"/api/cart/delete/{line}/", headers=shopper), 404, "item_not_found")
    assert client.post("/api/cart/clear/", headers=shopper).status_code == 204
    assert cart(client, shopper)["items"] == []


def test_another_users_line_is_404_and_stays_as_it_is(client, shopper, other_shopper, shirt):
    line = add(client, shopper, shirt["product"], shirt["S"], 2).get_json()["items"][0]["id"]
    assert_problem(client.patch(f"/api/cart/update/{line}/", json={"quantity": 1}, headers=other_shopper), 404,
                   "item_not_found")
    assert_problem(client.delete(f"/api/cart/delete/{line}/", headers=other_shopper), 404, "item_not_found")
    client.post("/api/cart/clear/", headers=other_shopper)
    assert cart(client, other_shopper)["items"] == []
    assert cart(client, shopper)["items"][0]["quantity"] == 2


def test_the_view_shows_current_prices_and_stock(client, shopper, shirt, catalogue):
    add(client, shopper, shirt["product"], shirt["S"], 2)
    catalogue.set("linen-shirt", shirt["S"], price="29.99", stock=1)
    line = cart(client, shopper)["items"][0]
    assert (line["unit_price"], line["stock"], line["line_total"]) == ("29.99", 1, "59.98")


def test_the_cart_needs_a_token(client):
    for method, path in [("GET", "/api/cart/"), ("POST", "/api/cart/add/"), ("PATCH", "/api/cart/update/1/"),
                         ("DELETE", "/api/cart/delete/1/"), ("POST", "/api/cart/clear/")]:
        assert_problem(client.open(path, method=method, json={"quantity": 1}), 401, "not_authenticated")


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, "2", 2.5, True, None])
def test_bad_quantities_are_422_and_change_nothing(client, shopper, shirt, quantity):
    line = add(client, shopper, shirt["tee_product"]).get_json()["items"][0]["id"]
    assert_problem(add(client, shopper, shirt["product"], shirt["S"], quantity), 422)
    assert_problem(client.patch(f"/api/cart/update/{line}/", json={"quantity": quantity}, headers=shopper), 422)
    assert [(i["label"], i["quantity"]) for i in cart(client, shopper)["items"]] == [("One", 1)]


@pytest.mark.parametrize("body, status", [
    ({"product_id": 999999}, 404), ({"product_id": 999999, "variant_id": 999998}, 404),
    ({"product_id": "1"}, 422), ({"product_id": 2**63}, 422), ({"product_id": 1, "variant_id": 2**64}, 422),
    ({"product_id": 1, "variant_id": "x"}, 422), ({}, 422), ({"product_id": 1, "user_id": 8}, 422),
])
def test_unknown_or_malformed_ids_are_refused(client, shopper, shirt, body, status):
    response = client.post("/api/cart/add/", json=body, headers=shopper)
    assert_problem(response, status)
    assert cart(client, shopper)["items"] == []


def test_a_variant_of_another_product_is_404(client, shopper, shirt):
    assert_problem(add(client, shopper, shirt["tee_product"], shirt["S"]), 404, "product_not_found")


@pytest.mark.parametrize("path", ["/api/cart/update/99999999999999999999/", "/api/cart/update/0/",
                                  "/api/cart/update/abc/"])
def test_line_ids_that_cannot_exist_are_404(client, shopper, path):
    assert_problem(client.patch(path, json={"quantity": 1}, headers=shopper), 404)


def test_concurrent_adds_of_one_variant_end_as_one_line_with_the_sum(app, shopper, shirt):
    statuses = concurrently(10, lambda _: add(app.test_client(), shopper, shirt["tee_product"], shirt["tee"], 2)
                            .status_code)
    assert sorted(statuses) == [200] * 9 + [201]
    items = cart(app.test_client(), shopper)["items"]
    assert [(i["variant_id"], i["quantity"]) for i in items] == [(shirt["tee"], 20)]


def test_concurrent_adds_never_pass_the_stock(app, shopper, shirt):
    statuses = concurrently(8, lambda _: add(app.test_client(), shopper, shirt["product"], shirt["S"], 2).status_code)
    assert statuses.count(409) == 6 and cart(app.test_client(), shopper)["items"][0]["quantity"] == 4


def test_orders_reads_the_cart_and_removes_exactly_what_it_ordered(client, shopper, shirt):
    service = {"X-Service-Token": "test-service-token"}
    add(client, shopper, shirt["product"], shirt["S"], 3)
    add(client, shopper, shirt["tee_product"], shirt["tee"], 1)
    stored = client.get("/internal/carts/7/", headers=service).get_json()["items"]
    assert [(i["variant_id"], i["quantity"], i["unit_price"]) for i in stored] == [(shirt["S"], 3, "40.00"),
                                                                                    (shirt["tee"], 1, "9.50")]
    add(client, shopper, shirt["product"], shirt["S"], 1)  # added while the order was being made
    ordered = {"key": "order-1", "lines": [{"variant_id": shirt["S"], "quantity": 3},
                                           {"variant_id": shirt["tee"], "quantity": 1}]}
    for _ in range(2):  # a retried saga step removes once
        response = client.post("/internal/carts/7/remove/", json=ordered, headers=service)
        assert response.status_code == 200
    assert [(i["variant_id"], i["quantity"]) for i in cart(client, shopper)["items"]] == [(shirt["S"], 1)]
    assert_problem(client.get("/internal/carts/7/", headers=shopper), 401, "invalid_service_token")


def test_a_line_whose_product_was_withdrawn_shows_no_stock_and_cannot_grow(client, shopper, shirt, products_app,
                                                                            make_token):
    line = add(client, shopper, shirt["tee_product"]).get_json()["items"][0]["id"]
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    assert products_app.test_client().delete("/api/products/plain-tee/", headers=staff).status_code == 204
    assert cart(client, shopper)["items"][0]["stock"] == 0
    body = assert_problem(client.patch(f"/api/cart/update/{line}/", json={"quantity": 2}, headers=shopper), 409,
                          "insufficient_stock")
    assert body["detail"] == "This item is no longer sold."


def test_a_cart_holds_a_bounded_number_of_lines(client, shopper, shirt, monkeypatch):
    from cart import service

    monkeypatch.setattr(service, "MAX_LINES", 2)
    add(client, shopper, shirt["product"], shirt["S"])
    add(client, shopper, shirt["product"], shirt["M"])
    assert_problem(add(client, shopper, shirt["tee_product"]), 409, "cart_full")
    assert add(client, shopper, shirt["product"], shirt["S"]).status_code == 200  # an existing line may grow


def test_a_removal_key_belongs_to_one_user_and_one_set_of_lines(client, shopper, other_shopper, shirt):
    service = {"X-Service-Token": "test-service-token"}
    add(client, shopper, shirt["product"], shirt["S"], 2)
    add(client, other_shopper, shirt["product"], shirt["S"], 2)
    ordered = {"key": "order-9", "lines": [{"variant_id": shirt["S"], "quantity": 1}]}
    assert client.post("/internal/carts/7/remove/", json=ordered, headers=service).status_code == 200
    assert client.post("/internal/carts/8/remove/", json=ordered, headers=service).status_code == 200
    other = {"key": "order-9", "lines": [{"variant_id": shirt["S"], "quantity": 2}]}
    assert_problem(client.post("/internal/carts/7/remove/", json=other, headers=service), 422,
                   "idempotency_key_reused")
    assert cart(client, shopper)["items"][0]["quantity"] == 1
    assert cart(client, other_shopper)["items"][0]["quantity"] == 1


def test_products_answering_something_unexpected_counts_as_unavailable(shop_app, products_server, shopper, shirt):
    from cart import create_app

    wrong = shop_app(create_app, SERVICE_TOKEN="not-the-right-one", PRODUCTS_URL=products_server.url)
    client = wrong.test_client()
    assert_problem(add(client, shopper, shirt["tee_product"]), 503, "products_unavailable")
    from decimal import Decimal

    from cart.models import CartItem, db

    with wrong.app_context():  # a line saved earlier, while products still accepted this service
        db.session.add(CartItem(user_id=7, product_id=shirt["tee_product"], variant_id=shirt["tee"], quantity=1,
                                slug="plain-tee", name="Plain tee", label="One", unit_price=Decimal("9.50"), stock=20))
        db.session.commit()
    view = cart(client, shopper)
    assert view["stale"] is True and view["items"][0]["unit_price"] == "9.50"


def test_an_add_sent_again_with_its_key_adds_nothing_twice(client, shopper, shirt):
    keyed = {**shopper, "Idempotency-Key": "a1b2c3"}
    first = add(client, keyed, shirt["product"], shirt["S"], 2)
    again = add(client, keyed, shirt["product"], shirt["S"], 2)

    assert (first.status_code, again.status_code) == (201, 201)  # as the first answered
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    assert [line["quantity"] for line in cart(client, shopper)["items"]] == [2]
    grown = add(client, {**shopper, "Idempotency-Key": "d4e5f6"}, shirt["product"], shirt["S"], 1)
    assert grown.status_code == 200 and grown.get_json()["total_quantity"] == 3


def test_an_add_key_with_another_add_is_422_and_changes_nothing(client, shopper, other_shopper, shirt):
    keyed = {**shopper, "Idempotency-Key": "one-key"}
    add(client, keyed, shirt["product"], shirt["S"], 1)

    assert_problem(add(client, keyed, shirt["product"], shirt["S"], 2), 422, "idempotency_key_reused")
    assert_problem(add(client, keyed, shirt["tee_product"], shirt["tee"], 1), 422, "idempotency_key_reused")
    assert [line["quantity"] for line in cart(client, shopper)["items"]] == [1]
    # a key is the user's own: another shopper's add with it is theirs
    assert add(client, {**other_shopper, "Idempotency-Key": "one-key"}, shirt["product"], shirt["S"], 2
               ).status_code == 201


def test_concurrent_adds_with_one_key_add_once(app, shopper, shirt):
    keyed = {**shopper, "Idempotency-Key": "double-click"}
    answers = concurrently(6, lambda _: add(app.test_client(), keyed, shirt["product"], shirt["S"], 1))

    assert sorted(a.status_code for a in answers) == [201] * 6, [a.get_json() for a in answers]
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 5
    assert [line["quantity"] for line in cart(app.test_client(), shopper)["items"]] == [1]


def test_an_add_key_is_forgotten_after_a_day(app, client, shopper, shirt):
    from sqlalchemy import text

    from cart.models import db
    from cart.service import forget_add_keys

    add(client, {**shopper, "Idempotency-Key": "old"}, shirt["product"], shirt["S"], 1)
    add(client, {**shopper, "Idempotency-Key": "new"}, shirt["product"], shirt["S"], 1)
    with app.app_context():
        db.session.execute(text("UPDATE cart_adds SET created_at = now() - interval '25 hours' WHERE key = 'old'"))
        db.session.commit()
        assert forget_add_keys() == 1
    assert add(client, {**shopper, "Idempotency-Key": "old"}, shirt["product"], shirt["S"], 1).status_code == 200
    assert add(client, {**shopper, "Idempotency-Key": "new"}, shirt["product"], shirt["S"], 1).status_code == 200
    assert [line["quantity"] for line in cart(client, shopper)["items"]] == [3]


def test_the_cart_shows_names_and_labels_in_the_language_asked_for(client, shopper, shirt, catalogue):
    translated = catalogue.client.patch("/api/products/linen-shirt/", headers=catalogue.staff, json={
        "translations": {"ru": {"name": "Льняная рубашка", "values": {"S": "Маленький"}}}})
    assert translated.status_code == 200, translated.get_json()
    added = client.post("/api/cart/add/", json={"product_id": shirt["product"], "variant_id": shirt["S"]},
                        headers={**shopper, "Accept-Language": "ru-RU,ru;q=0.9"})
    assert added.status_code == 201
    assert [(i["name"], i["label"]) for i in added.get_json()["items"]] == [("Льняная рубашка", "Маленький")]
    assert client.get("/api/cart/", headers={**shopper, "Accept-Language": "ru"}).headers["Content-Language"] == "ru"
    russian = cart(client, {**shopper, "Accept-Language": "ru"})
    assert [(i["name"], i["label"]) for i in russian["items"]] == [("Льняная рубашка", "Маленький")]
    english = cart(client, {**shopper, "Accept-Language": "en"})
    assert [(i["name"], i["label"]) for i in english["items"]] == [("Linen shirt", "S")]
    assert [(i["name"], i["label"]) for i in cart(client, shopper)["items"]] == [("Linen shirt", "S")]
