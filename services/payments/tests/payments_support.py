"""What the payments tests share: the requests they make as orders and as the provider."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from payments.models import Payment, db
from payments.signing import sign
from shop_common.internal import HEADER
from shop_common.testing import SERVICE_TOKEN

SANDBOX_SECRET = "whsec_test_sandbox_secret"
SERVICE = {HEADER: SERVICE_TOKEN}


def open_body(order_id: int = 12, amount: str = "45.00", currency: str = "USD") -> dict[str, Any]:
    return {"order_id": order_id, "number": "204-118-377", "amount": amount, "currency": currency}


def open_payment(client, order_id: int = 12, **kwargs) -> dict[str, Any]:
    response = client.post("/internal/payments/", json=open_body(order_id, **kwargs), headers=SERVICE)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def payment(flask_app, order_id: int = 12) -> Payment | None:
    with flask_app.app_context():
        found = db.session.get(Payment, order_id)
        if found is not None:
            db.session.expunge(found)
        return found


def signed(client, provider: str, event: dict[str, Any], secret: str, *, timestamp: int | None = None,
           header: str | None = None):
    """Post `event` to the webhook of `provider`, signed with `secret` (at `timestamp`), or with `header`."""
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    signature = header if header is not None else sign(body, secret, timestamp)
    if signature:
        headers["Stripe-Signature"] = signature
    return client.post(f"/api/payments/webhooks/{provider}/", data=body, headers=headers)


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)
