"""Stripe's webhook signature scheme, which the sandbox signs its events with and checks them by:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the endpoint's secret>`.

Stripe's own SDK verifies the stripe provider's events (`stripe.Webhook.construct_event`). The sandbox signs as
well as checks, which the SDK does not offer as an API; these twenty lines keep a sandbox or `none` process
from importing the SDK at all (it would cost about 2 MB of memory: its modules load lazily), and the tests check
that the SDK accepts what the sandbox signs.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from payments.providers import BadSignature

#: the oldest signature accepted, in seconds (Stripe's default tolerance)
TOLERANCE = 300


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header of `payload`, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(payload, secret, timestamp)}"


def verify(payload: bytes, header: str | None, secret: str, tolerance: int = TOLERANCE) -> None:
    """Raise `BadSignature` unless `header` holds a v1 signature of `payload` made with `secret` within
    `tolerance` seconds."""
    if not header:
        raise BadSignature("no Stripe-Signature header")
    pairs = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in pairs if key.strip() == "t"]
    signatures = [value.strip() for key, value in pairs if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        raise BadSignature("the Stripe-Signature header has no timestamp or no v1 signature")
    timestamp = int(stamps[0])
    expected = signature(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, sent) for sent in signatures):
        raise BadSignature("no signature matches the body")
    if timestamp < time.time() - tolerance:
        raise BadSignature(f"the signature is older than {tolerance} seconds")
