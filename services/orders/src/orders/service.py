"""Orders once they exist: the shopper's history, detail and cancel, and the staff's list and status moves.

Every change of status records itself in the order's history (`Order.set_status`, saying who made it) and
the email it owes (the outbox), in the same transaction as the change. Cancelling gives
the stock back after the commit; when products cannot be reached then, the order keeps
`stock_released_at` empty and the repair gives it back later.
"""

from __future__ import annotations

import logging
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


def owe_status_email(order: Order) -> None:
    """The email of the order's new status: one per order and status, whatever repeats."""
    if order.status == "cancelled":
        template, context = "order_cancelled", {"order": render(order)}
    else:
        template, context = "order_status", {"order": render(order), "status": order.status}
    outbox.owe(db, f"order:{order.id}:{order.status}", template, {"user_id": order.user_id}, context)


def cancel(order_id: int, user_id: int | None) -> dict[str, Any]:
    """Cancel a pending or confirmed order and give its stock back; cancelling again changes nothing.
    `user_id`: the customer's own order (`None`: staff, any order)."""
    with unit_of_work(db):
        order = _find(order_id, user_id, lock=True)
        if order.status != "cancelled":
            if order.status not in CANCELLABLE:
                raise Problem(409, "not_cancellable", f"Order {order.number} is {order.status}: it can no longer "
                                                      "be cancelled.", order_status=order.status)
            order.set_status("cancelled", "customer" if user_id is not None else "staff")
            db.session.flush()
            owe_status_email(order)
    give_back_stock(order.id)
    return render(_find(order_id, user_id))


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
            db.session.flush()
            owe_status_email(order)
    return render(order)
