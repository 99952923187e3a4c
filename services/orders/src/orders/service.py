"""Orders once they exist: the shopper's history, detail and cancel, the staff's list and status moves, and
what the payments service says of a card order's payment.

Every change of status records itself in the order's history (`Order.set_status`, saying who made it) and
the email it owes (the outbox), in the same transaction as the change. Cancelling gives
the stock back after the commit; when products cannot be reached then, the order keeps
`stock_released_at` empty and the repair gives it back later. A cancelled card order owes its payment an end
too (`settle_payment`): an open session is closed, a paid one refunded; until payments has taken that over,
`payment_settled_at` stays empty and the repair asks again.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from orders import clients
from orders.models import CANCELLABLE, MOVES, ORDERINGS, Order, db
from orders.schemas import OrderSchema
from shop_common import outbox
from shop_common.db import end_read, unit_of_work
from shop_common.errors import Problem
from shop_common.http import ServiceUnavailable
from shop_common.pagination import check_page

log = logging.getLogger(__name__)
_ORDER = OrderSchema()

#: multiplies order ids into order numbers: coprime with 10**9, so ids below 10**9 never share a number
_SCRAMBLE, _SHIFT, _SPAN = 387_420_489, 104_729, 10**9


def order_number(order_id: int) -> str:
    """A number to read out on the phone, like `204-118-377`, that does not reveal how many orders there are."""
    if order_id >= _SPAN:
        return str(order_id)
    return _written(f"{(order_id * _SCRAMBLE + _SHIFT) % _SPAN:09d}")


def _written(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 9 else digits


def read_number(text: str) -> str:
    """An order number as a customer reads it out (`204 118 377`, `204118377`) as `order_number` writes it."""
    return _written(text.replace("-", "").replace(" ", ""))


def render(order: Order) -> dict[str, Any]:
    """The order as the API answers it (CONTRACT.md), ready for JSON: what OrderSchema dumps, the same in
    emails and in the answer a checkout keeps."""
    return _ORDER.dump(order)


def _find(order_id: int, user_id: int | None, *, lock: bool = False) -> Order:
    """The order, if `user_id` owns it (`None`: staff, any order); another user's is as absent as none."""
    query = select(Order).where(Order.id == order_id)
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    order = db.session.scalar(query.with_for_update() if lock else query)
    if order is None:
        raise Problem(404, "order_not_found", f"No order {order_id}.")
    return order


def get(order_id: int, user_id: int | None) -> dict[str, Any]:
    return render(_find(order_id, user_id))


def history(user_id: int, query: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """The user's orders, newest first: the count and this page."""
    count = db.session.scalar(select(func.count()).where(Order.user_id == user_id))
    check_page(query, count)
    size = query["page_size"]
    orders = db.session.scalars(select(Order).where(Order.user_id == user_id).order_by(Order.id.desc())
                                .limit(size).offset((query["page"] - 1) * size))
    return count, [render(order) for order in orders]


def every_order(query: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Staff: the orders of every customer that the query's filters select, in its ordering: the count and
    this page."""
    where = []
    if "status" in query:
        where.append(Order.status.in_(query["status"]))
    if "number" in query:
        where.append(Order.number == read_number(query["number"]))
    if "user_id" in query:
        where.append(Order.user_id == query["user_id"])
    if "created_after" in query:
        where.append(Order.created_at >= query["created_after"])
    if "created_before" in query:
        where.append(Order.created_at <= query["created_before"])
    count = db.session.scalar(select(func.count()).select_from(Order).where(*where))
    check_page(query, count)
    size = query["page_size"]
    orders = db.session.scalars(select(Order).where(*where).order_by(*ORDERINGS[query["ordering"]])
                                .limit(size).offset((query["page"] - 1) * size))
    return count, [render(order) for order in orders]


def owe_confirmation(order: Order) -> None:
    """The order's confirmation email: at its creation (on delivery), or once it is paid (card)."""
    outbox.owe(db, f"order:{order.id}:confirmation", "order_confirmation", {"user_id": order.user_id},
               {"order": render(order)})


def owe_status_email(order: Order) -> None:
    """The email of the order's new status: one per order and status, whatever repeats."""
    if order.status == "cancelled":
        template, context = "order_cancelled", {"order": render(order)}
    else:
        template, context = "order_status", {"order": render(order), "status": order.status}
    outbox.owe(db, f"order:{order.id}:{order.status}", template, {"user_id": order.user_id}, context)


def cancel(order_id: int, user_id: int | None) -> dict[str, Any]:
    """Cancel an order that is not shipped yet and give its stock back (and its payment: closed if open,
    refunded if paid); cancelling again changes nothing. `user_id`: the customer's own order (`None`: staff,
    any order)."""
    with unit_of_work(db):
        order = _find(order_id, user_id, lock=True)
        if order.status != "cancelled":
            if order.status not in CANCELLABLE:
                raise Problem(409, "not_cancellable", f"Order {order.number} is {order.status}: it can no longer "
                                                      "be cancelled.", order_status=order.status)
            mark_cancelled(order, "customer" if user_id is not None else "staff")
    after_cancel(order.id)
    return render(_find(order_id, user_id))


def mark_cancelled(order: Order, by: str) -> None:
    """Make the (locked) order cancelled, with its email, and note what its payment owes."""
    order.set_status("cancelled", by)
    _note_payment_owed(order)
    db.session.flush()
    owe_status_email(order)


def after_cancel(order_id: int) -> None:
    """What a cancelled order owes after its commit: its stock back, and its payment's end (each retried by the
    repair when it cannot be done now)."""
    give_back_stock(order_id)
    settle_payment(order_id)


def give_back_stock(order_id: int) -> bool:
    """Return a cancelled order's stock to products, once; False while products cannot be reached."""
    released = db.session.scalar(select(Order.stock_released_at).where(Order.id == order_id)) is not None
    end_read(db)  # no transaction stays open while products is asked
    if released:
        return True
    try:
        clients.release(order_id)
    except ServiceUnavailable as exc:
        log.warning("stock of cancelled order %s not yet given back: %s", order_id, exc.reason)
        return False
    with unit_of_work(db):
        db.session.execute(update(Order).where(Order.id == order_id, Order.stock_released_at.is_(None))
                           .values(stock_released_at=func.now()))
    return True


def move(order_id: int, status: str) -> dict[str, Any]:
    """Staff: move an order along (`confirmed` -> `shipped` -> `delivered`, or cancel it); the customer is
    emailed each move. Moving to the status it has is no move and changes nothing; `pending` -> `confirmed`
    is the checkout's own move (once products confirmed the stock), never the staff's."""
    if status == "cancelled":
        return cancel(order_id, None)
    with unit_of_work(db):
        order = _find(order_id, None, lock=True)
        if status != order.status:
            if status not in MOVES[order.status]:
                number, now = order.number, order.status
                allowed = ", ".join(MOVES[now]) or "none"
                raise Problem(409, "invalid_status_move", f"Order {number} is {now}: it cannot become {status} "
                                                          f"(allowed: {allowed}).", order_status=now)
            order.set_status(status, "staff")
            if status == "delivered" and order.payment_status == "due_on_delivery":
                order.payment_status, order.paid_at = "paid", func.now()  # the courier took the money
            db.session.flush()
            owe_status_email(order)
    return render(order)


# -- the payment of a card order ----------------------------------------------------------------------------------

def take_payment_state(order: Order, state: dict[str, Any]) -> None:
    """Copy the payments service's state of the order's payment into the order (no effects: `apply_payment`)."""
    order.payment_version = state["version"]
    order.payment_status = state["status"]
    order.payment_url = state.get("redirect_url")
    order.payment_expires_at = state.get("expires_at")
    order.paid_at = state.get("paid_at")
    order.refunded_at = state.get("refunded_at")
    order.refund = _json_ready(state.get("refund"))


def _json_ready(refund: dict[str, Any] | None) -> dict[str, Any] | None:
    if refund is None:
        return None
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in refund.items()}


def _payment_owed(order: Order) -> bool:
    """A cancelled card order whose payment is still open (its page would take money) or paid and not yet
    asked back."""
    return (order.status == "cancelled" and order.payment_method == "card"
            and (order.payment_status == "requires_action"
                 or (order.payment_status == "paid" and order.refund is None)))


def _note_payment_owed(order: Order) -> None:
    if _payment_owed(order):
        order.payment_settled_at = None
    elif order.payment_settled_at is None:
        order.payment_settled_at = func.now()


#: why a card order is cancelled by its payment: the reason its email gives
_ENDS = {"failed": "payment_failed", "expired": "payment_expired", "refunded": "payment_refunded"}


def apply_payment(order_id: int, state: dict[str, Any]) -> dict[str, Any]:
    """What the payments service says a card order's payment now is, applied once and in any order: a state
    no newer than the one the order holds (its `version`) changes nothing. Paid confirms an order awaiting its
    payment (and owes its confirmation email); failed, expired or refunded cancels it (stock back, and an
    email that says why); a payment that arrives for an order cancelled meanwhile is refunded. An amount or
    currency other than the order's is refused (409 `payment_mismatch`) and changes nothing."""
    with unit_of_work(db):
        order = _find(order_id, None, lock=True)
        if order.payment_method != "card":
            raise Problem(409, "payment_mismatch", f"Order {order.number} is paid on delivery, not by card.")
        if Decimal(state["amount"]) != order.total_price or state["currency"] != order.currency:
            log.error("order %s: a payment of %s %s does not match its total of %s %s; ignored", order.id,
                      state["amount"], state["currency"], order.total_price, order.currency)
            raise Problem(409, "payment_mismatch", f"Order {order.number} is {order.total_price} "
                                                   f"{order.currency}, not {state['amount']} {state['currency']}.")
        if state["version"] > order.payment_version:
            take_payment_state(order, state)
            if order.status == "awaiting_payment" and order.payment_status == "paid":
                order.set_status("confirmed", "system")
                db.session.flush()
                owe_confirmation(order)
            elif order.status == "awaiting_payment" and order.payment_status in _ENDS:
                log.info("order %s: its payment is %s; cancelling it", order.id, order.payment_status)
                mark_cancelled(order, "system")
            else:
                _note_payment_owed(order)
        status = order.status
    if status == "cancelled":
        after_cancel(order_id)
    return {"order_id": order_id, "status": status}


def settle_payment(order_id: int) -> bool:
    """What a cancelled card order still owes its payment, handed to payments: an open session closed, a
    paid payment refunded. True when nothing is owed any more; False while payments cannot be reached (the
    repair asks again)."""
    owed = db.session.scalar(select(Order.payment_status).where(
        Order.id == order_id, Order.status == "cancelled", Order.payment_method == "card",
        Order.payment_settled_at.is_(None)))
    end_read(db)  # no transaction stays open while payments is asked
    if owed is None:
        return True
    try:
        state = clients.cancel_payment(order_id) if owed == "requires_action" else (
            clients.refund_payment(order_id) if owed == "paid" else None)
    except ServiceUnavailable as exc:
        log.warning("payment of cancelled order %s not yet %s: %s", order_id,
                    "closed" if owed == "requires_action" else "refunded", exc.reason)
        return False
    with unit_of_work(db):
        order = _find(order_id, None, lock=True)
        if state is not None and state["version"] > order.payment_version:
            take_payment_state(order, state)
        elif state is None and order.payment_status == "requires_action":
            order.payment_status = "expired"  # payments never opened it: nothing can be paid
        _note_payment_owed(order)
        return order.payment_settled_at is not None
