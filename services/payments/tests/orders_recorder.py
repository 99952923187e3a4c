"""A stand-in for the orders service's one endpoint that payments calls, `POST /internal/orders/{id}/payment/`
(DESIGN.md of issue 17), recording every state it is told: these tests check what payments sends and what it
does with each answer. The real orders service is exercised with payments in orders' tests and in the e2e tests.

It answers as orders documents: 401 without the service credential, 200 `{"order_id", "status"}` (a status it
keeps by the newest version, as orders applies only newer states), 404 `order_not_found` for an order it is told
it does not have (`unknown`); `routeless`: 404 `not_found` to everything (a server without the route).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, jsonify, request

from shop_common.testing import SERVICE_TOKEN

#: what orders' status becomes for each payment status it applies
ORDER_STATUS = {"requires_action": "awaiting_payment", "paid": "confirmed", "failed": "cancelled",
                "expired": "cancelled", "refunded": "cancelled"}


class OrdersRecorder:
    def __init__(self):
        self.app = Flask("orders_recorder")
        self.lock = threading.Lock()
        self.reset()

        @self.app.post("/internal/orders/<int:order_id>/payment/")
        def payment(order_id: int):
            if request.headers.get("X-Service-Token") != SERVICE_TOKEN:
                return _problem(401, "invalid_service_token")
            if self.routeless:
                return _problem(404, "not_found")
            state = request.get_json()
            with self.lock:
                self.received.append(state)
                if order_id in self.unknown:
                    return _problem(404, "order_not_found")
                held = self.held.get(order_id)
                if held is None or state["version"] > held["version"]:
                    self.held[order_id] = state
                return jsonify(order_id=order_id, status=ORDER_STATUS[self.held[order_id]["status"]])

    def reset(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.held: dict[int, dict[str, Any]] = {}
        self.unknown: set[int] = set()
        self.routeless = False  # answer as a server without this route would: 404 `not_found`

    def states(self, order_id: int) -> list[tuple[str, int]]:
        """(status, version) of each state told about the order, in the order received."""
        return [(s["status"], s["version"]) for s in self.received if s["order_id"] == order_id]


def _problem(status: int, code: str):
    response = jsonify(type="about:blank", title="Error", status=status, code=code)
    response.status_code, response.mimetype = status, "application/problem+json"
    return response
