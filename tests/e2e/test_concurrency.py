"""Shoppers at the same moment, through the gateway: the last units are never oversold, one Idempotency-Key
makes one order, and racing requests of one shopper leave one cart line, one cancellation, one order.

The shoppers are real accounts with access tokens minted with the stack's development key (see
`Stack.mint_token`): the gateway lets one address log in only 10 times a minute."""

from __future__ import annotations

import uuid
from collections import Counter

from shop_common.testing import assert_problem, concurrently


def fill_cart(stack, shopper, product, quantity=1):
    stack.add_to_cart(shopper, product["id"], product["variants"][0]["id"], quantity)


def test_the_last_units_are_never_oversold(stack, category):
    shoppers = concurrently(40, lambda n: stack.shopper(f"rush-{n}"))
    product = stack.new_product(category, "Last Lantern", ("One size", "49.00", 100))
    variant = product["variants"][0]["id"]
    concurrently(40, lambda n: fill_cart(stack, shoppers[n], product))
    # staff set the shelf to five units after the carts were filled, as a stock count would
    restocked = stack.request("PATCH", f"/api/products/{product['slug']}/variants/{variant}/", json={"stock": 5},
                              headers=stack.staff_headers())
    assert restocked.status_code == 200 and restocked.json()["stock"] == 5

    answers = concurrently(40, lambda n: stack.checkout(shoppers[n], key=str(uuid.uuid4())))

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 5, 409: 35}, {a.status_code: a.text[:200] for a in answers}
    for answer in answers:
        if answer.status_code == 409:
            body = assert_problem(answer, 409, "insufficient_stock")
            assert body["lines"][0]["variant_id"] == variant and body["lines"][0]["available"] == 0
    detail = stack.product(product["slug"])
    assert (detail["stock"], detail["in_stock"]) == (0, False)
    assert stack.get(f"/api/products/?category={category}&in_stock=true&search=lantern").json()["count"] == 0
    winners = [s for s, a in zip(shoppers, answers, strict=True) if a.status_code == 201]
    losers = [s for s, a in zip(shoppers, answers, strict=True) if a.status_code == 409]
    assert all(len(stack.orders(s)) == 1 for s in winners)
    assert all(stack.orders(s) == [] for s in losers[:5])
    # a refusal takes nothing: the losers' carts still hold their unit
    assert all(stack.get("/api/cart/", headers=s.headers).json()["total_quantity"] == 1 for s in losers[:5])


def test_one_idempotency_key_makes_one_order_however_many_requests_carry_it(stack, category):
    shopper = stack.shopper("retrier")
    product = stack.new_product(category, "Patient Teapot", ("One size", "30.00", 50))
    fill_cart(stack, shopper, product, 2)
    key = str(uuid.uuid4())

    answers = concurrently(20, lambda n: stack.checkout(shopper, key=key, comment="once"))

    assert {a.status_code for a in answers} <= {200, 201, 409}, [a.text[:200] for a in answers]
    made = {a.json()["id"] for a in answers if a.status_code in (200, 201)}
    assert len(made) == 1, made
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "idempotency_key_in_use")
            assert answer.headers["Retry-After"]
    assert [o["id"] for o in stack.orders(shopper)] == list(made)
    assert stack.product(product["slug"])["stock"] == 48
    later = stack.checkout(shopper, key=key, comment="once")
    assert later.status_code == 201 and later.json()["id"] in made
    assert later.headers["Idempotent-Replayed"] == "true"


def test_parallel_adds_of_one_variant_make_one_line(stack, category):
    shopper = stack.shopper("clicker")
    product = stack.new_product(category, "Busy Bottle", ("One size", "4.00", 100))
    variant = product["variants"][0]["id"]

    answers = concurrently(20, lambda n: stack.post("/api/cart/add/", headers=shopper.headers,
                                                   json={"product_id": product["id"], "variant_id": variant}))

    assert Counter(a.status_code for a in answers) == {201: 1, 200: 19}, [a.text[:200] for a in answers]
    cart = stack.get("/api/cart/", headers=shopper.headers).json()
    assert [(line["variant_id"], line["quantity"]) for line in cart["items"]] == [(variant, 20)]


def test_parallel_cancels_give_the_stock_back_once(stack, category):
    shopper = stack.shopper("canceller")
    product = stack.new_product(category, "Fickle Fork", ("One size", "3.00", 10))
    fill_cart(stack, shopper, product, 4)
    placed = stack.checkout(shopper, key=str(uuid.uuid4()))
    assert placed.status_code == 201, placed.text
    assert stack.product(product["slug"])["stock"] == 6

    answers = concurrently(10, lambda n: stack.post(f"/api/order/{placed.json()['id']}/cancel/",
                                                    headers=shopper.headers))

    assert [a.status_code for a in answers] == [200] * 10, [a.text[:200] for a in answers]
    assert {a.json()["status"] for a in answers} == {"cancelled"}
    assert stack.product(product["slug"])["stock"] == 10


def test_a_cart_is_ordered_once_however_many_checkouts_race_for_it(stack, category):
    shopper = stack.shopper("double-clicker")
    product = stack.new_product(category, "Twin Tumbler", ("One size", "11.00", 100))
    fill_cart(stack, shopper, product, 2)

    # two tabs, a double click: each request with a key of its own (as a client makes one per attempt)
    answers = concurrently(10, lambda n: stack.checkout(shopper, key=str(uuid.uuid4())))

    assert Counter(a.status_code for a in answers) == {201: 1, 409: 9}, [a.text[:200] for a in answers]
    for answer in answers:
        if answer.status_code == 409:  # refused while the first runs, or after it emptied the cart
            assert assert_problem(answer, 409)["code"] in {"checkout_in_progress", "cart_empty"}
    assert len(stack.orders(shopper)) == 1
    assert stack.product(product["slug"])["stock"] == 98
    assert stack.get("/api/cart/", headers=shopper.headers).json()["items"] == []
