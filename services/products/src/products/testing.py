"""For the tests of services that call products (cart, orders): the products service served over HTTP,
and a catalogue made through its real staff API. A pytest plugin (entry point `shop_products`), so its
fixtures `products_app`, `products_server` and `catalogue` are there for every test that asks.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from shop_common.testing import ServiceServer


@pytest.fixture(scope="session")
def products_app(shop_app):
    from products import create_app

    return shop_app(create_app)


@pytest.fixture(scope="session")
def products_server(products_app):
    """The products app on its own test database, served by the kit's `ServiceServer`."""
    server = ServiceServer(products_app)
    yield server
    server.stop()


@pytest.fixture
def catalogue(products_app, make_token):
    return Catalogue(products_app, make_token)


class Catalogue:
    """`product(name, *variants)` makes a product in the `shirts` category; each variant is
    `(label, price, stock)`. Returns `(product_id, [variant ids])`. `set(slug, variant_id, **changes)`
    changes a variant (its stock, its price)."""

    def __init__(self, app: Flask, make_token: Callable[..., str]):
        self.client = app.test_client()
        self.staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
        self.client.post("/api/categories/", json={"name": "Shirts"}, headers=self.staff)

    def product(self, name: str, *variants: tuple[str, str, int]) -> tuple[int, list[int]]:
        body = {"name": name, "category": "shirts", "variants": [
            {"sku": f"{name[:10]}-{label}".replace(" ", "-"), "label": label, "price": price, "stock": stock}
            for label, price, stock in variants]}
        response = self.client.post("/api/products/", json=body, headers=self.staff)
        assert response.status_code == 201, response.get_json()
        made = response.get_json()
        return made["id"], [v["id"] for v in made["variants"]]

    def set(self, slug: str, variant_id: int, **changes) -> None:
        response = self.client.patch(f"/api/products/{slug}/variants/{variant_id}/", json=changes, headers=self.staff)
        assert response.status_code == 200, response.get_json()

    def stock(self, slug: str) -> dict[int, int]:
        """Variant id -> stock, as the public catalogue shows it."""
        response = self.client.get(f"/api/products/{slug}/")
        assert response.status_code == 200, response.get_json()
        return {v["id"]: v["stock"] for v in response.get_json()["variants"]}
