"""The orders service, as payments tells it each new state of a payment.

The call is safe to repeat (orders applies a state only when its version is newer than the one it holds), so
the kit's client may retry it, and the housekeeping sends again every state orders has not acknowledged.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask, current_app

from shop_common.http import ServiceClient, client_from_settings
from shop_common.internal import service_headers


def init_clients(app: Flask) -> None:
    s = app.config["SHOP"]
    app.extensions["payments_orders"] = client_from_settings("orders", s, service_headers(s))


def _orders() -> ServiceClient:
    return current_app.extensions["payments_orders"]


def tell_orders(state: dict[str, Any]) -> requests.Response:
    """`POST /internal/orders/{order_id}/payment/` with the state; its answer (raises `ServiceUnavailable`)."""
    return _orders().post(f"/internal/orders/{state['order_id']}/payment/", json=state, idempotent=True)
