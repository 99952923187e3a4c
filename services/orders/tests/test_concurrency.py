"""Checkout under concurrency: the last units are never oversold, and one Idempotency-Key makes one order."""

from __future__ import annotations

import pytest

from shop_common.testing import concurrently


@pytest.mark.parametrize("round_", range(5))
def test_200_checkouts_for_the_last_10_units_make_exactly_10_orders(shop, catalogue, count_orders, repair, round_):
    product_id, (variant,) = catalogue.product("Last pair", ("42", "120.00", 10))
    shoppers = [shop.user(1000 + n) for n in range(200)]
    for user in shoppers:  # each has one unit in the cart: all 200 passed the cart's stock check
        shop.add(user, product_id, variant, 1)

    answers = concurrently(200, lambda n: shop.order(shoppers[n], key=f"round-{round_}"))
    # 200 checkouts at once on a small, shared machine may find products too slow to answer in time: a 503 with
    # Retry-After, which changed nothing. A client sends it again with the same key, as these do.
    for n, answer in enumerate(answers):
        for _ in range(3):
            if answer.status_code != 503:
                break
            assert answer.headers.get("Retry-After"), answer.get_json()
            answer = answers[n] = shop.order(shoppers[n], key=f"round-{round_}")

    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 190, [a.get_json() for a in answers if a.status_code != 409][:12]
    assert all(a.get_json()["code"] == "insufficient_stock" for a in answers if a.status_code == 409)
    assert catalogue.stock("last-pair") == {variant: 0}
    assert count_orders() == 10
    # a winner whose cart the cart service was too busy to empty in time has its 201, and the repair empties
    # it once the checkout is stale (CHECKOUT_STALE_SECONDS): one round of it here, as the background runs it
    repair()
    for user, answer in zip(shoppers, answers, strict=True):  # winners' carts emptied, the others' kept
        assert shop.cart(user) == ([] if answer.status_code == 201 else [(variant, 1)])


def test_50_parallel_creates_with_one_key_make_one_order(shop, catalogue, count_orders):
    product_id, (variant,) = catalogue.product("Lamp", ("One size", "80.00", 20))
    alice = shop.user(7)
    shop.add(alice, product_id, variant, 2)

    answers = concurrently(50, lambda n: shop.order(alice, key="one-key"))

    assert {a.status_code for a in answers} <= {200, 201, 409}, [a.get_json() for a in answers]
    ids = {a.get_json()["id"] for a in answers if a.status_code in (200, 201)}
    assert len(ids) == 1
    assert all(a.get_json()["code"] == "idempotency_key_in_use" for a in answers if a.status_code == 409)
    assert count_orders() == 1
    assert catalogue.stock("lamp") == {variant: 18}
    assert sum(1 for a in answers if "Idempotent-Replayed" not in a.headers and a.status_code == 201) == 1


def test_parallel_checkouts_of_one_cart_with_different_keys_make_one_order(shop, catalogue, count_orders):
    product_id, (variant,) = catalogue.product("Lamp", ("One size", "80.00", 20))
    alice = shop.user(7)
    shop.add(alice, product_id, variant, 2)

    answers = concurrently(10, lambda n: shop.order(alice, key=f"click-{n}"))  # a double click, ten times over

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9, [a.get_json() for a in answers]
    assert {a.get_json()["code"] for a in answers if a.status_code == 409} <= {"checkout_in_progress", "cart_empty"}
    assert count_orders() == 1 and catalogue.stock("lamp") == {variant: 18}


def test_a_checkout_between_an_order_and_the_emptying_of_its_cart_is_refused(shop, catalogue, count_orders,
                                                                              monkeypatch):
    """The second tab's checkout comes after the first stored its order but before it took the lines out of
    the cart: it must not order the same lines again."""
    from orders import checkout

    product_id, (variant,) = catalogue.product("Twin Mug", ("One size", "9.00", 10))
    alice = shop.user(8)
    shop.add(alice, product_id, variant, 2)
    second = []

    def after(step: str) -> None:
        if step == "order stored" and not second:
            second.append(shop.order(alice, key="second-tab"))

    monkeypatch.setattr(checkout, "after", after)
    first = shop.order(alice, key="first-tab")

    assert first.status_code == 201, first.get_json()
    assert second[0].status_code == 409 and second[0].get_json()["code"] == "checkout_in_progress"
    assert count_orders() == 1
    assert catalogue.stock("twin-mug") == {variant: 8}
    assert shop.cart(alice) == []
