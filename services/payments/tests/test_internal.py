"""The internal API orders calls (DESIGN.md: open, its state, cancel, refund), with the sandbox as provider."""

from __future__ import annotations

from payments_support import SERVICE, open_body, open_payment, payment

from payments import sandbox
from payments.models import Event, Payment, SandboxEvent, SandboxSession, db
from shop_common.testing import assert_problem


def _pay(app, client, order_id=12):
    """The shopper pays with 4242 on the sandbox's page, and its event reaches the webhook."""
    state = client.get(f"/internal/payments/{order_id}/", headers=SERVICE).get_json()
    session_id = state["redirect_url"].rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"/api/payments/sandbox/{session_id}/", data={
        "number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123", "name": "Ada Lovelace"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        assert sandbox.deliver_events() == {"delivered": 1, "failed": 0}


def test_open_answers_the_state_with_the_sandbox_page(app, client):
    state = open_payment(client)
    assert state["order_id"] == 12 and state["provider"] == "sandbox" and state["status"] == "requires_action"
    assert state["amount"] == "45.00" and state["currency"] == "USD" and state["version"] == 1
    assert state["redirect_url"].startswith("http://shop.test/api/payments/sandbox/cs_test_")
    assert state["paid_at"] is None and state["refunded_at"] is None and state["refund"] is None
    assert state["expires_at"]
    with app.app_context():
        session = db.session.scalar(db.select(SandboxSession))
        assert session.success_url == "http://shop.test/orders/12/payment"
        assert session.cancel_url == "http://shop.test/orders/12/payment?left=1"
        assert session.amount == payment(app).amount


def test_open_again_answers_the_same_state_and_opens_nothing_more(app, client, orders):
    first = open_payment(client)
    again = client.post("/internal/payments/", json=open_body(), headers=SERVICE)
    assert again.status_code == 200 and again.get_json() == first
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SandboxSession)) == 1
    assert orders.received == []  # orders has version 1 from the answer itself


def test_open_for_another_amount_or_currency_is_a_mismatch(app, client):
    open_payment(client)
    for body in (open_body(amount="45.01"), open_body(currency="EUR")):
        assert_problem(client.post("/internal/payments/", json=body, headers=SERVICE), 409, "payment_mismatch")
    assert str(payment(app).amount) == "45.00" and payment(app).version == 1


def test_open_refuses_bad_input_and_strangers(app, client):
    for body in (open_body(amount="0.00"), open_body(amount="-1"), open_body(currency="usd"),
                 {**open_body(), "order_id": 0}, {"order_id": 12}):
        body = assert_problem(client.post("/internal/payments/", json=body, headers=SERVICE), 422, "validation_error")
        assert body["errors"]["json"]
    assert_problem(client.post("/internal/payments/", json=open_body()), 401, "invalid_service_token")
    assert payment(app) is None


def test_an_unknown_payment_is_404(client):
    assert_problem(client.get("/internal/payments/99/", headers=SERVICE), 404, "payment_not_found")
    assert_problem(client.post("/internal/payments/99/cancel/", headers=SERVICE), 404, "payment_not_found")
    assert_problem(client.post("/internal/payments/99/refund/", headers=SERVICE), 404, "payment_not_found")


def test_cancel_expires_the_open_session_and_again_changes_nothing(app, client, orders):
    open_payment(client)
    state = client.post("/internal/payments/12/cancel/", headers=SERVICE).get_json()
    assert state["status"] == "expired" and state["redirect_url"] is None and state["version"] == 2
    assert orders.states(12) == [("expired", 2)]
    with app.app_context():
        assert db.session.scalar(db.select(SandboxSession.status)) == "expired"
        assert sandbox.deliver_events()["delivered"] == 1  # checkout.session.expired: already settled
        assert db.session.scalar(db.select(Event.outcome)) == "already_settled"
    again = client.post("/internal/payments/12/cancel/", headers=SERVICE)
    assert again.status_code == 200 and again.get_json() == state
    assert orders.states(12) == [("expired", 2)]


def test_cancel_leaves_a_paid_payment_paid(app, client):
    open_payment(client)
    _pay(app, client)
    state = client.post("/internal/payments/12/cancel/", headers=SERVICE).get_json()
    assert state["status"] == "paid" and state["paid_at"]


def test_refund_of_an_unpaid_payment_is_409_not_paid(app, client):
    open_payment(client)
    body = assert_problem(client.post("/internal/payments/12/refund/", headers=SERVICE), 409, "not_paid")
    assert body["payment_status"] == "requires_action"
    assert payment(app).refund_status is None and payment(app).version == 1


def test_a_sandbox_refund_succeeds_at_once_and_again_is_200(app, client, orders):
    open_payment(client)
    _pay(app, client)
    response = client.post("/internal/payments/12/refund/", headers=SERVICE)
    assert response.status_code == 202
    state = response.get_json()
    assert state["status"] == "refunded" and state["refunded_at"]
    assert state["refund"]["status"] == "succeeded" and state["refund"]["attempts"] == 1
    assert state["refund"]["last_error"] is None and state["refund"]["requested_at"]
    told = orders.states(12)
    assert told[0] == ("paid", 2) and told[-1] == ("refunded", state["version"])
    assert [version for _, version in told] == sorted({version for _, version in told})  # each version once, in order
    assert orders.held[12]["status"] == "refunded" and orders.held[12]["version"] == state["version"]
    with app.app_context():
        assert sandbox.deliver_events()["delivered"] == 1  # charge.refunded, signed and accepted: nothing more
        kinds = db.session.scalars(db.select(SandboxEvent.body)).all()
        assert sum('"charge.refunded"' in body for body in kinds) == 1
    again = client.post("/internal/payments/12/refund/", headers=SERVICE)
    assert again.status_code == 200 and again.get_json() == state
    assert payment(app).version == state["version"]


def test_every_change_is_told_to_orders_once_acknowledged(app, client, orders):
    open_payment(client)
    _pay(app, client)
    assert orders.states(12) == [("paid", 2)]
    stored = payment(app)
    assert stored.version == stored.synced_version == 2
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Payment)
                                 .where(Payment.synced_version < Payment.version)) == 0
