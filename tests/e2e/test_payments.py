"""Paying by card through the gateway, as shoppers and the provider meet the shop: the sandbox's page (served by
payments, reached at the order's `redirect_url`), its signed webhook coming in through the front door like
Stripe's would, and many shoppers paying for the last units at once."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from urllib.parse import urljoin, urlsplit

import psycopg
import requests

from shop_common.testing import CARD_DECLINED, CARD_PAID, assert_problem, concurrently, fill_card_form, servers


def pay(stack, order: dict, card: str) -> requests.Response:
    """The shopper on the page of `redirect_url` (the stack's public URL names localhost; asked here of the
    gateway itself), the card typed in and sent; the redirect back to the shop is not followed."""
    page_url = stack.url + urlsplit(order["payment"]["redirect_url"]).path
    page = requests.get(page_url, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text[:300]
    action, fields = fill_card_form(page.text, card)
    return requests.post(urljoin(page_url, action), data=fields, allow_redirects=False, timeout=60)


def settled(stack, shopper, order_id: int, timeout: float = 30) -> dict:
    """The order once its payment is no longer `requires_action`."""
    deadline = time.monotonic() + timeout
    while True:
        order = stack.get(f"/api/order/{order_id}/", headers=shopper.headers).json()
        if order["payment"]["status"] != "requires_action" or time.monotonic() > deadline:
            return order
        time.sleep(0.2)


def card_checkout(stack, shopper, **body) -> requests.Response:
    return stack.checkout(shopper, key=str(uuid.uuid4()), payment_method="card", **body)


def test_the_shop_offers_cards_through_its_sandbox(stack):
    methods = stack.get("/api/payments/methods/")
    assert methods.status_code == 200
    assert methods.json() == {"methods": ["cash_on_delivery", "card"], "provider": "sandbox"}


def test_paid_by_card_the_order_is_confirmed_by_the_webhook_and_the_email_says_paid(stack, category):
    shopper = stack.shopper("payer")
    product = stack.new_product(category, "Card Candle", ("One size", "12.50", 10))
    stack.add_to_cart(shopper, product["id"], product["variants"][0]["id"], 2)

    placed = card_checkout(stack, shopper)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "awaiting_payment" and order["payment"]["status"] == "requires_action"
    assert stack.product(product["slug"])["stock"] == 8  # held while it is paid
    back = pay(stack, order, CARD_PAID)

    assert back.status_code == 303
    assert back.headers["Location"] == f"{stack.public_url}/orders/{order['id']}/payment"
    paid = settled(stack, shopper, order["id"])
    assert (paid["status"], paid["payment"]["status"]) == ("confirmed", "paid")
    mail = stack.wait_for_mail(shopper.email, f"Thank you for your order {order['number']}")[0]
    assert "Paid by card" in mail.get_body(("plain",)).get_content()


def test_a_declined_card_cancels_the_order_and_puts_the_stock_back(stack, category):
    shopper = stack.shopper("declined")
    product = stack.new_product(category, "Declined Dish", ("One size", "20.00", 3))
    stack.add_to_cart(shopper, product["id"], product["variants"][0]["id"], 3)
    order = card_checkout(stack, shopper).json()
    assert stack.product(product["slug"])["stock"] == 0

    pay(stack, order, CARD_DECLINED)

    failed = settled(stack, shopper, order["id"])
    assert (failed["status"], failed["payment"]["status"]) == ("cancelled", "failed")
    deadline = time.monotonic() + 10
    while stack.product(product["slug"])["stock"] != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.product(product["slug"])["stock"] == 3
    mail = stack.wait_for_mail(shopper.email, f"Your order {order['number']} has been cancelled")[0]
    assert "declined" in mail.get_body(("plain",)).get_content()


def test_a_webhook_with_a_bad_or_old_signature_is_400_through_the_gateway(stack):
    body = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "checkout.session.completed",
                       "data": {"object": {"id": "cs_test_nothing"}}}).encode()
    old = int(time.time()) - 3600
    forged = hmac.new(b"not the secret", f"{old}.".encode() + body, hashlib.sha256).hexdigest()
    for header in ("", f"t={old},v1={forged}", f"t={int(time.time())},v1={'0' * 64}"):
        answer = stack.post("/api/payments/webhooks/sandbox/", data=body,
                            headers={"Content-Type": "application/json", "Stripe-Signature": header})
        assert_problem(answer, 400, "invalid_signature")


def test_200_shoppers_paying_by_card_for_the_last_10_units_make_exactly_10_paid_orders(stack, category):
    shoppers = concurrently(200, lambda n: stack.shopper(f"card-rush-{n}"), timeout=300)
    product = stack.new_product(category, "Last Lamp", ("One size", "35.00", 500))
    variant = product["variants"][0]["id"]
    concurrently(200, lambda n: stack.add_to_cart(shoppers[n], product["id"], variant, 1), timeout=300)
    # staff count the shelf after the carts were filled: ten left
    restocked = stack.request("PATCH", f"/api/products/{product['slug']}/variants/{variant}/", json={"stock": 10},
                              headers=stack.staff_headers())
    assert restocked.status_code == 200 and restocked.json()["stock"] == 10

    answers = concurrently(200, lambda n: card_checkout(stack, shoppers[n]), timeout=300)

    assert Counter(a.status_code for a in answers) == {201: 10, 409: 190}, Counter(a.text[:120] for a in answers)
    assert all(a.json()["code"] == "insufficient_stock" for a in answers if a.status_code == 409)
    placed = [(shopper, answer.json()) for shopper, answer in zip(shoppers, answers, strict=True)
              if answer.status_code == 201]
    assert stack.product(product["slug"])["stock"] == 0

    paid = concurrently(10, lambda n: pay(stack, placed[n][1], CARD_PAID), timeout=300)

    assert [answer.status_code for answer in paid] == [303] * 10
    orders = [settled(stack, shopper, order["id"], timeout=60) for shopper, order in placed]
    assert [(o["status"], o["payment"]["status"]) for o in orders] == [("confirmed", "paid")] * 10
    assert stack.product(product["slug"])["stock"] == 0  # no unit oversold, none given back
    if stack.database_prefix != "shop_":  # a stack of this run: its databases can be read
        with psycopg.connect(_database(stack, "payments")) as conn:
            rows = dict(conn.execute("SELECT order_id, status FROM payments").fetchall())
        ours = {order["id"] for _, order in placed}
        assert {order_id: status for order_id, status in rows.items() if order_id in ours} == dict.fromkeys(ours,
                                                                                                          "paid")
        # a payment is opened only for an order that got its stock: none belongs to an order that is not there
        staff = stack.staff_headers()
        assert all(stack.get(f"/api/order/{order_id}/", headers=staff).status_code == 200 for order_id in rows)


def _database(stack, service: str) -> str:
    from shop_common.localservers import with_database

    return with_database(servers().postgres.url, f"{stack.database_prefix}{service}")
