"""The payments service's tables. Models never commit: the services do.

A payment is one row per order: the provider's session that takes the order's money, what became of it,
and its refund. Every change of the row adds one to `version`; `synced_version` is the last version the
orders service acknowledged (200, or 404 for an order it does not have), so the housekeeping knows which
states it still owes orders. An event is a provider's webhook event handled once (by its id). The sandbox
keeps its own sessions (what Stripe keeps on its side) and the events it owes the shop's webhook.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop_common.db import make_db

db = make_db()

PROVIDERS = ("sandbox", "stripe")
#: `opening`: the provider is being asked for a session (never told to orders: it has no page yet);
#: `requires_action`: the session is open on the provider's page; the others are its ends (`refunded` after `paid`)
STATUSES = ("opening", "requires_action", "paid", "failed", "expired", "refunded")
#: `pending`: asked of the provider (or due again); `failed`: its last attempt failed and it is retried
REFUND_STATUSES = ("pending", "failed", "succeeded")


class Payment(db.Model):
    __tablename__ = "payments"

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # the order's number, on the provider's page
    provider: Mapped[str] = mapped_column(String(10))
    session_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), server_default="opening")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    redirect_url: Mapped[str | None] = mapped_column(Text)
    #: decided when it is first opened, so that asking the provider again sends the very same request
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the provider's payment (Stripe's PaymentIntent) and charge, once paid: what a refund refers to
    payment_intent: Mapped[str | None] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255))
    refund_status: Mapped[str | None] = mapped_column(String(10))
    refund_id: Mapped[str | None] = mapped_column(String(255))
    refund_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    refund_last_error: Mapped[str | None] = mapped_column(Text)
    refund_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refund_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    synced_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        CheckConstraint(f"provider IN {PROVIDERS}", name="known_provider"),
        CheckConstraint(f"status IN {STATUSES}", name="known_status"),
        CheckConstraint(f"refund_status IN {REFUND_STATUSES}", name="known_refund_status"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        UniqueConstraint("provider", "session_id", name="uq_payments_provider_session_id"),  # a webhook's session
        Index("ix_payments_payment_intent", "provider", "payment_intent",
              postgresql_where=text("payment_intent IS NOT NULL")),  # a charge.refunded event's payment
        # the housekeeping's queries: states orders has not acknowledged, open sessions by their end, refunds due
        Index("ix_payments_unsynced", "order_id", postgresql_where=text("synced_version < version")),
        Index("ix_payments_opening", "created_at", postgresql_where=text("status = 'opening'")),
        Index("ix_payments_open_expires_at", "expires_at", postgresql_where=text("status = 'requires_action'")),
        Index("ix_payments_refund_due", "refund_next_at",
              postgresql_where=text("refund_status IN ('pending', 'failed') AND status = 'paid'")),
    )

    def changed(self) -> None:
        """Count a change of the row (flushed with it): orders applies a state only when its version is newer."""
        self.version = Payment.version + 1


class Event(db.Model):
    """A provider's webhook event, handled once: its row is written in the transaction that applies it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(100))
    #: what handling it did: `applied`, or why it changed nothing (`duplicate` never: a duplicate is not stored)
    outcome: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_events_provider_event_id"),
        Index("ix_events_received_at", "received_at"),
    )


#: a sandbox session's states, as Stripe's Checkout Session has them
SANDBOX_STATES = ("open", "complete", "expired")


class SandboxSession(db.Model):
    """The sandbox's side of a session: what Stripe keeps for a Checkout Session (`look` reads it)."""

    __tablename__ = "sandbox_sessions"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # Stripe's Idempotency-Key order-{id}
    number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    success_url: Mapped[str] = mapped_column(Text)
    cancel_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    #: `unpaid`, `paid`; `declined` is the sandbox's own (Stripe says unpaid, and sends the failure event)
    payment_status: Mapped[str] = mapped_column(String(10), server_default="unpaid")
    payment_intent: Mapped[str | None] = mapped_column(String(80))
    charge_id: Mapped[str | None] = mapped_column(String(80))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN {SANDBOX_STATES}", name="known_status"),
        CheckConstraint("payment_status IN ('unpaid', 'paid', 'declined')", name="known_payment_status"),
        Index("ix_sandbox_sessions_open_expires_at", "expires_at", postgresql_where=text("status = 'open'")),
    )


class SandboxEvent(db.Model):
    """An event the sandbox owes the shop's webhook (its outbox): `body` is the JSON sent, signed at each
    attempt as Stripe signs (a fresh timestamp each time), until the webhook answers 2xx."""

    __tablename__ = "sandbox_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_sandbox_events_undelivered", "next_attempt_at", postgresql_where=text("delivered_at IS NULL")),
    )
