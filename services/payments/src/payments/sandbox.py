"""The sandbox: a provider served by payments itself, which behaves as Stripe Checkout does for the shop.

It keeps its own sessions (`SandboxSession`: what Stripe keeps on its side), shows each on a hosted page
(`payments.api.sandbox`: test card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined), and tells the shop
what happened by Stripe-shaped events, signed as Stripe signs them (`payments.signing`) with the sandbox's webhook
secret and posted to the shop's webhook (`SHOP_PAYMENTS_SANDBOX_WEBHOOK_URL`, through the front door as Stripe's
come). So the shop's side (the webhook, its signature check and dedupe, the amount checks) runs exactly as it does
for Stripe. Each event is owed in the transaction that makes it (`SandboxEvent`, an outbox) and posted by the
housekeeping, woken right after the commit, until the webhook answers 2xx: the page never waits for the shop.

Its sessions expire at their `expires_at` (the housekeeping's `expire_sessions`, with a
`checkout.session.expired` event); refunds succeed at once (`charge.refunded`).
"""

from __future__ import annotations

import json
import logging
import secrets
import string
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from payments import signing
from payments.config import sandbox_webhook_url
from payments.models import SandboxEvent, SandboxSession, db
from payments.providers import Looked, Opened, RefundFailed, RefundResult, minor_units, return_url
from shop_common.db import end_read, unit_of_work
from shop_common.http import ServiceClient, ServiceUnavailable

log = logging.getLogger(__name__)

#: the test cards, as Stripe documents them (spaces and dashes are ignored)
PAYS, DECLINED = "4242424242424242", "4000000000000002"
#: the Stripe API version the events say they are shaped by
API_VERSION = "2024-06-20"
#: a delivery that failed waits this long times 2**(attempts - 1), up to MAX_WAIT (Stripe retries for days)
FIRST_WAIT, MAX_WAIT = timedelta(seconds=5), timedelta(hours=1)
#: how long a delivery being made keeps its events from another process's delivery
LEASE = timedelta(seconds=30)
#: events posted at once by a delivery
DELIVERY_THREADS = 4
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """An id shaped like Stripe's (`cs_test_a1B2...`): unguessable, so a session's page is reached only by its link."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _client() -> ServiceClient:
    return current_app.extensions["payments_sandbox_webhook"]


def init_sandbox(app) -> None:
    s = app.config["SHOP"]
    # a repeat of an event is harmless (the webhook handles each id once): the client may retry
    app.extensions["payments_sandbox_webhook"] = ServiceClient(
        "payments-webhook", sandbox_webhook_url(s), connect_timeout=1.0, read_timeout=8.0, deadline=10.0, retries=0,
        headers={"Content-Type": "application/json", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
    keeper = app.extensions["shop_housekeeping"]
    keeper.add("sandbox expiry", expire_sessions, every=5.0)
    keeper.add("sandbox events", deliver_events, every=2.0, wakeable=True)


# -- the provider ---------------------------------------------------------------------------------------------

class SandboxProvider:
    name = "sandbox"
    shortest_life = timedelta(0)  # any: tests use seconds

    def __init__(self, settings):
        self.settings = settings
        self.secret = settings["PAYMENTS_SANDBOX_WEBHOOK_SECRET"]

    def open(self, payment: Any) -> Opened:
        """A session for the payment, once per order (as Stripe answers a repeated Idempotency-Key `order-{id}`)."""
        with unit_of_work(db):
            db.session.execute(insert(SandboxSession).values(
                id=new_id("cs_test_", 58), order_id=payment.order_id, number=payment.number, amount=payment.amount,
                currency=payment.currency, expires_at=payment.expires_at,
                success_url=return_url(self.settings, payment.order_id),
                cancel_url=return_url(self.settings, payment.order_id, left=True))
                .on_conflict_do_nothing(index_elements=["order_id"]))
            session = db.session.scalar(select(SandboxSession).where(SandboxSession.order_id == payment.order_id))
            opened = Opened(session.id, page_url(self.settings, session.id), session.expires_at)
        return opened

    def look(self, payment: Any) -> Looked:
        session = db.session.get(SandboxSession, payment.session_id)
        looked = (Looked("expired", False) if session is None else
                  Looked(session.status, session.payment_status == "paid", session.payment_intent))
        end_read(db)
        return looked

    def expire(self, payment: Any) -> None:
        with unit_of_work(db):
            session = _locked(payment.session_id)
            if session is not None and session.status == "open":
                _end(session, "expired")
        _wake()

    def refund(self, payment: Any) -> RefundResult:
        with unit_of_work(db):
            session = _locked(payment.session_id)
            if session is None or session.payment_status != "paid":
                raise RefundFailed(f"session {payment.session_id} took no payment")
            result = RefundResult(f"re_{session.payment_intent.removeprefix('pi_')}", succeeded=True)
            if session.refunded_at is None:
                session.refunded_at = func.now()
                db.session.flush()
                _owe("charge.refunded", _charge(session))
        _wake()
        return result

    def verify(self, payload: bytes, header: str | None) -> dict[str, Any]:
        signing.verify(payload, header, self.secret)
        return json.loads(payload)


def page_url(settings, session_id: str) -> str:
    return f"{settings['SHOP_URL']}/api/payments/sandbox/{session_id}/"


def _locked(session_id: str) -> SandboxSession | None:
    return db.session.scalar(select(SandboxSession).where(SandboxSession.id == session_id).with_for_update())


# -- the hosted page's actions ---------------------------------------------------------------------------------

def session(session_id: str) -> SandboxSession | None:
    """The session to show (read; the caller ends the read)."""
    return db.session.get(SandboxSession, session_id)


def pay(session_id: str, card: str) -> SandboxSession | None:
    """Take (or decline) the session's payment with a test card, once: a session no longer open is as it was.
    `card`: `PAYS` or `DECLINED` (the page refuses any other). None: no such session."""
    with unit_of_work(db):
        found = _locked(session_id)
        if found is None:
            return None
        if found.status == "open":
            if found.expires_at <= db.session.scalar(select(func.now())):
                _end(found, "expired")
            elif card == PAYS:
                found.payment_intent, found.charge_id = new_id("pi_sandbox_"), new_id("ch_sandbox_")
                found.payment_status = "paid"
                _end(found, "complete")
            else:
                found.payment_status = "declined"
                _end(found, "complete")
    _wake()
    return found


def _end(found: SandboxSession, status: str) -> None:
    """Close a session (locked) and owe the event that says how."""
    found.status = status
    db.session.flush()
    if status == "expired":
        kind = "checkout.session.expired"
    else:
        kind = ("checkout.session.completed" if found.payment_status == "paid"
                else "checkout.session.async_payment_failed")
    _owe(kind, _session_object(found))


def expire_sessions() -> int:
    """End the open sessions past their `expires_at` (each with its `checkout.session.expired`); how many."""
    with unit_of_work(db):
        due = db.session.scalars(select(SandboxSession).where(
            SandboxSession.status == "open", SandboxSession.expires_at <= func.now())
            .order_by(SandboxSession.expires_at).limit(200).with_for_update(skip_locked=True)).all()
        for found in due:
            _end(found, "expired")
    if due:
        log.info("sandbox: %d sessions expired", len(due))
        _wake()
    return len(due)


# -- its events ------------------------------------------------------------------------------------------------

def _session_object(found: SandboxSession) -> dict[str, Any]:
    return {"id": found.id, "object": "checkout.session", "mode": "payment",
            "amount_total": minor_units(found.amount, found.currency), "currency": found.currency.lower(),
            "client_reference_id": str(found.order_id), "metadata": {"order_id": str(found.order_id)},
            "payment_intent": found.payment_intent,
            "payment_status": "paid" if found.payment_status == "paid" else "unpaid", "status": found.status,
            "expires_at": int(found.expires_at.timestamp()), "success_url": found.success_url,
            "cancel_url": found.cancel_url, "livemode": False}


def _charge(found: SandboxSession) -> dict[str, Any]:
    amount = minor_units(found.amount, found.currency)
    return {"id": found.charge_id, "object": "charge", "amount": amount, "amount_refunded": amount,
            "currency": found.currency.lower(), "payment_intent": found.payment_intent, "refunded": True,
            "metadata": {"order_id": str(found.order_id)}, "livemode": False}


def _owe(kind: str, obj: dict[str, Any]) -> None:
    """Owe the webhook an event, in the caller's transaction."""
    event_id = new_id("evt_sandbox_")
    body = {"id": event_id, "object": "event", "api_version": API_VERSION, "created": int(time.time()),
            "livemode": False, "type": kind, "data": {"object": obj}, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}}
    db.session.add(SandboxEvent(event_id=event_id, body=json.dumps(body)))


def _wake() -> None:
    """Have the housekeeping post what is owed now (in a served process; tests call `deliver_events`)."""
    current_app.extensions["shop_housekeeping"].wake()


def deliver_events(limit: int = 100) -> dict[str, int]:
    """Post the events owed whose turn it is, oldest first, each signed now, `DELIVERY_THREADS` at a time (a rush
    of shoppers paying at once is told in seconds); counts by outcome."""
    with unit_of_work(db):
        owed = (select(SandboxEvent.id)
                .where(SandboxEvent.delivered_at.is_(None), SandboxEvent.next_attempt_at <= func.now())
                .order_by(SandboxEvent.id).limit(limit).with_for_update(skip_locked=True))
        due = sorted(db.session.execute(update(SandboxEvent).where(SandboxEvent.id.in_(owed))
                                        .values(next_attempt_at=func.now() + LEASE)
                                        .returning(SandboxEvent.id, SandboxEvent.body, SandboxEvent.attempts)).all())
    if not due:
        return {"delivered": 0, "failed": 0}
    client, secret = _client(), current_app.config["SHOP"]["PAYMENTS_SANDBOX_WEBHOOK_SECRET"]
    with ThreadPoolExecutor(max_workers=min(DELIVERY_THREADS, len(due))) as pool:
        errors = list(pool.map(lambda row: _post(client, row.body.encode(), secret), due))
    with unit_of_work(db):
        for row, error in zip(due, errors, strict=True):
            if error is None:
                db.session.execute(update(SandboxEvent).where(SandboxEvent.id == row.id)
                                   .values(delivered_at=func.now(), attempts=row.attempts + 1, last_error=None))
            else:
                wait = min(FIRST_WAIT * 2 ** row.attempts, MAX_WAIT)
                db.session.execute(update(SandboxEvent).where(SandboxEvent.id == row.id).values(
                    attempts=row.attempts + 1, last_error=error, next_attempt_at=func.now() + wait))
    counts = {"delivered": errors.count(None), "failed": len(errors) - errors.count(None)}
    if counts["failed"]:
        log.warning("sandbox: %d events not delivered to the webhook; retried later", counts["failed"])
    return counts


def _post(client: ServiceClient, body: bytes, secret: str) -> str | None:
    """Post one event; None once the webhook answered 2xx, else why not."""
    try:
        response = client.post("/", data=body, headers={"Stripe-Signature": signing.sign(body, secret)},
                               idempotent=True)
    except ServiceUnavailable as exc:
        return exc.reason
    if 200 <= response.status_code < 300:
        return None
    return f"answered {response.status_code}: {response.text[:200]}"
