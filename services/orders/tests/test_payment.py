"""Card orders with the real payments service and its sandbox: the order awaits its payment with its stock held,
and what the provider's (signed) webhook says of the payment, never the shopper's return, confirms, cancels or
refunds it; a payments service that cannot be reached holds nothing and loses nothing."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import text

import orders
import payments
from orders.models import Outbox, db
from shop_common.schemas import SHIPPING_EXAMPLE
from shop_common.testing import CARD_DECLINED, CARD_PAID, ServiceServer, assert_problem, fill_card_form, wait_until


@pytest.fixture
def shirt(catalogue):
    """A shirt in one size, M: 5 left at 39.90."""
    product_id, (m,) = catalogue.product("Linen shirt", ("M", "39.90", 5))
    return {"id": product_id, "slug": "linen-shirt", "M": m}


def pay(redirect_url: str, card: str) -> requests.Response:
    """What a shopper does on the sandbox's page: the card typed in, the form sent (its redirect not followed)."""
    page = requests.get(redirect_url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text[:300]
    action, fields = fill_card_form(page.text, card)
    return requests.post(urljoin(redirect_url, action), data=fields, allow_redirects=False, timeout=30)


def emails(app) -> list[tuple[str, dict]]:
    """(template, the order as the email shows it) of each email orders owes, oldest first."""
    with app.app_context():
        found = [(row.message["template"], row.message["context"]["order"])
                 for row in db.session.query(Outbox).order_by(Outbox.id)]
        db.session.remove()
        return found


def order_of(shop, user, order_id):
    return shop.orders.get(f"/api/order/{order_id}/", headers=user).get_json()


@pytest.fixture
def settled(shop, payments_app):
    """`settled(user, order_id, status)`: the order once its payment has become `status`. The webhook is on its
    way when the shopper is back: payments' background work (its thread in a served process) posts it, and
    whatever else it owes, on each look here."""
    def look(user, order_id):
        payments_app.extensions["shop_housekeeping"].run_once()
        return order_of(shop, user, order_id)

    return lambda user, order_id, status: wait_until(
        lambda: (o := look(user, order_id))["payment"]["status"] == status and o, 10)


def card_order(shop, user, shirt, quantity=2):
    shop.add(user, shirt["id"], shirt["M"], quantity)
    response = shop.order(user, key=f"card-{quantity}", payment_method="card")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_card_order_awaits_its_payment_with_its_stock_held_and_owes_no_email_yet(app, payments_app, shop, shirt,
                                                                                   catalogue):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)

    assert order["status"] == "awaiting_payment" and order["next_statuses"] == ["cancelled"]
    payment = order["payment"]
    assert payment["method"] == "card" and payment["status"] == "requires_action"
    assert (payment["amount"], payment["currency"]) == ("79.80", "USD")
    assert payment["redirect_url"].startswith(payments_app.config["SHOP"]["SHOP_URL"] + "/api/payments/sandbox/")
    assert payment["expires_at"] and payment["paid_at"] is None and payment["refund"] is None
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 3}  # held for it
    assert shop.cart(alice) == []
    assert emails(app) == []  # nothing is confirmed before it is paid
    assert [h["status"] for h in order["history"]] == ["awaiting_payment"]


def test_paid_on_the_sandbox_page_the_webhook_confirms_the_order_and_its_email_says_paid(app, payments_app, shop,
                                                                                        shirt, catalogue, settled):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)

    back = pay(order["payment"]["redirect_url"], CARD_PAID)

    assert back.status_code == 303
    assert back.headers["Location"].endswith(f"/orders/{order['id']}/payment")
    paid = settled(alice, order["id"], "paid")
    assert paid["status"] == "confirmed" and paid["payment"]["paid_at"] and paid["payment"]["redirect_url"] is None
    assert [(h["status"], h["by"]) for h in paid["history"]] == [("awaiting_payment", "customer"),
                                                                 ("confirmed", "system")]
    assert [(template, shown["payment"]["status"]) for template, shown in emails(app)] == [
        ("order_confirmation", "paid")]
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 3}
    # the page takes no second payment
    again = requests.get(order["payment"]["redirect_url"], timeout=10)
    assert "<form" not in again.text or again.status_code != 200


def test_a_declined_card_cancels_the_order_gives_the_stock_back_and_says_nothing_was_charged(app, payments_app, shop,
                                                                                            shirt, catalogue, settled):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)

    pay(order["payment"]["redirect_url"], CARD_DECLINED)

    failed = settled(alice, order["id"], "failed")
    assert failed["status"] == "cancelled" and failed["payment"]["paid_at"] is None
    assert [(h["status"], h["by"]) for h in failed["history"]][-1] == ("cancelled", "system")
    wait_until(lambda: catalogue.stock(shirt["slug"]) == {shirt["M"]: 5})
    assert [(template, shown["payment"]["status"]) for template, shown in emails(app)] == [
        ("order_cancelled", "failed")]


def test_a_session_left_unpaid_expires_and_cancels_the_order(app, payments_app, shop, shirt, catalogue, settled):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)
    with payments_app.app_context():  # its time runs out
        payments_db = payments_app.extensions["sqlalchemy"]
        with payments_db.engine.begin() as conn:
            for table in ("payments", "sandbox_sessions"):
                conn.execute(text(f"UPDATE {table} SET expires_at = now() - interval '2 minutes'"))  # noqa: S608
        payments_db.session.remove()

    expired = settled(alice, order["id"], "expired")
    assert expired["status"] == "cancelled"
    wait_until(lambda: catalogue.stock(shirt["slug"]) == {shirt["M"]: 5})
    assert [(template, shown["payment"]["status"]) for template, shown in emails(app)] == [
        ("order_cancelled", "expired")]


def test_cancelling_a_paid_order_refunds_it_and_the_email_says_so(app, payments_app, shop, shirt, catalogue, settled):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)
    pay(order["payment"]["redirect_url"], CARD_PAID)
    settled(alice, order["id"], "paid")

    cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice)

    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    refunded = settled(alice, order["id"], "refunded")
    assert refunded["payment"]["refunded_at"] and refunded["payment"]["refund"]["status"] == "succeeded"
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 5}
    templates = emails(app)
    assert [template for template, _ in templates] == ["order_confirmation", "order_cancelled"]
    assert templates[1][1]["payment"]["status"] == "paid"  # as it was when cancelled: the email says "refunded"


def test_cancelling_an_unpaid_card_order_closes_its_page(app, payments_app, shop, shirt, catalogue):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)

    cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice).get_json()

    assert cancelled["status"] == "cancelled" and cancelled["payment"]["status"] == "expired"
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 5}
    late = requests.get(order["payment"]["redirect_url"], timeout=10)
    assert late.status_code != 200 or "<form" not in late.text  # nothing to pay any more
    assert order_of(shop, alice, order["id"])["payment"]["status"] == "expired"


def test_a_payment_made_while_orders_cancelled_the_order_is_refunded(app, payments_app, shop, shirt, catalogue,
                                                                    payments_server, repair, settled):
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)
    payments_server.switch.mode = "failing"  # the cancel cannot close the page: the shopper pays meanwhile
    try:
        cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=alice).get_json()
    finally:
        payments_server.switch.mode = "normal"
    assert cancelled["status"] == "cancelled" and cancelled["payment"]["status"] == "requires_action"

    pay(order["payment"]["redirect_url"], CARD_PAID)

    refunded = settled(alice, order["id"], "refunded")
    assert refunded["status"] == "cancelled" and refunded["payment"]["paid_at"]
    repair()  # nothing is owed any more
    assert order_of(shop, alice, order["id"])["payment"]["status"] == "refunded"


def test_payments_unreachable_is_503_and_holds_nothing(app, shop, shirt, catalogue, payments_server, count_orders):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    payments_server.stop()
    try:
        assert_problem(shop.order(alice, key="k", payment_method="card"), 503, "payments_unavailable")
    finally:
        payments_server.start()
    assert count_orders() == 0 and catalogue.stock(shirt["slug"]) == {shirt["M"]: 5}
    assert shop.cart(alice) == [(shirt["M"], 2)]
    # paying on delivery needs no payments service at all
    payments_server.stop()
    try:
        assert shop.order(alice, key="k2").status_code == 201
    finally:
        payments_server.start()


def test_the_payment_states_orders_is_told_apply_once_and_in_order(app, payments_app, shop, shirt):
    """The internal endpoint as payments calls it: an old or repeated state changes nothing, another amount or
    currency is refused, an unknown order is 404, an order paid on delivery has no card payment."""
    alice = shop.user(7)
    order = card_order(shop, alice, shirt)
    token = {"X-Service-Token": app.config["SHOP"]["SERVICE_TOKEN"]}
    base = {"order_id": order["id"], "provider": "sandbox", "status": "failed", "amount": "79.80",
            "currency": "USD", "version": 1}
    url = f"/internal/orders/{order['id']}/payment/"

    assert shop.orders.post(url, json=base, headers=token).get_json() == {"order_id": order["id"],
                                                                          "status": "awaiting_payment"}
    assert_problem(shop.orders.post(url, json={**base, "version": 9, "amount": "1.00"}, headers=token), 409,
                   "payment_mismatch")
    assert_problem(shop.orders.post(url, json={**base, "version": 9, "currency": "EUR"}, headers=token), 409,
                   "payment_mismatch")
    assert_problem(shop.orders.post("/internal/orders/999/payment/", json={**base, "order_id": 999}, headers=token),
                   404, "order_not_found")
    assert_problem(shop.orders.post(url, json={**base, "order_id": 999}, headers=token), 422)
    assert_problem(shop.orders.post(url, json=base), 401, "invalid_service_token")
    assert order_of(shop, alice, order["id"])["status"] == "awaiting_payment"


def test_cash_on_delivery_is_due_until_delivered_then_paid(app, shop, shirt, make_token):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 1)
    order = shop.order(alice, payment_method="cash_on_delivery").get_json()
    assert order["status"] == "confirmed"
    assert order["payment"] == {"method": "cash_on_delivery", "status": "due_on_delivery", "amount": "39.90",
                                "currency": "USD", "redirect_url": None, "expires_at": None, "paid_at": None,
                                "refunded_at": None, "refund": None}
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    for status in ("shipped", "delivered"):
        moved = shop.orders.post(f"/api/order/{order['id']}/status/", json={"status": status}, headers=staff)
        assert moved.status_code == 200, moved.get_json()
    payment = order_of(shop, alice, order["id"])["payment"]
    assert payment["status"] == "paid" and payment["paid_at"]
    token = {"X-Service-Token": app.config["SHOP"]["SERVICE_TOKEN"]}
    assert_problem(shop.orders.post(f"/internal/orders/{order['id']}/payment/", headers=token, json={
        "order_id": order["id"], "provider": "sandbox", "status": "refunded", "amount": "39.90", "currency": "USD",
        "version": 5}), 409, "payment_mismatch")


def test_an_unknown_payment_method_is_422_and_changes_nothing(app, shop, shirt, catalogue, count_orders):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 1)
    body = assert_problem(shop.order(alice, payment_method="bitcoin"), 422)
    assert "payment_method" in body["errors"]["json"]
    assert count_orders() == 0 and catalogue.stock(shirt["slug"]) == {shirt["M"]: 5}


@pytest.fixture(scope="module")
def cardless(shop_app, products_server, cart_server):
    """Orders in a shop whose payments service has no provider (`PAYMENTS_PROVIDER=none`): it takes no cards."""
    no_cards = ServiceServer(shop_app(payments.create_app, PAYMENTS_PROVIDER="none", ORDERS_URL="http://127.0.0.1:9"))
    yield shop_app(orders.create_app, PRODUCTS_URL=products_server.url, CART_URL=cart_server.url,
                   PAYMENTS_URL=no_cards.url).test_client()
    no_cards.stop()


def test_a_shop_without_a_card_provider_refuses_cards_and_holds_nothing(app, cardless, shop, shirt, catalogue):
    alice = shop.user(7)
    shop.add(alice, shirt["id"], shirt["M"], 2)
    body = {"shipping": SHIPPING_EXAMPLE, "payment_method": "card"}

    refused = assert_problem(cardless.post("/api/order/create/", json=body, headers=alice), 422,
                             "payment_method_unavailable")

    assert "payment_method" in refused["errors"]["json"]
    assert catalogue.stock(shirt["slug"]) == {shirt["M"]: 5} and shop.cart(alice) == [(shirt["M"], 2)]
    placed = cardless.post("/api/order/create/", json={**body, "payment_method": "cash_on_delivery"}, headers=alice)
    assert placed.status_code == 201 and placed.get_json()["status"] == "confirmed"
