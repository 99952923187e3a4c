"""The products service, as the cart sees it: one bulk availability call (`/internal/stock/`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from shop_common.http import ServiceUnavailable, client_from_settings
from shop_common.internal import service_headers


def init_products(app: Flask) -> None:
    s = app.config["SHOP"]
    app.extensions["cart_products"] = client_from_settings("products", s, service_headers(s))


def variants(variant_ids: list[int] = (), product_ids: list[int] = ()) -> dict[int, dict[str, Any]]:
    """Variant id -> what products says of it (name, label, price, stock...), for these variants and every
    variant of these products; unknown ids are absent. Raises `ServiceUnavailable` (503
    `products_unavailable`) when products cannot answer in time."""
    if not variant_ids and not product_ids:
        return {}
    response = current_app.extensions["cart_products"].post(
        "/internal/stock/", json={"variant_ids": list(variant_ids), "product_ids": list(product_ids)},
        idempotent=True)  # a read: safe to try again
    try:  # anything but the answer asked for (a refused credential, a body that is not it) is products failing us
        if response.status_code != 200:
            raise ValueError(f"answered {response.status_code}")
        return {v["id"]: v for v in response.json()["variants"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceUnavailable("products", f"unexpected answer: {exc}") from None
