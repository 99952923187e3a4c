"""What happens at once: an order's payment opened by several requests, one event delivered several times, the
page paid while the order is cancelled. Real HTTP to the served app, real Postgres locks."""

from __future__ import annotations

import json

import requests
from payments_support import SANDBOX_SECRET, SERVICE, open_body, open_payment, payment

from payments import sandbox
from payments.models import Event, SandboxSession, db
from payments.signing import sign
from shop_common.testing import concurrently

CARD = {"number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123", "name": "Ada Lovelace"}


def test_opening_one_order_at_once_opens_one_session(app, served):
    answers = concurrently(8, lambda _: requests.post(f"{served.url}/internal/payments/", json=open_body(),
                                                      headers=SERVICE, timeout=10))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]  # made once; the others answer what it is
    assert {a.json()["redirect_url"] for a in answers} == {answers[0].json()["redirect_url"]}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SandboxSession)) == 1


def test_one_event_delivered_at_once_is_applied_once(app, client, served, orders):
    state = open_payment(client)
    session_id = state["redirect_url"].rstrip("/").rsplit("/", 1)[1]
    event = {"id": "evt_at_once", "type": "checkout.session.completed", "data": {"object": {
        "id": session_id, "amount_total": 4500, "currency": "usd", "payment_status": "paid",
        "payment_intent": "pi_1"}}}
    body = json.dumps(event).encode()

    def deliver(_):
        return requests.post(f"{served.url}/api/payments/webhooks/sandbox/", data=body, timeout=10, headers={
            "Content-Type": "application/json", "Stripe-Signature": sign(body, SANDBOX_SECRET)}).status_code

    assert concurrently(8, deliver) == [200] * 8
    assert payment(app).version == 2 and orders.states(12) == [("paid", 2)]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 1


def test_paying_while_the_order_is_cancelled_ends_one_way(app, client, served, orders):
    state = open_payment(client)
    page = state["redirect_url"].replace("http://shop.test", served.url)

    def act(n):
        if n == 0:
            return requests.post(page, data=CARD, allow_redirects=False, timeout=10).status_code
        return requests.post(f"{served.url}/internal/payments/12/cancel/", headers=SERVICE, timeout=10).json()["status"]

    paid, cancelled = concurrently(2, act)
    with app.app_context():
        sandbox.deliver_events()
        found = db.session.scalar(db.select(SandboxSession))
        ended = (found.status, found.payment_status)
    final = payment(app).status
    # either the shopper paid first (the cancel finds it paid, and orders refunds it), or the session expired
    # first (the page takes no payment)
    assert (paid, cancelled, ended, final) in {(303, "paid", ("complete", "paid"), "paid"),
                                               (409, "expired", ("expired", "unpaid"), "expired")}
    assert orders.held[12]["status"] == final
