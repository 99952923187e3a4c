"""Fixtures of the products service's tests: the real app on a real, migrated Postgres database and Redis."""

import pytest

from products import create_app
from shop_common.testing import SERVICE_TOKEN


@pytest.fixture(scope="session")
def app(shop_app):
    return shop_app(create_app)


@pytest.fixture
def uncached(app):
    """The same service on the same database, with a Redis that is not there: answers straight from Postgres."""
    return create_app({**app.config["SHOP"], "REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()


@pytest.fixture
def service():
    """The headers another service sends to /internal/."""
    return {"X-Service-Token": SERVICE_TOKEN}


@pytest.fixture
def staff(make_token):
    """The `Authorization` header of a staff member."""
    return {"Authorization": f"Bearer {make_token(1, staff=True)}"}


@pytest.fixture
def shopper(make_token):
    return {"Authorization": f"Bearer {make_token(2)}"}


@pytest.fixture
def category(client, staff):
    """`category(name, **fields)`: a new category made through the staff API."""

    def make(name="Shirts", **fields):
        response = client.post("/api/categories/", json={"name": name, **fields}, headers=staff)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def product(client, staff):
    """`product(name, category_slug, variants=[...], **fields)`: a new product made through the staff API."""

    def make(name, category="shirts", variants=None, **fields):
        variants = variants or [{"sku": f"{name[:20].upper().replace(' ', '-')}-1", "label": "One size",
                                 "price": "10.00", "stock": 5}]
        response = client.post("/api/products/", json={"name": name, "category": category, "variants": variants,
                                                       **fields}, headers=staff)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
