"""Cart lines. One line per user and variant (a unique index), so a second add grows the line.

Each line keeps what the products service said of its variant when it was last added or changed, so the
cart can still be shown, marked stale, while products cannot answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Identity, Index, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from shop_common.db import make_db

db = make_db()

MAX_QUANTITY = 99
MAX_LINES = 100  # a cart is a basket, not a warehouse; and one bulk call to products covers it
#: how long an add's Idempotency-Key is remembered: a client sends a lost add again within seconds (Stripe
#: keeps its keys 24 hours)
ADD_KEYS_KEPT_HOURS = 24


class CartItem(db.Model):
    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(220))
    name: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(100))
    image: Mapped[str | None] = mapped_column(String(500))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    stock: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="quantity_in_range"),
        Index("uq_cart_items_user_variant", user_id, variant_id, unique=True),
    )


class CartAdd(db.Model):
    """An add sent with an Idempotency-Key, written in the add's own transaction: the same add sent again
    (its answer lost, or a 503 after it was made) changes nothing a second time and answers as the first
    did; `fingerprint` tells a repeat from another add that reuses the key."""

    __tablename__ = "cart_adds"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created: Mapped[bool] = mapped_column(Boolean)  # it made a new line (201), or grew one (200)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


class CartRemoval(db.Model):
    """An order's removal of its lines, recorded so that repeating it (a retried saga step) removes once;
    `fingerprint` tells a repeat from another removal that reuses the key."""

    __tablename__ = "cart_removals"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
