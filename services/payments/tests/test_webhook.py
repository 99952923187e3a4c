"""The provider's webhook (`POST /api/payments/webhooks/{provider}/`), as the sandbox's events reach it: signatures,
dedupe by event id, each event type, amount and currency checks, unknown sessions, events out of order, and what
orders is told (and a payment of an order orders does not have, refunded at once)."""

from __future__ import annotations

import json
import time

import pytest
from payments_support import SANDBOX_SECRET, open_payment, payment, signed

from payments.models import Event, SandboxSession, db
from payments.service import sync_owed
from payments.signing import sign
from shop_common.testing import assert_problem


@pytest.fixture
def session_id(app, client):
    state = open_payment(client)
    return state["redirect_url"].rstrip("/").rsplit("/", 1)[1]


def _session(session_id, **changes):
    obj = {"id": session_id, "object": "checkout.session", "amount_total": 4500, "currency": "usd",
           "payment_status": "paid", "payment_intent": "pi_sandbox_1", "status": "complete",
           "client_reference_id": "12", "metadata": {"order_id": "12"}}
    return {**obj, **changes}


def _event(kind, obj, event_id=None):
    return {"id": event_id or f"evt_test_{time.time_ns()}", "object": "event", "type": kind,
            "created": int(time.time()), "livemode": False, "data": {"object": obj}}


def _post(client, event, **kwargs):
    return signed(client, "sandbox", event, SANDBOX_SECRET, **kwargs)


def _events(app):
    with app.app_context():
        return [(e.type, e.outcome) for e in db.session.scalars(db.select(Event).order_by(Event.id))]


def test_a_signed_completed_event_pays_and_orders_is_told(app, client, orders, session_id):
    response = _post(client, _event("checkout.session.completed", _session(session_id)))
    assert response.status_code == 200 and response.get_json() == {"received": True}
    stored = payment(app)
    assert stored.status == "paid" and stored.paid_at and stored.payment_intent == "pi_sandbox_1"
    assert stored.version == 2 == stored.synced_version
    assert orders.states(12) == [("paid", 2)]
    assert orders.received[0]["redirect_url"] is None and orders.received[0]["paid_at"]


@pytest.mark.parametrize("header", ["", "t=1,v1=00", "v1=abc", "t=abc,v1=abc", "garbage"])
def test_a_missing_or_bad_signature_is_400_and_changes_nothing(app, client, orders, session_id, header):
    event = _event("checkout.session.completed", _session(session_id))
    assert_problem(_post(client, event, header=header), 400, "invalid_signature")
    assert payment(app).status == "requires_action" and payment(app).version == 1
    assert _events(app) == [] and orders.received == []


def test_a_signature_with_another_secret_or_over_another_body_is_400(app, client, session_id):
    event = _event("checkout.session.completed", _session(session_id))
    assert_problem(signed(client, "sandbox", event, "whsec_someone_else"), 400, "invalid_signature")
    other = _event("checkout.session.completed", _session(session_id, amount_total=1))


    header = sign(json.dumps(other).encode(), SANDBOX_SECRET)
    assert_problem(_post(client, event, header=header), 400, "invalid_signature")
    assert payment(app).status == "requires_action" and _events(app) == []


def test_a_signature_older_than_five_minutes_is_400(app, client, session_id):
    event = _event("checkout.session.completed", _session(session_id))
    assert_problem(_post(client, event, timestamp=int(time.time()) - 301), 400, "invalid_signature")
    assert payment(app).status == "requires_action" and _events(app) == []
    assert _post(client, event, timestamp=int(time.time()) - 290).status_code == 200  # within the tolerance
    assert payment(app).status == "paid"


def test_a_duplicate_is_200_and_changes_nothing(app, client, orders, session_id):
    event = _event("checkout.session.completed", _session(session_id), "evt_once")
    assert _post(client, event).status_code == 200
    again = _post(client, event)
    assert again.status_code == 200 and again.get_json() == {"received": True}
    assert payment(app).version == 2 and len(orders.received) == 1
    assert _events(app) == [("checkout.session.completed", "applied")]


def test_a_webhook_of_a_provider_not_configured_is_404(app, client, session_id):
    event = _event("checkout.session.completed", _session(session_id))
    for provider in ("stripe", "none", "paypal"):
        response = signed(client, provider, event, SANDBOX_SECRET)
        assert_problem(response, 404, "provider_not_configured")
    assert payment(app).status == "requires_action"


def test_a_signed_body_that_is_no_event_is_400(app, client, session_id):
    for event in ({"id": "evt_1"}, {"id": 1, "type": "x", "data": {"object": {}}}, {"type": "x", "data": []}):
        assert_problem(_post(client, event), 400, "malformed_event")
    assert _events(app) == []


@pytest.mark.parametrize(("kind", "changes", "status"), [
    ("checkout.session.completed", {}, "paid"),
    ("checkout.session.async_payment_succeeded", {}, "paid"),
    ("checkout.session.async_payment_failed", {"payment_status": "unpaid"}, "failed"),
    ("checkout.session.expired", {"payment_status": "unpaid", "status": "expired", "payment_intent": None},
     "expired"),
])
def test_each_session_event_settles_the_payment(app, client, orders, session_id, kind, changes, status):
    assert _post(client, _event(kind, _session(session_id, **changes))).status_code == 200
    assert payment(app).status == status
    assert orders.states(12) == [(status, 2)]
    assert _events(app) == [(kind, "applied")]


def test_a_completed_session_not_yet_paid_waits_for_its_async_event(app, client, session_id):
    _post(client, _event("checkout.session.completed", _session(session_id, payment_status="unpaid")))
    assert payment(app).status == "requires_action" and payment(app).version == 1
    _post(client, _event("checkout.session.async_payment_succeeded", _session(session_id)))
    assert payment(app).status == "paid"
    assert _events(app) == [("checkout.session.completed", "awaiting_payment"),
                            ("checkout.session.async_payment_succeeded", "applied")]


def test_charge_refunded_refunds_a_paid_payment(app, client, orders, session_id):
    _post(client, _event("checkout.session.completed", _session(session_id)))
    charge = {"id": "ch_1", "object": "charge", "amount": 4500, "amount_refunded": 4500, "currency": "usd",
              "payment_intent": "pi_sandbox_1", "refunded": True}
    assert _post(client, _event("charge.refunded", charge)).status_code == 200
    stored = payment(app)
    assert stored.status == "refunded" and stored.refunded_at and stored.refund_status == "succeeded"
    assert stored.charge_id == "ch_1"
    assert orders.states(12) == [("paid", 2), ("refunded", 3)]
    assert orders.received[-1]["refund"]["status"] == "succeeded"


@pytest.mark.parametrize("changes", [{"amount_total": 4499}, {"amount_total": 450000}, {"currency": "eur"},
                                     {"amount_total": None}, {"currency": None}])
def test_an_amount_or_currency_mismatch_changes_nothing(app, client, orders, session_id, changes):
    response = _post(client, _event("checkout.session.completed", _session(session_id, **changes)))
    assert response.status_code == 200  # the provider stops resending
    assert payment(app).status == "requires_action" and payment(app).version == 1 and orders.received == []
    assert _events(app) == [("checkout.session.completed", "amount_mismatch")]


def test_a_refund_of_another_amount_changes_nothing(app, client, session_id):
    _post(client, _event("checkout.session.completed", _session(session_id)))
    charge = {"id": "ch_1", "object": "charge", "amount_refunded": 1000, "currency": "usd",
              "payment_intent": "pi_sandbox_1"}
    assert _post(client, _event("charge.refunded", charge)).status_code == 200
    assert payment(app).status == "paid"


def test_an_event_for_an_unknown_session_changes_nothing(app, client, orders, session_id):
    assert _post(client, _event("checkout.session.completed", _session("cs_test_unknown"))).status_code == 200
    charge = {"id": "ch_1", "amount_refunded": 4500, "currency": "usd", "payment_intent": "pi_unknown"}
    assert _post(client, _event("charge.refunded", charge)).status_code == 200
    assert _post(client, _event("customer.created", {"id": "cus_1"})).status_code == 200
    assert payment(app).version == 1 and orders.received == []
    assert _events(app) == [("checkout.session.completed", "unknown_session"), ("charge.refunded", "unknown_payment"),
                            ("customer.created", "ignored")]


def test_events_out_of_order_settle_once(app, client, orders, session_id):
    charge = {"id": "ch_1", "amount_refunded": 4500, "currency": "usd", "payment_intent": "pi_sandbox_1"}
    _post(client, _event("charge.refunded", charge))  # before its payment: not known yet
    _post(client, _event("checkout.session.async_payment_succeeded", _session(session_id)))
    _post(client, _event("checkout.session.completed", _session(session_id)))  # late: paid already
    _post(client, _event("checkout.session.expired", _session(session_id, status="expired")))  # settled another way
    _post(client, _event("checkout.session.async_payment_failed", _session(session_id)))
    assert payment(app).status == "paid" and payment(app).version == 2
    assert orders.states(12) == [("paid", 2)]
    assert [outcome for _, outcome in _events(app)] == ["unknown_payment", "applied", "already_settled",
                                                         "already_settled", "already_settled"]


def test_an_expired_payment_is_not_paid_by_a_late_event(app, client, orders, session_id):
    _post(client, _event("checkout.session.expired", _session(session_id, status="expired")))
    _post(client, _event("checkout.session.completed", _session(session_id)))
    assert payment(app).status == "expired" and orders.states(12) == [("expired", 2)]


def test_orders_away_the_housekeeping_tells_it_later(app, client, orders, session_id):
    orders.server.switch.mode = "failing"
    assert _post(client, _event("checkout.session.completed", _session(session_id))).status_code == 200
    assert payment(app).status == "paid" and payment(app).synced_version == 1
    orders.server.switch.mode = "normal"
    with app.app_context():
        assert sync_owed() == 1
        assert sync_owed() == 0  # acknowledged: nothing owed
    assert orders.states(12) == [("paid", 2)] and payment(app).synced_version == 2


def test_a_state_orders_refuses_is_sent_again(app, client, orders, session_id):
    orders.server.stop()
    try:
        _post(client, _event("checkout.session.completed", _session(session_id)))
        with app.app_context():
            assert sync_owed() == 0
    finally:
        orders.server.start()
    assert payment(app).synced_version == 1
    with app.app_context():
        assert sync_owed() == 1


def test_a_paid_payment_of_an_order_orders_does_not_have_is_refunded_at_once(app, client, orders, session_id):
    orders.unknown.add(12)
    with app.app_context():
        stored = db.session.scalar(db.select(SandboxSession))
        stored.status, stored.payment_status, stored.payment_intent = "complete", "paid", "pi_sandbox_1"
        stored.charge_id = "ch_sandbox_1"
        db.session.commit()
    _post(client, _event("checkout.session.completed", _session(session_id)))
    stored = payment(app)
    assert stored.status == "refunded" and stored.refund_status == "succeeded" and stored.refund_attempts == 1
    assert stored.synced_version == stored.version  # orders answered 404 to each: acknowledged
    assert [status for status, _ in orders.states(12)] == ["paid", "refunded"]


def test_a_404_that_is_not_orders_saying_so_is_no_unknown_order(app, client, orders, session_id):
    """A 404 without `order_not_found` (a route orders does not serve yet, a proxy's page) refunds nothing."""
    orders.routeless = True
    _post(client, _event("checkout.session.completed", _session(session_id)))
    stored = payment(app)
    assert stored.status == "paid" and stored.refund_status is None and stored.synced_version == 1
