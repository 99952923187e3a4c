"""The cart and products services, as the checkout saga calls them.

Every call here is safe to repeat: the cart read is a read, and every write carries the order's key
(products reserves, confirms and releases once per key; the cart removes an order's lines once per key),
so the kit's client may retry them and the repair may run them again.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask, current_app

from shop_common import manifest
from shop_common.http import ServiceClient, ServiceUnavailable, client_from_settings
from shop_common.internal import service_headers


def init_clients(app: Flask) -> None:
    s = app.config["SHOP"]
    for service in manifest.load().services["orders"].calls:
        app.extensions[f"orders_{service}"] = client_from_settings(service, s, service_headers(s))


def _client(service: str) -> ServiceClient:
    return current_app.extensions[f"orders_{service}"]


def _json(service: str, response: requests.Response, *expected: int) -> dict[str, Any]:
    """The body of an expected answer; anything else (a refused credential, a body that is not JSON) is
    the other service failing us."""
    try:
        if response.status_code not in expected:
            raise ValueError(f"answered {response.status_code}")
        return response.json()
    except ValueError as exc:
        raise ServiceUnavailable(service, f"unexpected answer: {exc}") from None


def reservation_key(order_id: int) -> str:
    return f"order-{order_id}"


def cart_lines(user_id: int) -> list[dict[str, Any]]:
    """The user's cart as stored: `[{id, product_id, variant_id, quantity, name, label, unit_price}]`."""
    return _json("cart", _client("cart").get(f"/internal/carts/{user_id}/"), 200)["items"]


def names(variant_ids: list[int]) -> dict[int, dict[str, str]]:
    """`{variant_id: {name, label}}`: the product's name and the variant's label as products says them now, in
    the language of the request at hand (the kit's client passes its Accept-Language on); unknown ids are left
    out. A read: safe to retry."""
    body = _json("products", _client("products").post("/internal/stock/", idempotent=True, json={
        "variant_ids": variant_ids}), 200)
    return {variant["id"]: {"name": variant["name"], "label": variant["label"]} for variant in body["variants"]}


def remove_from_cart(user_id: int, order_id: int, lines: list[dict[str, int]]) -> None:
    """Take what the order bought out of the cart (once per order, whatever happens to the cart meanwhile)."""
    _json("cart", _client("cart").post(f"/internal/carts/{user_id}/remove/", idempotent=True, json={
        "key": reservation_key(order_id), "lines": lines}), 200)


class Short(Exception):
    """Products could not reserve every line: `lines` says which and how many are left."""

    def __init__(self, lines: list[dict[str, Any]]):
        super().__init__("insufficient stock")
        self.lines = lines


def reserve(order_id: int, lines: list[dict[str, int]], seconds: int) -> dict[str, Any]:
    """Reserve every line for the order, or nothing (raises `Short`)."""
    response = _client("products").post("/internal/reservations/", idempotent=True, json={
        "key": reservation_key(order_id), "lines": lines, "ttl_seconds": seconds})
    if response.status_code == 409 and _code(response) == "insufficient_stock":
        raise Short(response.json().get("lines", []))
    if response.status_code == 404 and _code(response) == "variant_not_found":  # sold no more: none left
        gone = set(response.json().get("variant_ids", []))
        raise Short([{"variant_id": line["variant_id"], "requested": line["quantity"], "available": 0}
                     for line in lines if line["variant_id"] in gone])
    return _json("products", response, 200, 201)


def _code(response: requests.Response) -> str | None:
    try:
        return response.json().get("code")
    except ValueError:
        return None


def confirm(order_id: int) -> bool:
    """Keep the order's stock for good; False when products had given it back already (released or expired)."""
    response = _client("products").post(f"/internal/reservations/{reservation_key(order_id)}/confirm/",
                                        idempotent=True)
    if response.status_code == 409 and _code(response) == "reservation_released":
        return False
    _json("products", response, 200)
    return True


def release(order_id: int) -> None:
    """Give the order's stock back (idempotent; a key never reserved is remembered, so nothing is taken later)."""
    _json("products", _client("products").post(f"/internal/reservations/{reservation_key(order_id)}/release/",
                                               idempotent=True), 200)


# -- the payments service ---------------------------------------------------------------------------------------

class CardsDisabled(Exception):
    """The shop takes no card payments (payments has no provider)."""


def open_payment(order_id: int, number: str, amount: str, currency: str) -> dict[str, Any]:
    """Open the order's card payment on the provider's page: its state (`redirect_url`, `expires_at`, ...).
    Once per order: a repeat answers the session opened first."""
    response = _client("payments").post("/internal/payments/", idempotent=True, json={
        "order_id": order_id, "number": number, "amount": amount, "currency": currency})
    if response.status_code == 409 and _code(response) == "card_payments_disabled":
        raise CardsDisabled()
    return _json("payments", response, 200, 201)


def cancel_payment(order_id: int) -> dict[str, Any] | None:
    """Close the order's open session, so its page takes no money any more: the payment's state (None when
    payments never opened one)."""
    response = _client("payments").post(f"/internal/payments/{order_id}/cancel/", idempotent=True)
    if response.status_code == 404 and _code(response) == "payment_not_found":
        return None
    return _json("payments", response, 200)


def refund_payment(order_id: int) -> dict[str, Any]:
    """Ask for the order's payment back (payments retries it with the provider until it is done): its state."""
    return _json("payments", _client("payments").post(f"/internal/payments/{order_id}/refund/", idempotent=True),
                 200, 202)
