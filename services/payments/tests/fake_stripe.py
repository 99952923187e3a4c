"""A local fake of the part of Stripe's HTTP API the stripe provider uses (https://docs.stripe.com/api), served
by the kit's `ServiceServer`: Stripe cannot be reached from here, and it is what we do not run.

    POST /v1/checkout/sessions              form-encoded as Stripe takes it (`line_items[0][price_data][...]`)
    GET  /v1/checkout/sessions/{id}
    POST /v1/checkout/sessions/{id}/expire  an open session only (else 400 invalid_request_error)
    POST /v1/refunds                        `payment_intent` of a paid session, once

as Stripe documents them: `Authorization: Bearer <secret key>` checked (401 otherwise); an `Idempotency-Key`
replays the first answer to it (with `Idempotent-Replayed: true`), and the same key with other parameters is
400 `idempotency_error`; errors are `{"error": {"type", "code", "message"}}`. `complete(session_id)` is the
shopper paying on Stripe's page; `server.switch.mode = "failing"` makes it answer 500, `server.stop()` makes
it unreachable. `requests` records what it was sent.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from flask import Flask, jsonify, request

SECRET_KEY = "sk_test_fake_secret"
WEBHOOK_SECRET = "whsec_fake_endpoint_secret"


class FakeStripe:
    def __init__(self):
        self.app = Flask("fake_stripe")
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.reset()
        app = self.app

        @app.before_request
        def _check_key():
            self.requests.append({"method": request.method, "path": request.path, "form": request.form.to_dict(),
                                  "headers": dict(request.headers)})
            if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                return _error(401, "invalid_request_error", "api_key_invalid", "Invalid API Key provided.")
            if request.method == "POST" and request.content_type != "application/x-www-form-urlencoded":
                return _error(400, "invalid_request_error", None, "Stripe takes form-encoded bodies.")
            return None

        @app.post("/v1/checkout/sessions")
        def create_session():
            return self._idempotent(self._create_session)

        @app.get("/v1/checkout/sessions/<session_id>")
        def retrieve_session(session_id: str):
            session = self.sessions.get(session_id)
            if session is None:
                return _error(404, "invalid_request_error", "resource_missing",
                              f"No such checkout.session: '{session_id}'")
            return jsonify(session)

        @app.post("/v1/checkout/sessions/<session_id>/expire")
        def expire_session(session_id: str):
            return self._idempotent(lambda: self._expire(session_id))

        @app.post("/v1/refunds")
        def create_refund():
            return self._idempotent(self._refund)

    def reset(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, tuple[tuple, int, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.refund_status = "succeeded"  # what a new refund is (Stripe: succeeded, or pending for some methods)

    def sent(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    # -- Stripe's side ---------------------------------------------------------------------------------------

    def _idempotent(self, make):
        key = request.headers.get("Idempotency-Key")
        fingerprint = (request.path, tuple(sorted(request.form.items(multi=True))))
        with self.lock:
            if key is not None and key in self.answers:
                first, status, body = self.answers[key]
                if first != fingerprint:
                    return _error(400, "idempotency_error", None, "Keys for idempotent requests can only be used "
                                  "with the same parameters they were first used with.")
                response = jsonify(body)
                response.status_code = status
                response.headers["Idempotent-Replayed"] = "true"
                return response
            response = make()
            if key is not None and response.status_code < 500:
                self.answers[key] = (fingerprint, response.status_code, response.get_json())
            return response

    def _create_session(self):
        form = request.form
        if form.get("mode") != "payment":
            return _error(400, "invalid_request_error", "parameter_missing", "Missing required param: mode.")
        expires_at = int(form.get("expires_at", 0))
        if not time.time() + 1800 <= expires_at <= time.time() + 86400:
            return _error(400, "invalid_request_error", "parameter_invalid_integer",
                          "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.")
        session_id = f"cs_test_fake{next(self.ids)}"
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "payment_intent": None,
            "amount_total": int(form["line_items[0][price_data][unit_amount]"]) * int(form["line_items[0][quantity]"]),
            "currency": form["line_items[0][price_data][currency]"], "expires_at": expires_at,
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {"order_id": form.get("metadata[order_id]")},
            "success_url": form["success_url"], "cancel_url": form["cancel_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}", "livemode": False,
        }
        self.sessions[session_id] = session
        return jsonify(session)

    def _expire(self, session_id: str):
        session = self.sessions.get(session_id)
        if session is None:
            return _error(404, "invalid_request_error", "resource_missing", f"No such checkout.session: '{session_id}'")
        if session["status"] != "open":
            return _error(400, "invalid_request_error", None, "Only Checkout Sessions with a status in [\"open\"] "
                                                              "can be expired.")
        session["status"] = "expired"
        return jsonify(session)

    def _refund(self):
        intent = request.form.get("payment_intent")
        session = next((s for s in self.sessions.values() if intent and s["payment_intent"] == intent), None)
        if session is None:
            return _error(404, "invalid_request_error", "resource_missing", f"No such payment_intent: '{intent}'")
        if any(r["payment_intent"] == intent for r in self.refunds.values()):
            return _error(400, "invalid_request_error", "charge_already_refunded", "Charge has already been refunded.")
        refund_id = f"re_fake{next(self.ids)}"
        self.refunds[refund_id] = refund = {
            "id": refund_id, "object": "refund", "amount": session["amount_total"], "currency": session["currency"],
            "payment_intent": intent, "status": self.refund_status,
            "metadata": {"order_id": request.form.get("metadata[order_id]")}}
        return jsonify(refund)

    # -- the shopper, and Stripe's events ----------------------------------------------------------------------

    def complete(self, session_id: str, *, paid: bool = True) -> dict[str, Any]:
        """The shopper pays (or starts a delayed payment, `paid=False`) on Stripe's page."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid" if paid else "unpaid",
                       payment_intent=f"pi_fake{next(self.ids)}")
        return dict(session)

    def charge(self, session_id: str) -> dict[str, Any]:
        """The charge of a paid session, refunded (the object of a charge.refunded event)."""
        session = self.sessions[session_id]
        return {"id": f"ch_{session['payment_intent']}", "object": "charge", "amount": session["amount_total"],
                "amount_refunded": session["amount_total"], "currency": session["currency"],
                "payment_intent": session["payment_intent"], "refunded": True}


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """A webhook event as Stripe sends it."""
    return {"id": event_id or f"evt_fake{time.time_ns()}", "object": "event", "api_version": "2024-06-20",
            "created": int(time.time()), "livemode": False, "type": kind, "data": {"object": obj},
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}


def _error(status: int, kind: str, code: str | None, message: str):
    response = jsonify(error={"type": kind, "code": code, "message": message})
    response.status_code = status
    return response
