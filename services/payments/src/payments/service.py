"""Payments: opening a card session for an order, settling it from the provider's events (or its answer when
the events never come), cancelling and refunding it, and telling orders each new state.

Every change of a payment row is one unit of work that adds one to its `version`; after the commit orders is
told the new state (`sync`), and the housekeeping tells it again whatever it has not acknowledged
(`synced_version`). No transaction stays open while the provider or orders is asked.

    opening --(provider's session)--> requires_action --> paid --> refunded
                                                      \\-> failed | expired

A payment settles once: an event for a payment settled another way changes nothing. A paid payment whose
order orders does not have (404 `order_not_found`) is refunded at once: it belongs to no order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from payments import providers
from payments.clients import tell_orders
from payments.models import Event, Payment, db
from payments.providers import Looked, ProviderUnavailable, RefundFailed, minor_units
from payments.schemas import PaymentStateSchema
from shop_common.db import end_read, unit_of_work
from shop_common.errors import Problem
from shop_common.http import ServiceUnavailable

log = logging.getLogger(__name__)
_STATE = PaymentStateSchema()

#: a failed refund waits this long times 2**(attempts - 1) before its next attempt, up to MAX_WAIT
REFUND_FIRST_WAIT, REFUND_MAX_WAIT = timedelta(seconds=30), timedelta(hours=1)
#: a session still open this long past its `expires_at` is looked at (its expiry event may never come)
EXPIRY_GRACE = timedelta(minutes=1)
#: an `opening` row this old was left by a request that died, or that the provider did not answer: it goes
OPENING_STALE = timedelta(minutes=5)


def render(payment: Payment) -> dict[str, Any]:
    """The payment's state as orders is told it (DESIGN: "the payment state")."""
    refund = None
    if payment.refund_status is not None:
        refund = {"status": payment.refund_status, "attempts": payment.refund_attempts,
                  "last_error": payment.refund_last_error, "requested_at": payment.refund_requested_at}
    return _STATE.dump({
        "order_id": payment.order_id, "provider": payment.provider, "status": payment.status,
        "amount": payment.amount, "currency": payment.currency,
        "redirect_url": payment.redirect_url if payment.status == "requires_action" else None,
        "expires_at": payment.expires_at, "paid_at": payment.paid_at, "refunded_at": payment.refunded_at,
        "refund": refund, "version": payment.version})


def _provider() -> providers.Provider:
    provider = providers.provider()
    if provider is None:
        raise Problem(409, "card_payments_disabled", "The shop takes no card payments (no provider is configured).")
    return provider


def _find(order_id: int, *, lock: bool = False) -> Payment:
    query = select(Payment).where(Payment.order_id == order_id, Payment.status != "opening")
    payment = db.session.scalar(query.with_for_update() if lock else query)
    if payment is None:
        raise Problem(404, "payment_not_found", f"No payment of order {order_id}.")
    return payment


def _detached(order_id: int) -> Payment:
    """The payment as it is now, kept apart from the session and with no transaction left open: what the
    provider is asked about while nothing is locked."""
    payment = _find(order_id)
    db.session.expunge(payment)
    end_read(db)
    return payment


def get(order_id: int) -> dict[str, Any]:
    state = render(_find(order_id))
    end_read(db)
    return state


def _mismatch(payment: Payment, amount: Decimal, currency: str) -> None:
    if payment.amount != amount or payment.currency != currency:
        raise Problem(409, "payment_mismatch", f"Order {payment.order_id} has a payment of {payment.amount} "
                                               f"{payment.currency} already, not {amount} {currency}.")


# -- opening ---------------------------------------------------------------------------------------------------

def open_payment(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A session for the order: 201 and its state, or 200 and the state it has (one payment per order).

    The row is written first (`opening`, with the session's end), so that asking the provider again, after
    an answer lost, sends the very same request under the same Idempotency-Key; it is open once the provider
    gave its session. The provider unreachable: 503 `provider_unavailable`, and the row stays `opening` (no
    payment anyone is told of or can find) for the repeat to send the same request, until `forget_openings`."""
    provider = _provider()
    order_id = data["order_id"]
    life = max(timedelta(minutes=current_app.config["SHOP"]["PAYMENTS_SESSION_MINUTES"]), provider.shortest_life)
    with unit_of_work(db):
        fresh = db.session.scalar(insert(Payment).values(
            order_id=order_id, number=data["number"], provider=provider.name, amount=data["amount"],
            currency=data["currency"], expires_at=func.now() + life, version=1,
            synced_version=1).on_conflict_do_nothing(index_elements=["order_id"]).returning(Payment.order_id))
        payment = db.session.scalar(select(Payment).where(Payment.order_id == order_id))
        _mismatch(payment, data["amount"], data["currency"])
        if payment.status != "opening":
            return 200, render(payment)
        db.session.expunge(payment)  # a copy of what the provider is asked for, outside any transaction
    opened = provider.open(payment)
    with unit_of_work(db):
        # version 1 is what this answer tells orders (synced_version 1): the state orders holds from the start
        db.session.execute(update(Payment).where(Payment.order_id == order_id, Payment.status == "opening").values(
            status="requires_action", session_id=opened.session_id, redirect_url=opened.redirect_url,
            expires_at=opened.expires_at))
        state = render(_find(order_id))
    return (201 if fresh is not None else 200), state


def forget_openings() -> int:
    """Drop the `opening` rows of requests that died while the provider was asked (their session, if the
    provider made one, was given to nobody and ends on its own)."""
    with unit_of_work(db):
        return db.session.execute(delete(Payment).where(
            Payment.status == "opening", Payment.created_at < func.now() - OPENING_STALE)).rowcount


# -- settling --------------------------------------------------------------------------------------------------

#: the session events and the status each settles a payment to (`checkout.session.completed` only when paid)
SESSION_EVENTS = {
    "checkout.session.completed": "paid",
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.async_payment_failed": "failed",
    "checkout.session.expired": "expired",
}


class MalformedEvent(Exception):
    """A signed event without the members its type has."""


def handle_event(provider_name: str, event: dict[str, Any]) -> str:
    """Apply a verified event, once per event id; what it did (`applied`, or why it changed nothing)."""
    try:
        event_id, kind, obj = event["id"], event["type"], event["data"]["object"]
        if not isinstance(event_id, str) or not isinstance(kind, str) or not isinstance(obj, dict):
            raise TypeError
    except (KeyError, TypeError):
        raise MalformedEvent("an event needs an id, a type and data.object") from None
    with unit_of_work(db):
        stored = db.session.scalar(insert(Event).values(provider=provider_name, event_id=event_id[:255],
                                                        type=kind[:100], outcome="")
                                   .on_conflict_do_nothing().returning(Event.id))
        if stored is None:
            return "duplicate"
        outcome, order_id = _apply(provider_name, kind, obj)
        db.session.execute(update(Event).where(Event.id == stored).values(outcome=outcome, order_id=order_id))
    log.info("event %s %s: %s", kind, event_id, outcome, extra={"order_id": order_id})
    if outcome == "applied":
        sync(order_id)
    return outcome


def _apply(provider_name: str, kind: str, obj: dict[str, Any]) -> tuple[str, int | None]:
    if kind in SESSION_EVENTS:
        payment = db.session.scalar(select(Payment).where(
            Payment.provider == provider_name, Payment.session_id == str(obj.get("id"))).with_for_update())
        if payment is None:
            return "unknown_session", None
        if not _amount_matches(payment, obj.get("amount_total"), obj.get("currency"), kind):
            return "amount_mismatch", payment.order_id
        if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
            return "awaiting_payment", payment.order_id  # a delayed method: its async_payment_* event settles it
        status = SESSION_EVENTS[kind]
        if payment.status != "requires_action":
            if status == "paid" and payment.status in ("failed", "expired"):
                log.error("order %s: a payment event (%s) for a payment %s already; nothing changed: check the "
                          "provider's dashboard", payment.order_id, kind, payment.status)
            return "already_settled", payment.order_id
        _settle(payment, status, obj.get("payment_intent"))
        return "applied", payment.order_id
    if kind == "charge.refunded":
        payment = db.session.scalar(select(Payment).where(
            Payment.provider == provider_name, Payment.payment_intent == str(obj.get("payment_intent")))
            .with_for_update())
        if payment is None:
            return "unknown_payment", None
        if not _amount_matches(payment, obj.get("amount_refunded"), obj.get("currency"), kind):
            return "amount_mismatch", payment.order_id
        if payment.status != "paid":
            return "already_settled" if payment.status == "refunded" else "not_paid", payment.order_id
        _refunded(payment, charge_id=obj.get("id"))
        return "applied", payment.order_id
    return "ignored", None


def _amount_matches(payment: Payment, amount: Any, currency: Any, kind: str) -> bool:
    expected = minor_units(payment.amount, payment.currency)
    if amount == expected and isinstance(currency, str) and currency.upper() == payment.currency:
        return True
    log.error("order %s: %s for %s %s, the payment is %s %s; nothing changed", payment.order_id, kind, amount,
              currency, expected, payment.currency.lower())
    return False


def _settle(payment: Payment, status: str, payment_intent: Any = None) -> None:
    """Settle a payment (locked, `requires_action`) as `paid`, `failed` or `expired`."""
    payment.status = status
    if status == "paid":
        payment.paid_at = func.now()
        if isinstance(payment_intent, str):
            payment.payment_intent = payment_intent
    payment.changed()
    db.session.flush()


def _refunded(payment: Payment, charge_id: Any = None) -> None:
    payment.status, payment.refunded_at, payment.refund_status = "refunded", func.now(), "succeeded"
    payment.refund_next_at, payment.refund_last_error = None, None
    if payment.refund_requested_at is None:  # refunded from the provider's dashboard
        payment.refund_requested_at = func.now()
    if isinstance(charge_id, str):
        payment.charge_id = charge_id
    payment.changed()
    db.session.flush()


def settle_looked(order_id: int, looked: Looked) -> bool:
    """Settle an open payment as its provider says it is (expired, or paid); True when it changed."""
    with unit_of_work(db):
        payment = _find(order_id, lock=True)
        if payment.status != "requires_action":
            return False
        if looked.paid:
            _settle(payment, "paid", looked.payment_intent)
        elif looked.state == "expired":
            _settle(payment, "expired")
        else:
            return False
    sync(order_id)
    return True


def cancel(order_id: int) -> dict[str, Any]:
    """Close the order's open session at the provider (its page stops taking money): `expired`, or `paid` if the
    shopper paid first. A settled payment is left as it is."""
    payment = _detached(order_id)
    if payment.status == "requires_action":
        provider = _provider_of(payment)
        provider.expire(payment)
        looked = provider.look(payment)
        if looked.state == "open" and not looked.paid:
            raise ProviderUnavailable(provider.name, "the session is still open after expiring it")
        settle_looked(order_id, looked)
    return get(order_id)


def _provider_of(payment: Payment) -> providers.Provider:
    provider = _provider()
    if provider.name != payment.provider:  # the shop changed providers with payments open
        raise ProviderUnavailable(payment.provider, f"the provider configured now is {provider.name}")
    return provider


def check_expired() -> int:
    """Look at the sessions still open a minute past their end, whose expiry the provider did not tell (or
    the event was lost): settle each as the provider says, expiring it first if the provider still has it open."""
    order_ids = db.session.scalars(select(Payment.order_id).where(
        Payment.status == "requires_action", Payment.expires_at < func.now() - EXPIRY_GRACE)
        .order_by(Payment.expires_at).limit(100)).all()
    end_read(db)
    settled = 0
    for order_id in order_ids:
        try:
            payment = _detached(order_id)
            provider = _provider_of(payment)
            looked = provider.look(payment)
            if looked.state == "open" and not looked.paid:
                provider.expire(payment)
                looked = provider.look(payment)
            settled += settle_looked(order_id, looked)
        except (ProviderUnavailable, Problem) as exc:
            end_read(db)
            log.warning("payment of order %s past its end not settled yet: %s", order_id, exc.description)
    return settled


# -- refunds ---------------------------------------------------------------------------------------------------

def refund(order_id: int) -> tuple[int, dict[str, Any]]:
    """Refund a paid payment: 202 and its state (the refund `pending`, or `succeeded` when the provider said so
    at once), 200 when refunded already; payments retries a failed refund from here on. Not paid: 409."""
    with unit_of_work(db):
        payment = _find(order_id, lock=True)
        if payment.status == "refunded":
            return 200, render(payment)
        if payment.status != "paid":
            raise Problem(409, "not_paid", f"The payment of order {order_id} is {payment.status}: there is "
                                           "nothing to refund.", payment_status=payment.status)
        _ask_refund(payment)
        # a repeat attempts it only when its turn has come: asking again does not cut a failed refund's wait short
        due = db.session.scalar(select(Payment.refund_next_at <= func.now()).where(Payment.order_id == order_id))
    if due:
        attempt_refund(order_id)
    return 202, get(order_id)


def _ask_refund(payment: Payment) -> None:
    """Owe a refund of a paid payment (locked), once."""
    if payment.refund_status is None:
        payment.refund_status, payment.refund_requested_at, payment.refund_next_at = "pending", func.now(), func.now()
        payment.changed()
        db.session.flush()


def attempt_refund(order_id: int) -> None:
    """Ask the provider for a refund owed (Idempotency-Key `refund-order-{id}`): the payment is `refunded` when
    it says so at once; a failure is recorded (attempts, last_error) and tried again after a growing wait."""
    try:
        payment = _detached(order_id)
    except Problem:
        end_read(db)
        return
    if payment.status != "paid" or payment.refund_status not in ("pending", "failed"):
        return
    try:
        result = _provider_of(payment).refund(payment)
        error = None
    except (RefundFailed, ProviderUnavailable) as exc:
        result, error = None, str(exc.reason if isinstance(exc, ProviderUnavailable) else exc)[:1000]
    with unit_of_work(db):
        payment = _find(order_id, lock=True)
        if payment.status != "paid" or payment.refund_status not in ("pending", "failed"):
            return  # settled meanwhile (its charge.refunded came first)
        payment.refund_attempts += 1
        if result is None:
            log.warning("refund of order %s failed (attempt %s): %s", order_id, payment.refund_attempts, error)
            wait = min(REFUND_FIRST_WAIT * 2 ** (payment.refund_attempts - 1), REFUND_MAX_WAIT)
            payment.refund_status, payment.refund_last_error = "failed", error
            payment.refund_next_at = func.now() + wait
            payment.changed()
        elif result.succeeded:
            payment.refund_id = result.refund_id
            _refunded(payment)
        else:  # the provider settles it later: its charge.refunded event says when
            payment.refund_id, payment.refund_status = result.refund_id, "pending"
            payment.refund_last_error, payment.refund_next_at = None, None
            payment.changed()
    sync(order_id)


def retry_refunds() -> int:
    """Attempt the refunds whose turn it is (asked, or failed and waited); how many."""
    order_ids = db.session.scalars(select(Payment.order_id).where(
        Payment.status == "paid", Payment.refund_status.in_(("pending", "failed")),
        Payment.refund_next_at <= func.now()).order_by(Payment.refund_next_at).limit(100)).all()
    end_read(db)
    for order_id in order_ids:
        attempt_refund(order_id)
    return len(order_ids)


# -- telling orders --------------------------------------------------------------------------------------------

def sync(order_id: int) -> bool:
    """Tell orders the payment's state, unless it has acknowledged this version; True once it has.

    Orders answers 200, or 404 `order_not_found` for an order it does not have: then a paid payment belongs to
    no order and is refunded at once. Any other answer (409 `payment_mismatch`, orders failing) is logged and
    the housekeeping sends the state again."""
    payment = db.session.get(Payment, order_id)
    if payment is None or payment.status == "opening" or payment.synced_version >= payment.version:
        end_read(db)
        return True
    state = render(payment)
    end_read(db)
    try:
        response = tell_orders(state)
    except ServiceUnavailable as exc:
        log.warning("order %s not yet told its payment is %s (version %s): %s", order_id, state["status"],
                    state["version"], exc.reason)
        return False
    unknown = response.status_code == 404 and _code(response) == "order_not_found"
    if response.status_code != 200 and not unknown:
        log.error("order %s refused its payment's state (version %s): %s %s", order_id, state["version"],
                  response.status_code, response.text[:500])
        return False
    with unit_of_work(db):
        db.session.execute(update(Payment).where(Payment.order_id == order_id).values(
            synced_version=func.greatest(Payment.synced_version, state["version"])))
        if unknown and state["status"] == "paid":
            payment = _find(order_id, lock=True)
            if payment.status == "paid" and payment.refund_status is None:
                log.error("order %s does not exist, and its payment is paid: refunding it", order_id)
                _ask_refund(payment)
    if unknown and state["status"] == "paid":
        attempt_refund(order_id)
    return True


def _code(response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def sync_owed(limit: int = 100) -> int:
    """Tell orders every state it has not acknowledged (the housekeeping); how many it acknowledged."""
    order_ids = db.session.scalars(select(Payment.order_id).where(
        Payment.synced_version < Payment.version, Payment.status != "opening")
        .order_by(Payment.updated_at).limit(limit)).all()
    end_read(db)
    return sum(sync(order_id) for order_id in order_ids)


#: the housekeeping's tasks of payments (the sandbox adds its own): name, function, every so many seconds
TASKS: tuple[tuple[str, Callable[[], object], float], ...] = (
    ("payment states to orders", sync_owed, 5.0),
    ("refund retries", retry_refunds, 10.0),
    ("session expiry checks", check_expired, 30.0),
    ("stale openings", forget_openings, 60.0),
)
