"""The providers that take a card payment, behind one interface (`Provider`): `stripe` (Stripe Checkout) and
`sandbox` (the same flow served by payments itself, `payments.sandbox`).

Every call is safe to repeat: opening carries the Idempotency-Key `order-{id}` and the very same request each
time (the session's end is decided once, with the payment's row), a refund `refund-order-{id}`; expiring a
session that is no longer open is no error. What the provider cannot answer now is `ProviderUnavailable`, a
503 `provider_unavailable` with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from flask import Flask, current_app

from shop_common.errors import RETRY_AFTER_SECONDS, Problem

#: currencies Stripe counts in whole units (its "zero-decimal currencies"): an amount in minor units is the amount
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                          "XAF", "XOF", "XPF"})


def minor_units(amount: Decimal, currency: str) -> int:
    """An amount as Stripe writes it: cents (`"45.00"` USD is 4500), or whole units of a zero-decimal currency."""
    return int(amount if currency.upper() in ZERO_DECIMAL else amount * 100)


def return_url(settings, order_id: int, *, left: bool = False) -> str:
    """Where the provider's page sends the shopper back: the SPA's return page of the order (`?left=1` when they
    left the page without paying)."""
    return f"{settings['SHOP_URL']}/orders/{order_id}/payment" + ("?left=1" if left else "")


class ProviderUnavailable(Problem):
    """The provider could not answer now (unreachable, slow, failing, or refusing our credentials)."""

    def __init__(self, provider: str, reason: str):
        super().__init__(503, "provider_unavailable", f"The payment provider ({provider}) is unavailable ({reason}).",
                         headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        self.reason = reason


class RefundFailed(Exception):
    """The provider answered, and refused or failed the refund: retried later, the reason shown to staff."""


class BadSignature(Exception):
    """A webhook's signature is missing, wrong, or older than the tolerance."""


@dataclass(frozen=True)
class Opened:
    session_id: str
    redirect_url: str
    expires_at: datetime


@dataclass(frozen=True)
class Looked:
    """A session as the provider has it: `open`, `complete` or `expired`; `paid` once its money is taken."""

    state: str
    paid: bool
    payment_intent: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    succeeded: bool  # False: the provider took it and settles it later (its charge.refunded event says when)


class Provider(Protocol):
    name: str
    #: the least time ahead a session's end may be when the provider is asked for it
    shortest_life: timedelta

    def open(self, payment: Any) -> Opened:
        """A session for the payment (order_id, number, amount, currency, expires_at), under Idempotency-Key
        `order-{order_id}`."""

    def look(self, payment: Any) -> Looked:
        """The payment's session as the provider has it (the expiry checks)."""

    def expire(self, payment: Any) -> None:
        """Close the payment's session if it is still open (its page stops taking money)."""

    def refund(self, payment: Any) -> RefundResult:
        """Give the payment's money back (Idempotency-Key `refund-order-{order_id}`); raises `RefundFailed`."""

    def verify(self, payload: bytes, header: str | None) -> dict[str, Any]:
        """The event a webhook carries, or `BadSignature`."""


def init_provider(app: Flask) -> None:
    """Make the configured provider (none: `None`); stripe's SDK is imported only when it is the one."""
    s = app.config["SHOP"]
    provider: Provider | None = None
    if s["PAYMENTS_PROVIDER"] == "stripe":
        from payments.providers.stripe import StripeProvider

        provider = StripeProvider(s)
    elif s["PAYMENTS_PROVIDER"] == "sandbox":
        from payments.sandbox import SandboxProvider

        provider = SandboxProvider(s)
    app.extensions["payments_provider"] = provider


def provider() -> Provider | None:
    return current_app.extensions["payments_provider"]
