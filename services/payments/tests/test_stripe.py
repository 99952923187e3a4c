"""The stripe provider against a local fake of Stripe's HTTP API (`fake_stripe`): the session it opens (form-encoded,
with the order's Idempotency-Key), the provider unreachable or failing, each event type signed with the endpoint's
secret, refunds (at once, and failing then retried), cancelling and the expiry checks."""

from __future__ import annotations

import time

import fake_stripe as fake_stripe_module
import pytest
from fake_stripe import WEBHOOK_SECRET, event
from payments_support import SERVICE, open_body, payment, signed

from payments.models import Payment, db
from payments.service import check_expired, retry_refunds
from payments.signing import sign
from shop_common.testing import assert_problem


def _open(stripe_client, order_id=12, **kwargs):
    response = stripe_client.post("/internal/payments/", json=open_body(order_id, **kwargs), headers=SERVICE)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _session_id(fake_stripe):
    return next(iter(fake_stripe.sessions))


def _post(stripe_client, kind, obj, **kwargs):
    return signed(stripe_client, "stripe", event(kind, obj), WEBHOOK_SECRET, **kwargs)


def _paid(stripe_app, stripe_client, fake_stripe):
    _open(stripe_client)
    session = fake_stripe.complete(_session_id(fake_stripe))
    assert _post(stripe_client, "checkout.session.completed", session).status_code == 200
    assert payment(stripe_app).status == "paid"
    return session


def test_opening_creates_a_checkout_session_under_the_orders_key(stripe_app, stripe_client, fake_stripe):
    state = _open(stripe_client)
    assert state["provider"] == "stripe" and state["status"] == "requires_action"
    session_id = _session_id(fake_stripe)
    assert state["redirect_url"] == f"https://checkout.stripe.com/c/pay/{session_id}"
    [sent] = fake_stripe.sent("/v1/checkout/sessions")
    assert sent["headers"]["Idempotency-Key"] == "order-12"
    assert sent["headers"]["Authorization"] == "Bearer sk_test_fake_secret"
    form = sent["form"]
    assert form["mode"] == "payment" and form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][unit_amount]"] == "4500"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == "Order 204-118-377"
    assert form["client_reference_id"] == "12" and form["metadata[order_id]"] == "12"
    assert form["payment_intent_data[metadata][order_id]"] == "12"
    assert form["success_url"] == "http://shop.test/orders/12/payment"
    assert form["cancel_url"] == "http://shop.test/orders/12/payment?left=1"
    assert 1855 <= int(form["expires_at"]) - time.time() <= 1865  # 30 minutes by Stripe's clock, and one
    assert payment(stripe_app).session_id == session_id


def test_asking_again_after_a_lost_answer_sends_the_same_request(stripe_app, stripe_client, fake_stripe):
    """A request that died after Stripe made the session leaves its row `opening`: the repeat sends Stripe the
    very same request under the same key, and gets the same session back."""
    _open(stripe_client)
    with stripe_app.app_context():
        db.session.execute(db.update(Payment).values(status="opening", session_id=None, redirect_url=None))
        db.session.commit()
    again = stripe_client.post("/internal/payments/", json=open_body(), headers=SERVICE)
    assert again.status_code == 200 and again.get_json()["status"] == "requires_action"
    assert len(fake_stripe.sessions) == 1 and payment(stripe_app).session_id == _session_id(fake_stripe)
    first, second = fake_stripe.sent("/v1/checkout/sessions")
    assert first["form"] == second["form"] and second["headers"]["Idempotency-Key"] == "order-12"


def test_an_opening_forgotten_here_but_made_at_stripe_opens_anew(stripe_app, stripe_client, fake_stripe):
    """Stripe refuses the order's key with another request (an earlier opening, forgotten here, reached it): the
    order opens under a key of this request's own; the earlier session was given to nobody."""
    _open(stripe_client)
    with stripe_app.app_context():
        db.session.execute(db.delete(Payment))
        db.session.commit()
    time.sleep(1)  # another session end: another request
    state = _open(stripe_client)
    _, refused, anew = fake_stripe.sent("/v1/checkout/sessions")
    assert refused["headers"]["Idempotency-Key"] == "order-12"
    assert anew["headers"]["Idempotency-Key"] == f"order-12-{anew['form']['expires_at']}"
    assert len(fake_stripe.sessions) == 2 and state["redirect_url"].endswith(payment(stripe_app).session_id)


@pytest.mark.parametrize("away", ["unreachable", "failing"])
def test_stripe_away_while_opening_is_503_and_nothing_is_stored(stripe_app, stripe_client, fake_stripe, away):
    if away == "unreachable":
        fake_stripe.server.stop()
    else:
        fake_stripe.server.switch.mode = "failing"
    try:
        response = stripe_client.post("/internal/payments/", json=open_body(), headers=SERVICE)
    finally:
        if away == "unreachable":
            fake_stripe.server.start()
        fake_stripe.server.switch.mode = "normal"
    assert_problem(response, 503, "provider_unavailable")
    assert response.headers["Retry-After"].isdigit()
    assert payment(stripe_app).status == "opening"  # nothing open: no payment anyone is told of or finds
    assert_problem(stripe_client.get("/internal/payments/12/", headers=SERVICE), 404, "payment_not_found")
    assert_problem(stripe_client.post("/internal/payments/12/cancel/", headers=SERVICE), 404, "payment_not_found")
    asked = fake_stripe.sent("/v1/checkout/sessions")
    again = stripe_client.post("/internal/payments/", json=open_body(), headers=SERVICE)  # Stripe back
    assert again.status_code == 200 and again.get_json()["status"] == "requires_action"
    repeat = fake_stripe.sent("/v1/checkout/sessions")[-1]
    assert repeat["headers"]["Idempotency-Key"] == "order-12"
    assert not asked or repeat["form"] == asked[-1]["form"]  # the very same request


def test_a_wrong_secret_key_is_503_and_nothing_is_stored(stripe_app, stripe_client, fake_stripe, monkeypatch):
    monkeypatch.setattr(fake_stripe_module, "SECRET_KEY", "sk_test_another")  # Stripe knows another key
    assert_problem(stripe_client.post("/internal/payments/", json=open_body(), headers=SERVICE), 503,
                   "provider_unavailable")
    assert payment(stripe_app).status == "opening"  # nothing open


@pytest.mark.parametrize(("kind", "paid", "status"), [
    ("checkout.session.completed", True, "paid"),
    ("checkout.session.async_payment_succeeded", True, "paid"),
    ("checkout.session.async_payment_failed", False, "failed"),
    ("checkout.session.expired", False, "expired"),
])
def test_each_event_signed_with_the_endpoint_secret_settles(stripe_app, stripe_client, fake_stripe, orders, kind,
                                                             paid, status):
    _open(stripe_client)
    session = fake_stripe.complete(_session_id(fake_stripe), paid=paid)
    assert _post(stripe_client, kind, session).status_code == 200
    assert payment(stripe_app).status == status and orders.states(12) == [(status, 2)]


def test_charge_refunded_from_stripe_refunds(stripe_app, stripe_client, fake_stripe, orders):
    session = _paid(stripe_app, stripe_client, fake_stripe)
    assert _post(stripe_client, "charge.refunded", fake_stripe.charge(session["id"])).status_code == 200
    stored = payment(stripe_app)
    assert stored.status == "refunded" and stored.refund_status == "succeeded"
    assert orders.states(12)[-1] == ("refunded", 3)


@pytest.mark.parametrize("how", ["bad", "missing", "expired", "sandbox's secret"])
def test_stripe_signatures_are_checked(stripe_app, stripe_client, fake_stripe, how):
    _open(stripe_client)
    session = fake_stripe.complete(_session_id(fake_stripe))
    obj = event("checkout.session.completed", session)
    response = {
        "bad": lambda: signed(stripe_client, "stripe", obj, WEBHOOK_SECRET, header="t=1,v1=deadbeef"),
        "missing": lambda: signed(stripe_client, "stripe", obj, WEBHOOK_SECRET, header=""),
        "expired": lambda: signed(stripe_client, "stripe", obj, WEBHOOK_SECRET, timestamp=int(time.time()) - 301),
        "sandbox's secret": lambda: signed(stripe_client, "stripe", obj, "whsec_test_sandbox_secret"),
    }[how]()
    assert_problem(response, 400, "invalid_signature")
    assert payment(stripe_app).status == "requires_action"
    assert_problem(signed(stripe_client, "sandbox", obj, WEBHOOK_SECRET), 404, "provider_not_configured")


def test_a_refund_is_asked_of_stripe_under_the_orders_key(stripe_app, stripe_client, fake_stripe, orders):
    session = _paid(stripe_app, stripe_client, fake_stripe)
    response = stripe_client.post("/internal/payments/12/refund/", headers=SERVICE)
    assert response.status_code == 202
    state = response.get_json()
    assert state["status"] == "refunded" and state["refund"]["status"] == "succeeded"
    [sent] = fake_stripe.sent("/v1/refunds")
    assert sent["headers"]["Idempotency-Key"] == "refund-order-12"
    assert sent["form"]["payment_intent"] == session["payment_intent"]
    assert payment(stripe_app).refund_id == next(iter(fake_stripe.refunds))
    # Stripe's charge.refunded that follows changes nothing more
    assert _post(stripe_client, "charge.refunded", fake_stripe.charge(session["id"])).status_code == 200
    assert payment(stripe_app).version == state["version"]


def test_a_refund_stripe_settles_later_waits_for_its_event(stripe_app, stripe_client, fake_stripe):
    session = _paid(stripe_app, stripe_client, fake_stripe)
    fake_stripe.refund_status = "pending"
    state = stripe_client.post("/internal/payments/12/refund/", headers=SERVICE).get_json()
    assert state["status"] == "paid" and state["refund"]["status"] == "pending"
    with stripe_app.app_context():
        assert retry_refunds() == 0  # nothing to ask again: Stripe's event settles it
    _post(stripe_client, "charge.refunded", fake_stripe.charge(session["id"]))
    assert payment(stripe_app).status == "refunded"


def test_a_failing_refund_is_retried_and_shown(stripe_app, stripe_client, fake_stripe, orders):
    _paid(stripe_app, stripe_client, fake_stripe)
    fake_stripe.server.switch.mode = "failing"
    state = stripe_client.post("/internal/payments/12/refund/", headers=SERVICE).get_json()
    assert state["status"] == "paid"
    refund = state["refund"]
    assert refund["status"] == "failed" and refund["attempts"] == 1 and "APIError" in refund["last_error"]
    assert orders.held[12]["refund"]["status"] == "failed"  # staff see it on the order
    again = stripe_client.post("/internal/payments/12/refund/", headers=SERVICE)
    assert again.status_code == 202 and again.get_json()["refund"]["attempts"] == 1  # asked once: it waits its turn
    with stripe_app.app_context():
        assert retry_refunds() == 0  # not due yet
        first_wait = db.session.scalar(db.select(Payment.refund_next_at - db.func.now()))
        assert 25 <= first_wait.total_seconds() <= 31
        db.session.execute(db.update(Payment).values(refund_next_at=db.func.now()))
        db.session.commit()
        assert retry_refunds() == 1  # still failing: the wait grows
        second_wait = db.session.scalar(db.select(Payment.refund_next_at - db.func.now()))
        assert second_wait > first_wait
    assert payment(stripe_app).refund_attempts == 2
    fake_stripe.server.switch.mode = "normal"
    with stripe_app.app_context():
        db.session.execute(db.update(Payment).values(refund_next_at=db.func.now()))
        db.session.commit()
        assert retry_refunds() == 1
    stored = payment(stripe_app)
    assert stored.status == "refunded" and stored.refund_attempts == 3 and stored.refund_last_error is None
    assert orders.held[12]["status"] == "refunded" and orders.held[12]["refund"]["attempts"] == 3


def test_cancel_expires_the_session_at_stripe(stripe_app, stripe_client, fake_stripe, orders):
    _open(stripe_client)
    state = stripe_client.post("/internal/payments/12/cancel/", headers=SERVICE).get_json()
    assert state["status"] == "expired" and fake_stripe.sessions[_session_id(fake_stripe)]["status"] == "expired"
    assert fake_stripe.sent(f"/v1/checkout/sessions/{_session_id(fake_stripe)}/expire")
    assert orders.states(12) == [("expired", 2)]


def test_cancel_of_a_session_paid_meanwhile_finds_it_paid(stripe_app, stripe_client, fake_stripe, orders):
    _open(stripe_client)
    fake_stripe.complete(_session_id(fake_stripe))  # paid; its event not here yet
    state = stripe_client.post("/internal/payments/12/cancel/", headers=SERVICE).get_json()
    assert state["status"] == "paid" and orders.states(12) == [("paid", 2)]


def test_cancel_with_stripe_away_is_503_and_changes_nothing(stripe_app, stripe_client, fake_stripe):
    _open(stripe_client)
    fake_stripe.server.switch.mode = "failing"
    assert_problem(stripe_client.post("/internal/payments/12/cancel/", headers=SERVICE), 503, "provider_unavailable")
    assert payment(stripe_app).status == "requires_action"


def test_a_session_past_its_end_is_looked_at_and_expired(stripe_app, stripe_client, fake_stripe, orders):
    _open(stripe_client)
    with stripe_app.app_context():
        assert check_expired() == 0  # not past its end
        db.session.execute(db.update(Payment).values(expires_at=db.func.now() - db.text("interval '61 seconds'")))
        db.session.commit()
        fake_stripe.server.switch.mode = "failing"
        assert check_expired() == 0  # Stripe away: tried again next turn
        fake_stripe.server.switch.mode = "normal"
        assert check_expired() == 1
    assert payment(stripe_app).status == "expired"
    assert fake_stripe.sessions[_session_id(fake_stripe)]["status"] == "expired"


def test_a_session_past_its_end_that_stripe_has_paid_is_paid(stripe_app, stripe_client, fake_stripe):
    _open(stripe_client)
    fake_stripe.complete(_session_id(fake_stripe))
    with stripe_app.app_context():
        db.session.execute(db.update(Payment).values(expires_at=db.func.now() - db.text("interval '61 seconds'")))
        db.session.commit()
        assert check_expired() == 1
    assert payment(stripe_app).status == "paid" and payment(stripe_app).payment_intent.startswith("pi_fake")


def test_a_signed_body_that_is_not_json_is_malformed(stripe_app, stripe_client):
    body = b"not json"
    response = stripe_client.post("/api/payments/webhooks/stripe/", data=body, headers={
        "Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)})
    assert_problem(response, 400, "malformed_event")
