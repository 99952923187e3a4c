"""Checkout: an order from the cart, as a saga across the cart, products and payments services.

    1. read the cart                      (cart)
    2. reserve every line, or none        (products, under the order's key), and name the lines as
                                          products names them now, in the checkout's language (a read)
    2b. a card order: open its payment    (payments, once per order: the provider's page to pay on)
    3. store the order                    (here, with its confirmation email, in one transaction)
    4. take the ordered lines out of the cart (cart, once per order's key)
    5. confirm the reservation            (products)

A card order is stored `awaiting_payment`, its stock taken in step 5 like any order's: it is held until the
provider's webhook settles the payment (`service.apply_payment`): paid confirms the order and owes its
confirmation email; failed or expired cancels it and gives the stock back. A session opened for a checkout
that is then undone belongs to no order: nobody has its page, and a payment made on it anyway is refunded
by payments at once (orders answers that it knows no such order).

A step that fails undoes the ones before it: a checkout that cannot store its order releases its
reservation (products remembers a released key, so a reserve still on its way takes nothing). Once the
order is stored it stands: steps 4 and 5 are finished by `repair()` if they cannot be now. Every call is
idempotent per key, so the repair can run any of them again, and a process that dies between two steps
leaves a `checkouts` row that the repair brings to an end: `started` ones are undone, `ordered` ones are
completed. Stock, cart and order agree again within `CHECKOUT_STALE_SECONDS` plus one repair round.

The same row is the Idempotency-Key's record (Stripe's semantics, and the IETF draft's): a repeat with
the same key and body gets the first answer again, with another body 422 `idempotency_key_reused`. A
repeat that finds the order stored but no answer kept (the first is finishing, ended with a 503 as its
database failed, or died) finishes steps 4 and 5 itself, each idempotent, and answers the order; a repeat
while the first has not stored its order yet waits for it, up to `IDEMPOTENCY_WAIT_SECONDS`, then 409
`idempotency_key_in_use`. One checkout of a user's cart runs at a time: another one (with another key, or
none) meanwhile, until the first has taken the ordered lines out of the cart, is 409 `checkout_in_progress`.
A checkout that failed for want of a service (503) before its order was stored keeps no answer: its key may
be used again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from orders import clients
from orders.models import Checkout, Order, OrderLine, db
from orders.service import (
    after_cancel,
    give_back_stock,
    mark_cancelled,
    order_number,
    owe_confirmation,
    render,
    settle_payment,
    take_payment_state,
)
from shop_common.db import DatabaseUnavailable, database_unavailable, end_read, unit_of_work
from shop_common.errors import Problem, problem
from shop_common.http import ServiceUnavailable

log = logging.getLogger(__name__)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def after(step: str) -> None:
    """Called as each step ends; tests replace it to make the process die there."""


def _settings() -> Any:
    return current_app.config["SHOP"]


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# -- the Idempotency-Key ------------------------------------------------------------------------------------

def _begin(user_id: int, key: str | None, fingerprint: str) -> int | Answer:
    """Open a checkout under `key` (the id its order will have), or the answer of the one that had it."""
    deadline = time.monotonic() + _settings()["IDEMPOTENCY_WAIT_SECONDS"]
    pause = 0.02
    while True:
        with unit_of_work(db):
            checkout_id = db.session.scalar(
                insert(Checkout).values(user_id=user_id, idempotency_key=key, fingerprint=fingerprint)
                .on_conflict_do_nothing()  # this key's checkout, or another checkout of this user running
                .returning(Checkout.id))
        if checkout_id is not None:
            return checkout_id
        first = db.session.execute(select(Checkout.id, Checkout.fingerprint, Checkout.state, Checkout.response_status,
                                          Checkout.response_body)
                                   .where(Checkout.user_id == user_id, Checkout.idempotency_key == key)).first()
        running = first is None and db.session.scalar(select(func.count()).where(
            Checkout.user_id == user_id, Checkout.state.in_(("started", "ordered"))))
        end_read(db)
        if running:
            raise Problem(409, "checkout_in_progress", "Another checkout of your cart is running; wait for its "
                                                       "answer.", headers={"Retry-After": "1"})
        if first is None:  # the first failed and let the key go, or the other checkout ended: this one runs
            continue
        if first.fingerprint != fingerprint:
            raise Problem(422, "idempotency_key_reused", "This Idempotency-Key was used with another request body.")
        if first.response_status is not None:
            return Answer(first.response_status, first.response_body, replayed=True)
        if first.state == "ordered":  # its order is stored, its answer not yet kept: finish it here (idempotent)
            return replace(_finish(first.id, keyed=True), replayed=True)
        if time.monotonic() > deadline:
            raise Problem(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still running; "
                                                         "try again in a moment.", headers={"Retry-After": "1"})
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _answer(checkout_id: int, answer: Answer, state: str | None) -> Answer:
    """Keep the answer of a checkout, and its new `state` if any, in one transaction (committed); the first
    answer kept is the one given. One commit: a row left `done` without its answer would be taken by no
    repair, and its key would answer 409 `idempotency_key_in_use` until it is forgotten."""
    with unit_of_work(db):
        kept_now = db.session.execute(update(Checkout).where(Checkout.id == checkout_id,
                                                             Checkout.response_status.is_(None))
                                      .values(response_status=answer.status, response_body=answer.body)).rowcount
        if state is not None:
            db.session.execute(update(Checkout).where(Checkout.id == checkout_id).values(state=state))
    if kept_now:
        return answer
    kept = db.session.execute(select(Checkout.response_status, Checkout.response_body)
                              .where(Checkout.id == checkout_id)).first()
    end_read(db)
    return Answer(kept.response_status, kept.response_body) if kept and kept.response_status else answer


def _refused(checkout_id: int, error: Problem) -> Answer:
    """End a checkout with a 4xx that is its answer for good (an empty cart, too little stock)."""
    body = problem(error.code, error.problem_code, error.detail, **error.extensions).get_json()
    body.pop("request_id", None)  # the request's, not the answer's
    return _answer(checkout_id, Answer(error.code, body), "done")


def _abandon(checkout_id: int, reserved: bool) -> None:
    """Undo a checkout that cannot go on: free its key, and give back any stock it may hold.

    The row stays `failed` until products confirms the release (the repair retries it)."""
    with unit_of_work(db):
        if not reserved:
            db.session.execute(delete(Checkout).where(Checkout.id == checkout_id, Checkout.state == "started"))
            return
        db.session.execute(update(Checkout).where(Checkout.id == checkout_id, Checkout.state == "started")
                           .values(state="failed", idempotency_key=None))
    _release_failed(checkout_id)


def _release_failed(checkout_id: int) -> None:
    end_read(db)  # no transaction stays open while products is asked (the repair comes from a query)
    try:
        clients.release(checkout_id)
    except ServiceUnavailable as exc:
        log.warning("checkout %s: stock not yet given back (%s); the repair will", checkout_id, exc.reason)
        return
    with unit_of_work(db):
        db.session.execute(delete(Checkout).where(Checkout.id == checkout_id, Checkout.state == "failed"))


# -- the saga -----------------------------------------------------------------------------------------------

def checkout(user_id: int, data: dict[str, Any], key: str | None) -> Answer:
    """Make the user's order from their cart: 201 with the order, or the first answer to this key again.

    The database failing is 503 `database_unavailable` with `Retry-After`, never a 500. Before the order is
    stored, nothing stays ordered (the repair undoes what was begun); once it is, the 503 says so, and the
    same request with the same key answers the order (its repeat finishes what is left)."""
    # paying on delivery is what a request without `payment_method` asked before there was one: such a body
    # keeps the fingerprint it had then, so a key kept from then still matches its repeat
    fingerprinted = {name: value for name, value in data.items()
                     if (name, value) != ("payment_method", "cash_on_delivery")}
    begun = _begin(user_id, key or f"auto-{uuid.uuid4()}", _fingerprint(fingerprinted))
    if isinstance(begun, Answer):
        return begun
    return _run(begun, user_id, data, keyed=key is not None)


def _finish(checkout_id: int, *, keyed: bool, user_id: int | None = None,
            lines: list[dict[str, int]] | None = None) -> Answer:
    """`complete()` a stored order for the request at hand. Should the database fail meanwhile, the order still
    stands (the repair completes it): the 503 says it is placed and how to get its answer."""
    try:
        return complete(checkout_id, user_id, lines)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        end_read(db)  # what complete() read outside its units of work
        how = ("send this request again with the same Idempotency-Key to get it" if keyed
               else "it will be in your orders shortly")
        raise DatabaseUnavailable(f"Your order {order_number(checkout_id)} is placed, but the database became "
                                  f"unavailable before it could be answered; {how}.") from exc


def _run(checkout_id: int, user_id: int, data: dict[str, Any], *, keyed: bool) -> Answer:
    try:
        cart = clients.cart_lines(user_id)
    except ServiceUnavailable:
        _abandon(checkout_id, reserved=False)
        raise
    after("cart read")
    if not cart:
        return _refused(checkout_id, Problem(409, "cart_empty", "Your cart is empty."))
    wanted = [{"variant_id": item["variant_id"], "quantity": item["quantity"]} for item in cart]
    try:
        reservation = clients.reserve(checkout_id, wanted, _settings()["RESERVATION_SECONDS"])
    except clients.Short as short:
        return _refused(checkout_id, _short(cart, short.lines))
    except ServiceUnavailable:
        _abandon(checkout_id, reserved=True)  # it may have been made before the answer was lost
        raise
    after("stock reserved")
    cart = _named(cart)
    prices = {line["variant_id"]: Decimal(line["unit_price"]) for line in reservation["lines"]}
    total = sum((prices[item["variant_id"]] * item["quantity"] for item in cart), Decimal("0.00"))
    payment = _open_payment(checkout_id, total) if data["payment_method"] == "card" else None
    if not _store(checkout_id, user_id, data, cart, prices, total, payment):
        _release_failed(checkout_id)
        raise Problem(503, "checkout_interrupted", "The checkout took too long and was undone; nothing was "
                                                   "ordered. Try again.", headers={"Retry-After": "1"})
    after("order stored")
    return _finish(checkout_id, keyed=keyed, user_id=user_id, lines=wanted)


def _open_payment(checkout_id: int, total: Decimal) -> dict[str, Any]:
    """Open the card payment of the order to be (payments, once per order id), or undo the checkout: with no
    session there is no order, and no stock is held for one."""
    try:
        payment = clients.open_payment(checkout_id, order_number(checkout_id), format(total, "f"),
                                       _settings()["CURRENCY"])
    except clients.CardsDisabled:
        _abandon(checkout_id, reserved=True)
        raise Problem(422, "payment_method_unavailable", "This shop takes no card payments; choose to pay on "
                                                         "delivery.", errors={"json": {"payment_method": [
                                                             "Card payments are not available."]}}) from None
    except ServiceUnavailable:
        _abandon(checkout_id, reserved=True)
        raise
    after("payment opened")
    return payment


def _named(cart: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cart's lines named as products names them now, in the checkout's language: what the order keeps and
    its emails show. The cart keeps each line's name from when it was added, perhaps in another language or
    before a rename (as the reservation's prices are today's, not the cart's). Should products not answer
    just after reserving, the cart's names do: they name the same things."""
    try:
        now = clients.names([item["variant_id"] for item in cart])
    except ServiceUnavailable:
        log.warning("checkout: products did not name the lines; the cart's names are kept")
        return cart
    return [{**item, **now.get(item["variant_id"], {})} for item in cart]


def _short(cart: list[dict[str, Any]], lines: list[dict[str, Any]]) -> Problem:
    by_variant = {item["variant_id"]: item for item in cart}
    short = [{**line, "product_id": by_variant[line["variant_id"]]["product_id"],
              "name": by_variant[line["variant_id"]]["name"], "label": by_variant[line["variant_id"]]["label"]}
             for line in lines if line["variant_id"] in by_variant]
    detail = "Not enough stock: " + "; ".join(
        f"only {line['available']} left of '{line['name']} / {line['label']}'" for line in short) + "."
    return Problem(409, "insufficient_stock", detail, lines=short)


def _store(checkout_id: int, user_id: int, data: dict[str, Any], cart: list[dict[str, Any]],
           prices: dict[int, Decimal], total: Decimal, payment: dict[str, Any] | None) -> bool:
    """Store the order, its confirmation email (once paid, for a card) and the checkout's new state in one
    transaction; False if the repair had already given this checkout up (then nothing is stored)."""
    with unit_of_work(db):
        moved = db.session.execute(update(Checkout).where(Checkout.id == checkout_id, Checkout.state == "started")
                                   .values(state="ordered")).rowcount
        if not moved:
            return False  # nothing was written
        lines = [OrderLine(position=n, product_id=item["product_id"], variant_id=item["variant_id"], name=item["name"],
                           label=item["label"], unit_price=prices[item["variant_id"]], quantity=item["quantity"])
                 for n, item in enumerate(cart, 1)]
        order = Order(id=checkout_id, number=order_number(checkout_id), user_id=user_id,
                      currency=_settings()["CURRENCY"], shipping=data["shipping"], comment=data["comment"],
                      total_price=total, lines=lines, payment_method=data["payment_method"])
        if payment is None:
            order.payment_status = "due_on_delivery"
            order.set_status("pending", "customer")  # its creation: the first line of its history
        else:
            take_payment_state(order, payment)
            order.set_status("awaiting_payment", "customer")
        db.session.add(order)
        db.session.flush()
        if payment is None:
            owe_confirmation(order)
    return True


def complete(checkout_id: int, user_id: int | None = None, lines: list[dict[str, int]] | None = None) -> Answer:
    """Steps 4 and 5 of a stored order, and its answer (201). What cannot be done now stays for the repair.

    `user_id` and `lines` (variant_id, quantity): the order's, when the caller has them (the checkout that
    stored it); else they are read."""
    if user_id is None or lines is None:
        order = db.session.get(Order, checkout_id)
        lines = [{"variant_id": line.variant_id, "quantity": line.quantity} for line in order.lines]
        user_id = order.user_id
    end_read(db)
    done = True
    try:
        clients.remove_from_cart(user_id, checkout_id, lines)
        after("cart emptied")
    except ServiceUnavailable as exc:
        log.warning("order %s: cart not yet emptied (%s); the repair will", checkout_id, exc.reason)
        done = False
    try:
        kept = clients.confirm(checkout_id)
        after("stock confirmed")
    except ServiceUnavailable as exc:
        log.warning("order %s: stock not yet confirmed (%s); the repair will", checkout_id, exc.reason)
        done = False
    else:
        with unit_of_work(db):
            order = db.session.scalar(select(Order).where(Order.id == checkout_id).with_for_update())
            if not kept:
                _lost_stock(order)
            elif order.status == "pending":  # not cancelled meanwhile, nor confirmed by another completion
                order.set_status("confirmed", "system")  # a card order waits for its payment instead
        if not kept:
            after_cancel(checkout_id)  # a card order's payment closed, or refunded if it was paid
    order = db.session.get(Order, checkout_id)
    return _answer(checkout_id, Answer(201, render(order)), "done" if done else None)


def _lost_stock(order: Order) -> None:
    """Products gave the stock of a stored order (locked) back before it was confirmed (the reservation
    expired while orders could not reach it): the order cannot be filled, so it is cancelled, and said so."""
    if order.status in ("pending", "awaiting_payment", "confirmed"):
        log.error("order %s: its reservation expired before it was confirmed; cancelling it", order.id)
        order.stock_released_at = func.now()
        mark_cancelled(order, "system")


# -- the repair ---------------------------------------------------------------------------------------------

def repair(stale_seconds: float | None = None) -> dict[str, int]:
    """Bring interrupted checkouts and cancels to an end (run by the background thread); counts by kind.

    Checkouts untouched for `stale_seconds` (the setting by default) are taken: `started` ones are
    undone (their stock released), `ordered` ones completed; cancelled orders whose stock was not given
    back get it back, and cancelled card orders whose payment is still open or paid have it closed or
    refunded (`settle_payment`). Answered checkouts older than `IDEMPOTENCY_KEEP_HOURS` are forgotten.
    """
    settings = _settings()
    stale = timedelta(seconds=settings["CHECKOUT_STALE_SECONDS"] if stale_seconds is None else stale_seconds)
    counts = {"undone": 0, "completed": 0, "stock_returned": 0, "payment_settled": 0, "forgotten": 0}
    with unit_of_work(db):
        db.session.execute(update(Checkout).where(Checkout.state == "started",
                                                  Checkout.updated_at <= func.now() - stale)
                           .values(state="failed", idempotency_key=None))
    for checkout_id in db.session.scalars(select(Checkout.id).where(Checkout.state == "failed")
                                          .order_by(Checkout.id).limit(100)).all():
        _release_failed(checkout_id)
        counts["undone"] += 1
    for checkout_id in db.session.scalars(select(Checkout.id).where(Checkout.state == "ordered",
                                                                    Checkout.updated_at <= func.now() - stale)
                                          .order_by(Checkout.id).limit(100)).all():
        complete(checkout_id)
        counts["completed"] += 1
    for order_id in db.session.scalars(select(Order.id).where(Order.status == "cancelled",
                                                              Order.stock_released_at.is_(None))
                                       .order_by(Order.id).limit(100)).all():
        counts["stock_returned"] += give_back_stock(order_id)
    for order_id in db.session.scalars(select(Order.id).where(Order.status == "cancelled",
                                                              Order.payment_method == "card",
                                                              Order.payment_settled_at.is_(None))
                                       .order_by(Order.id).limit(100)).all():
        counts["payment_settled"] += settle_payment(order_id)
    keep = timedelta(hours=settings["IDEMPOTENCY_KEEP_HOURS"])
    with unit_of_work(db):
        counts["forgotten"] = db.session.execute(delete(Checkout).where(
            Checkout.state == "done", Checkout.created_at < func.now() - keep)).rowcount
    if any(counts.values()):
        log.info("checkout repair", extra=counts)
    return counts
