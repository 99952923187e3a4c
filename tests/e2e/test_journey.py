"""The journey of CONTRACT.md, through the gateway as the SPA makes it: sign up, log in, browse, fill the
cart, order, look back, cancel, log out, and the emails that come of it in the stack's SMTP sink."""

from __future__ import annotations

import re
import uuid

import pytest

from shop_common.testing import assert_problem

CARD = {"id", "slug", "name", "price", "price_max", "currency", "image", "category", "in_stock", "stock",
        "image_sizes"}


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [card["name"] for card in response.json()["results"]]


# -- accounts ------------------------------------------------------------------------------------------------


def test_registering_answers_the_public_fields_refuses_duplicates_and_sends_a_welcome(stack, client):
    username = f"ada-{uuid.uuid4().hex[:8]}"
    account = {"username": username, "email": f"{username}@example.com", "password": "correct horse battery",
               "first_name": "Ada", "last_name": "Lovelace"}

    created = client.post("/api/auth/register/", json=account)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {"id": body["id"], "username": username, "email": account["email"], "first_name": "Ada",
                    "last_name": "Lovelace"}
    same_name = client.post("/api/auth/register/", json={**account, "email": f"other-{account['email']}"})
    assert_problem(same_name, 409, "username_taken")
    same_email = client.post("/api/auth/register/", json={**account, "username": f"{username}-2",
                                                          "email": account["email"].upper()})
    assert_problem(same_email, 409, "email_taken")
    [welcome] = stack.wait_for_mail(account["email"], "Welcome")
    assert welcome["Subject"] == "Welcome to Shop, Ada!"
    text = welcome.get_body(("plain",)).get_content()
    assert username in text

    # the welcome's link verifies the email, once, through the gateway
    token = re.search(r"/verify-email#token=([\w-]+)", text).group(1)
    assert client.post("/api/auth/verify-email/", json={"token": token}).status_code == 204
    assert_problem(client.post("/api/auth/verify-email/", json={"token": token}), 400, "invalid_token")
    tokens = stack.login(username, account["password"]).json()
    profile = client.get("/api/users/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}).json()
    assert (profile["email_verified"], profile["verified_email"]) == (True, account["email"])


def test_logging_in_works_with_the_username_or_the_email(stack, client):
    shopper = stack.register("login")
    for identifier in (shopper.username, shopper.email.upper()):
        login = stack.login(identifier)
        assert login.status_code == 200, login.text
        tokens = login.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
        profile = client.get("/api/users/profile/", headers={"Authorization": f"Bearer {tokens['access']}"})
        assert profile.status_code == 200 and profile.json()["id"] == shopper.id
    wrong = stack.login(shopper.username, "not the password at all")
    assert_problem(wrong, 401, "invalid_credentials")


def test_refresh_rotates_the_refresh_token_and_reusing_an_old_one_ends_the_session(client, register_and_login):
    shopper = register_and_login("refresh")

    rotated = client.post("/api/auth/refresh/", json={"refresh": shopper.refresh})

    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()
    assert fresh["refresh"] != shopper.refresh and fresh["access"] != shopper.access
    assert client.get("/api/cart/", headers={"Authorization": f"Bearer {fresh['access']}"}).status_code == 200
    # the old refresh token again, once the new one was used: someone copied it. The whole family dies, the
    # newest tokens included (a repeat while the new one is unused, within seconds, gets the same pair)
    newest = client.post("/api/auth/refresh/", json={"refresh": fresh["refresh"]})
    assert newest.status_code == 200, newest.text
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": shopper.refresh}), 401, "token_reused")
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": newest.json()["refresh"]}), 401)
    for token in (shopper.access, fresh["access"], newest.json()["access"]):
        assert_problem(client.get("/api/users/profile/", headers={"Authorization": f"Bearer {token}"}), 401)


def test_the_profile_shows_the_account_and_keeps_what_is_changed(stack, client):
    shopper = stack.shopper("profile")  # a minted token: the tests above and below log in for real

    profile = client.get("/api/users/profile/", headers=shopper.headers)

    assert profile.status_code == 200
    assert set(profile.json()) == {"id", "username", "email", "first_name", "last_name", "phone", "date_joined",
                                   "is_staff", "email_verified", "verified_email", "language"}
    assert (profile.json()["email_verified"], profile.json()["verified_email"]) == (False, None)
    assert (profile.json()["id"], profile.json()["username"]) == (shopper.id, shopper.username)
    change = {"first_name": "Grace", "last_name": "Hopper", "phone": "+1 202 555 0143"}
    changed = client.patch("/api/users/profile/", json=change, headers=shopper.headers)
    assert changed.status_code == 200, changed.text
    again = client.get("/api/users/profile/", headers=shopper.headers).json()
    assert {k: again[k] for k in change} == change and again["username"] == shopper.username


def test_logout_kills_both_tokens_on_every_service(client, register_and_login):
    shopper = register_and_login("logout")

    out = client.post("/api/auth/logout/", json={"refresh": shopper.refresh}, headers=shopper.headers)

    assert out.status_code == 204, out.text
    for path in ("/api/users/profile/", "/api/cart/", "/api/order/list/"):
        assert_problem(client.get(path, headers=shopper.headers), 401)
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": shopper.refresh}), 401)


# -- the catalogue -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shelf(stack):
    """A category of its own with three products, made in this order (so the teapot is the newest)."""
    category = stack.new_category("Tea things")
    return {
        "category": category,
        "samovar": stack.new_product(category, "Brass Samovar", ("Standard", "120.00", 2),
                                     description="Heats water for tea all afternoon."),
        "kettle": stack.new_product(category, "Enamel Kettle", ("Red", "30.00", 6), ("Blue", "35.00", 4)),
        "teapot": stack.new_product(category, "Tin Teapot", ("Plain", "15.00", 0)),
    }


@pytest.mark.parametrize("query, expected", [
    ("", ["Enamel Kettle", "Brass Samovar", "Tin Teapot"]),  # newest first, the sold-out teapot last
    ("&ordering=price", ["Tin Teapot", "Enamel Kettle", "Brass Samovar"]),
    ("&ordering=-price", ["Brass Samovar", "Enamel Kettle", "Tin Teapot"]),
    ("&ordering=name", ["Brass Samovar", "Enamel Kettle", "Tin Teapot"]),
    ("&ordering=-name", ["Tin Teapot", "Enamel Kettle", "Brass Samovar"]),
    ("&ordering=-created_at", ["Enamel Kettle", "Brass Samovar", "Tin Teapot"]),
    ("&in_stock=true&ordering=name", ["Brass Samovar", "Enamel Kettle"]),
    ("&in_stock=false", ["Tin Teapot"]),
    ("&min_price=16&ordering=price", ["Enamel Kettle", "Brass Samovar"]),
    ("&max_price=32.50&ordering=price", ["Tin Teapot", "Enamel Kettle"]),
    ("&min_price=16&max_price=119.99", ["Enamel Kettle"]),
    ("&search=samovar", ["Brass Samovar"]),
    ("&search=kettle&in_stock=false", []),
])
def test_the_catalogue_filters_and_orders_a_category(client, shelf, query, expected):
    assert names(client.get(f"/api/products/?category={shelf['category']}{query}")) == expected


def test_the_catalogue_is_paged_with_links_through_the_gateway(stack, client, shelf):
    category = shelf["category"]
    first = client.get(f"/api/products/?category={category}&page_size=2&ordering=name")
    assert first.status_code == 200
    page = first.json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["previous"] is None
    assert all(set(card) == CARD for card in page["results"])
    assert page["next"].startswith(f"{stack.public_url}/api/products/?") and "page=2" in page["next"]
    second = client.get(page["next"]).json()
    assert [card["name"] for card in second["results"]] == [shelf["teapot"]["name"]]
    assert second["next"] is None and "page=1" in second["previous"]
    assert_problem(client.get(f"/api/products/?category={category}&page_size=2&page=3"), 404, "page_not_found")
    # the whole catalogue: the demo's 45 products and what the tests added
    everything = client.get("/api/products/?page_size=100").json()
    assert everything["count"] >= 48 and len(everything["results"]) == min(everything["count"], 100)
    assert len(client.get("/api/products/?page=2&page_size=5").json()["results"]) == 5
    demo = client.get("/api/products/?search=linen").json()
    assert demo["count"] >= 2 and all("linen" in (c["name"] + c["slug"]).lower() for c in demo["results"][:2])


def test_a_product_detail_by_slug_and_the_categories(client, shelf):
    kettle, category = shelf["kettle"], shelf["category"]

    detail = client.get(f"/api/products/{kettle['slug']}/")

    assert detail.status_code == 200
    body = detail.json()
    assert CARD | {"description", "attributes", "images", "variants"} <= set(body)
    assert (body["name"], body["price"], body["currency"]) == (kettle["name"], "30.00", "USD")
    assert body["category"] == {"slug": category, "name": body["category"]["name"]}
    assert [(v["label"], v["price"], v["stock"], v["in_stock"]) for v in body["variants"]] == [
        ("Red", "30.00", 6, True), ("Blue", "35.00", 4, True)]
    assert body["stock"] == 10 and body["in_stock"] is True
    assert_problem(client.get("/api/products/no-such-product-here/"), 404, "product_not_found")
    categories = client.get("/api/categories/")
    assert categories.status_code == 200
    ours = next(c for c in categories.json() if c["slug"] == category)
    assert {"id", "name", "slug", "product_count"} <= set(ours) and ours["product_count"] == 3
    assert {"knitwear", "footwear", "outerwear"} <= {c["slug"] for c in categories.json()}  # the demo's


# -- the cart ----------------------------------------------------------------------------------------------


def test_the_cart_makes_one_line_per_variant_and_changes_it(stack, client, shelf):
    shopper = stack.shopper("cart")
    kettle = shelf["kettle"]
    red, blue = (v["id"] for v in kettle["variants"])

    def add(variant_id, quantity=1):
        return client.post("/api/cart/add/", headers=shopper.headers,
                           json={"product_id": kettle["id"], "variant_id": variant_id, "quantity": quantity})

    first = add(red)
    assert first.status_code == 201, first.text
    grown = add(red, 2)
    assert grown.status_code == 200, grown.text
    [line] = grown.json()["items"]
    assert (line["variant_id"], line["quantity"], line["unit_price"], line["line_total"]) == (red, 3, "30.00", "90.00")
    assert add(blue).status_code == 201
    cart = client.get("/api/cart/", headers=shopper.headers).json()
    assert [(i["variant_id"], i["quantity"]) for i in cart["items"]] == [(red, 3), (blue, 1)]
    assert (cart["total_quantity"], cart["total_price"], cart["currency"]) == (4, "125.00", "USD")
    assert_problem(client.post("/api/cart/add/", json={"product_id": kettle["id"]}, headers=shopper.headers),
                   422, "variant_required")

    red_line, blue_line = (i["id"] for i in cart["items"])
    updated = client.patch(f"/api/cart/update/{red_line}/", json={"quantity": 5}, headers=shopper.headers)
    assert updated.status_code == 200 and updated.json()["items"][0]["quantity"] == 5
    too_many = client.patch(f"/api/cart/update/{red_line}/", json={"quantity": 7}, headers=shopper.headers)
    assert_problem(too_many, 409, "insufficient_stock")
    assert client.delete(f"/api/cart/delete/{blue_line}/", headers=shopper.headers).status_code == 204
    cart = client.get("/api/cart/", headers=shopper.headers).json()
    assert [(i["id"], i["quantity"]) for i in cart["items"]] == [(red_line, 5)]
    assert client.post("/api/cart/clear/", headers=shopper.headers).status_code == 204
    cart = client.get("/api/cart/", headers=shopper.headers).json()
    assert (cart["items"], cart["total_quantity"], cart["total_price"]) == ([], 0, "0.00")


# -- orders ------------------------------------------------------------------------------------------------


def test_an_order_from_the_cart_to_its_cancellation_with_its_emails(stack, client, register_and_login, category,
                                                                     shipping):
    shopper = register_and_login("order")
    jug = stack.new_product(category, "Copper Jug", ("One size", "12.50", 10))
    variant = jug["variants"][0]["id"]

    def add(quantity):
        added = client.post("/api/cart/add/", headers=shopper.headers,
                            json={"product_id": jug["id"], "variant_id": variant, "quantity": quantity})
        assert added.status_code == 201, added.text

    def order(key, **body):
        return client.post("/api/order/create/", json={"shipping": shipping, **body},
                           headers={**shopper.headers, "Idempotency-Key": key})

    assert_problem(order(str(uuid.uuid4())), 409, "cart_empty")
    add(3)
    key = str(uuid.uuid4())
    created = order(key, comment="Ring twice")
    assert created.status_code == 201, created.text
    first = created.json()
    assert re.fullmatch(r"\d{3}-\d{3}-\d{3}", first["number"]) and first["status"] in ("pending", "confirmed")
    assert first["items"] == [{"product_id": jug["id"], "variant_id": variant, "name": jug["name"],
                               "label": "One size", "unit_price": "12.50", "quantity": 3, "line_total": "37.50"}]
    assert (first["total_price"], first["currency"]) == ("37.50", "USD")
    assert (first["shipping"], first["comment"]) == (shipping, "Ring twice")
    assert client.get("/api/cart/", headers=shopper.headers).json()["items"] == []
    assert stack.product(jug["slug"])["stock"] == 7

    replayed = order(key, comment="Ring twice")
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == first
    assert "Idempotent-Replayed" not in created.headers
    assert_problem(order(key, comment="Ring three times"), 422, "idempotency_key_reused")
    assert stack.product(jug["slug"])["stock"] == 7

    add(1)
    second = order(str(uuid.uuid4()))
    assert second.status_code == 201, second.text
    history = client.get("/api/order/list/", headers=shopper.headers).json()
    assert history["count"] == 2 and [o["id"] for o in history["results"]] == [second.json()["id"], first["id"]]
    detail = client.get(f"/api/order/{first['id']}/", headers=shopper.headers)
    assert detail.status_code == 200 and detail.json()["number"] == first["number"]
    assert stack.product(jug["slug"])["stock"] == 6

    cancelled = client.post(f"/api/order/{first['id']}/cancel/", headers=shopper.headers)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert stack.product(jug["slug"])["stock"] == 9  # the three units are back on sale
    again = client.post(f"/api/order/{first['id']}/cancel/", headers=shopper.headers)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert stack.product(jug["slug"])["stock"] == 9
    assert client.get(f"/api/order/{first['id']}/", headers=shopper.headers).json()["status"] == "cancelled"
    # staff ship the second order: from then on it cannot be cancelled
    shipped = client.post(f"/api/order/{second.json()['id']}/status/", json={"status": "shipped"},
                          headers=stack.staff_headers())
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped", shipped.text
    late = client.post(f"/api/order/{second.json()['id']}/cancel/", headers=shopper.headers)
    assert_problem(late, 409, "not_cancellable")
    assert stack.product(jug["slug"])["stock"] == 9

    for number in (first["number"], second.json()["number"]):
        [confirmation] = stack.wait_for_mail(shopper.email, f"Thank you for your order {number}")
        assert number in confirmation.get_body(("plain",)).get_content()
    [cancellation] = stack.wait_for_mail(shopper.email, f"Your order {first['number']} has been cancelled")
    assert "Copper Jug" in cancellation.get_body(("plain",)).get_content()
    stack.wait_for_mail(shopper.email, f"Your order {second.json()['number']} is on its way")
    stack.wait_for_mail(shopper.email, "Welcome")
    # each once, and nothing else: welcome, two confirmations, the cancellation, the shipping
    assert len(stack.mail_to(shopper.email)) == 5


def test_the_confirmation_email_does_not_promise_an_email_that_never_comes(stack, client, category):
    # checkout answers with the order confirmed already, and that move sends no email of its own
    shopper = stack.shopper("promise")
    mug = stack.new_product(category, "Tin Mug", ("One size", "8.00", 5))
    assert client.post("/api/cart/add/", json={"product_id": mug["id"]}, headers=shopper.headers).status_code == 201
    created = stack.checkout(shopper, str(uuid.uuid4()))
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    [confirmation] = stack.wait_for_mail(shopper.email, created.json()["number"])
    text = " ".join(confirmation.get_body(("plain",)).get_content().split())
    assert "will write again as soon as it is confirmed" not in text
