"""Stripe Checkout through Stripe's own SDK (`stripe.StripeClient`, API base `SHOP_STRIPE_API_BASE`).

A session is `mode=payment` with one line, "Order 204-118-377" at the order's amount; the order's id is its
`client_reference_id` and in the metadata of the session and of its PaymentIntent (what a refund and the
dashboard find it by). Webhook events are verified by `stripe.Webhook.construct_event` with a 300 s tolerance.
Every failure of Stripe's (unreachable, 5xx, a refused key, a request it will not take) is
`ProviderUnavailable` for opening and expiring, `RefundFailed` for a refund: logged with Stripe's message.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe

from payments.providers import (
    BadSignature,
    Looked,
    Opened,
    ProviderUnavailable,
    RefundFailed,
    RefundResult,
    minor_units,
    return_url,
)
from payments.signing import TOLERANCE

log = logging.getLogger(__name__)

#: seconds to connect to Stripe and to wait for its answer (Stripe answers within a second or two): one call within
#: the 10 s orders gives payments to open a session (SHOP_PAYMENTS_DEADLINE)
TIMEOUTS = (2.0, 7.0)


def _reason(exc: stripe.StripeError) -> str:
    return f"{type(exc).__name__}: {exc.user_message or str(exc) or 'no message'}"[:500]


class StripeProvider:
    name = "stripe"
    #: Stripe takes an `expires_at` 30 minutes or more after it creates the session, by its own clock: the
    #: session life's minimum is sent as 31, for the time the request takes and a clock a little apart
    shortest_life = timedelta(minutes=31)

    def __init__(self, settings):
        self.settings = settings
        self.webhook_secret = settings["STRIPE_WEBHOOK_SECRET"]
        # no retries of the SDK's own: each call is repeated by its caller (orders' client, the housekeeping), under
        # the same Idempotency-Key, so no call outlives the deadline of the request that made it
        self.client = stripe.StripeClient(settings["STRIPE_SECRET_KEY"], base_addresses={
            "api": settings["STRIPE_API_BASE"]}, max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=TIMEOUTS))

    def _unavailable(self, what: str, exc: stripe.StripeError) -> ProviderUnavailable:
        log.warning("stripe: %s failed: %s", what, _reason(exc))
        return ProviderUnavailable(self.name, _reason(exc))

    def open(self, payment: Any) -> Opened:
        order_id = str(payment.order_id)
        params = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": payment.currency.lower(), "unit_amount": minor_units(payment.amount, payment.currency),
                "product_data": {"name": f"Order {payment.number}"}}}],
            "client_reference_id": order_id,
            "metadata": {"order_id": order_id},
            "payment_intent_data": {"metadata": {"order_id": order_id}},
            "success_url": return_url(self.settings, payment.order_id),
            "cancel_url": return_url(self.settings, payment.order_id, left=True),
            "expires_at": int(payment.expires_at.timestamp()),
        }
        key = f"order-{order_id}"
        try:
            try:
                session = self.client.v1.checkout.sessions.create(params, {"idempotency_key": key})
            except stripe.IdempotencyError:
                # Stripe has the key with another request: an earlier opening of the order (forgotten here) that
                # reached Stripe without its answer reaching us. Its session was given to nobody and ends on its
                # own; this request goes under a key of its own, the same at each repeat of it
                log.warning("stripe: order %s was opened before with another request; opening anew", order_id)
                session = self.client.v1.checkout.sessions.create(params, {
                    "idempotency_key": f"{key}-{params['expires_at']}"})
        except stripe.StripeError as exc:
            raise self._unavailable(f"opening a session of order {order_id}", exc) from None
        return Opened(session.id, session.url, datetime.fromtimestamp(session.expires_at, UTC))

    def look(self, payment: Any) -> Looked:
        try:
            session = self.client.v1.checkout.sessions.retrieve(payment.session_id)
        except stripe.StripeError as exc:
            raise self._unavailable(f"looking at session {payment.session_id}", exc) from None
        return _looked(session)

    def expire(self, payment: Any) -> None:
        try:
            self.client.v1.checkout.sessions.expire(payment.session_id)
        except stripe.InvalidRequestError as exc:  # no longer open (paid, or expired already): `look` says which
            log.info("stripe: session %s not expired: %s", payment.session_id, _reason(exc))
        except stripe.StripeError as exc:
            raise self._unavailable(f"expiring session {payment.session_id}", exc) from None

    def refund(self, payment: Any) -> RefundResult:
        try:
            intent = payment.payment_intent or self.look(payment).payment_intent
            if intent is None:
                raise RefundFailed(f"session {payment.session_id} has no payment to refund")
            refund = self.client.v1.refunds.create(
                {"payment_intent": intent, "metadata": {"order_id": str(payment.order_id)}},
                {"idempotency_key": f"refund-order-{payment.order_id}"})
        except ProviderUnavailable as exc:
            raise RefundFailed(exc.reason) from None
        except stripe.StripeError as exc:
            log.warning("stripe: refund of order %s failed: %s", payment.order_id, _reason(exc))
            raise RefundFailed(_reason(exc)) from None
        if refund.status in ("failed", "canceled"):
            raise RefundFailed(f"Stripe's refund {refund.id} is {refund.status}: "
                               f"{getattr(refund, 'failure_reason', None) or 'no reason given'}")
        return RefundResult(refund.id, succeeded=refund.status == "succeeded")

    def verify(self, payload: bytes, header: str | None) -> dict[str, Any]:
        if not header:
            raise BadSignature("no Stripe-Signature header")
        try:
            stripe.Webhook.construct_event(payload, header, self.webhook_secret, tolerance=TOLERANCE)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise BadSignature(str(exc)) from None
        return json.loads(payload)  # signed: a body that is no JSON is the webhook's 400 malformed_event


def _looked(session: Any) -> Looked:
    found = session.to_dict()  # a StripeObject is no dict in SDK v16
    intent = found.get("payment_intent")
    if isinstance(intent, dict):  # expanded
        intent = intent.get("id")
    return Looked(found["status"], found.get("payment_status") == "paid", intent)
