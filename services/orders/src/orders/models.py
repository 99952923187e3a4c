"""Orders, their lines, and the checkouts that make them. Models never commit: the services do.

A checkout is the saga's log and the Idempotency-Key's record in one row: its id is the id the order
will have, its `state` says how far the saga got (`started` -> `ordered` -> `done`; `failed` when it was
undone), and once answered it keeps the answer to give again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_common.db import make_db
from shop_common.outbox import outbox_model

db = make_db()

STATUSES = ("pending", "awaiting_payment", "confirmed", "shipped", "delivered", "cancelled")
#: the moves an order's status may make (pending -> confirmed is the checkout's own, once products has
#: confirmed the stock: staff moving it on before that could ship stock that might yet go back on sale;
#: awaiting_payment -> confirmed is the payment's own, once the provider said it is paid)
MOVES: dict[str, tuple[str, ...]] = {
    "pending": ("cancelled",),
    "awaiting_payment": ("cancelled",),
    "confirmed": ("shipped", "cancelled"),
    "shipped": ("delivered",),
    "delivered": (),
    "cancelled": (),
}
CANCELLABLE = tuple(status for status, moves in MOVES.items() if "cancelled" in moves)
#: who changed an order's status: the customer (placing or cancelling it), staff, or the shop itself (the
#: checkout confirming the stock, the repair cancelling an order whose reservation expired)
ACTORS = ("customer", "staff", "system")

#: how an order is paid: on delivery (to the courier), or by card on the payment provider's page
PAYMENT_METHODS = ("cash_on_delivery", "card")
#: what its payment is (CONTRACT.md): due on delivery; a card's `requires_action` (the shopper is to pay on the
#: provider's page) until the provider settles it as paid, failed or expired; refunded once given back
PAYMENT_STATUSES = ("due_on_delivery", "requires_action", "paid", "failed", "expired", "refunded")
#: where a refund the shop asked for stands (`failed`: its last attempt failed, and payments tries again)
REFUND_STATUSES = ("pending", "failed", "succeeded")


class Checkout(db.Model):
    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), server_default="started")
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # json, not jsonb: kept as answered
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint("state IN ('started', 'ordered', 'done', 'failed')", name="known_state"),
        Index("uq_checkouts_user_key", user_id, idempotency_key, unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
        # one checkout of a user's cart at a time, until the ordered lines have left the cart: two at once (a
        # double click with two keys) would order it twice, and so would one that reads the cart between the
        # first's stored order and its emptying of the cart
        Index("uq_checkouts_user_unfinished", user_id, unique=True,
              postgresql_where=text("state IN ('started', 'ordered')")),
        Index("ix_checkouts_unfinished", state, updated_at, postgresql_where=text("state <> 'done'")),
        Index("ix_checkouts_created_at", created_at),
    )


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # its checkout's id
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    total_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    shipping: Mapped[dict[str, str]] = mapped_column(JSONB)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    #: when a cancelled order's stock went back to products (NULL while that is still owed)
    stock_released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The payment, as the payments service last said it is (card), or as the order's own moves make it (on
    # delivery): `payment_version` is the version of the payments service's state it holds (0: none yet).
    payment_method: Mapped[str] = mapped_column(String(20), server_default="cash_on_delivery")
    payment_status: Mapped[str] = mapped_column(String(20), server_default="due_on_delivery")
    payment_version: Mapped[int] = mapped_column(Integer, server_default="0")
    payment_url: Mapped[str | None] = mapped_column(Text)
    payment_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the refund's state as payments reports it ({status, attempts, last_error, requested_at}), if one was asked
    refund: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    #: when payments took over what a cancelled card order still owed its payment (its open session closed,
    #: or its refund asked for); NULL while that is owed (the repair asks again), or when nothing was owed
    payment_settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.position", lazy="selectin",
                                                  cascade="all, delete-orphan")
    #: every status it has had, oldest first, from its creation on
    history: Mapped[list[StatusChange]] = relationship(order_by="StatusChange.id", lazy="selectin",
                                                       cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="known_status"),
        CheckConstraint(f"payment_method IN {PAYMENT_METHODS}", name="known_payment_method"),
        CheckConstraint(f"payment_status IN {PAYMENT_STATUSES}", name="known_payment_status"),
        Index("ix_orders_user_id_id", "user_id", "id"),  # a user's orders, newest first (read backwards)
        Index("ix_orders_stock_owed", id, postgresql_where=text("status = 'cancelled' AND stock_released_at IS NULL")),
        # the staff's list (ORDERINGS): by date or by total, each ending in id so that ties page stably,
        # and a status (or a customer) with its dates; a number is found by its unique index
        Index("ix_orders_created_at_id", created_at, id),
        Index("ix_orders_total_price_id", total_price, id),
        Index("ix_orders_status_created_at", status, created_at),
        Index("ix_orders_user_id_created_at", user_id, created_at),
        # cancelled card orders whose payment still owes something to payments (the repair's query)
        Index("ix_orders_payment_owed", id, postgresql_where=text(
            "status = 'cancelled' AND payment_method = 'card' AND payment_settled_at IS NULL")),
    )

    def set_status(self, status: str, by: str) -> None:
        """Change the status and record the change in its history (flushed with it, in its transaction)."""
        self.status = status
        self.history.append(StatusChange(status=status, by=by))

    @property
    def payment(self) -> Order:
        """What PaymentSchema reads the order's `payment` from: the order's own payment columns."""
        return self

    @property
    def next_statuses(self) -> list[str]:
        """The statuses staff may move it to from here (MOVES)."""
        return list(MOVES[self.status])


#: the staff list's sort orders (`GET /api/order/all/?ordering=`), each by its columns; each ends in the id, so
#: that ties page stably
ORDERINGS = {
    "-created_at": (Order.created_at.desc(), Order.id.desc()),
    "created_at": (Order.created_at, Order.id),
    "-total_price": (Order.total_price.desc(), Order.id.desc()),
    "total_price": (Order.total_price, Order.id),
}


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(100))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quantity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class StatusChange(db.Model):
    """One status an order took, when and by whom; its first is the order's creation (`pending`)."""

    __tablename__ = "order_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("orders.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(10))
    #: the transaction's time, as the order's own updated_at of the change
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="known_status"),
        CheckConstraint(f"by IN {ACTORS}", name="known_actor"),
        Index("ix_order_history_order_id_id", order_id, id),
    )


Outbox = outbox_model(db)
