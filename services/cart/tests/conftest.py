"""The cart's tests run the real products service over HTTP: its app on its own test database, served by
a werkzeug server in a thread (the kit's `ServiceServer`), which tests make slow, failing or gone."""

from __future__ import annotations

import pytest

from cart import create_app
from shop_common.testing import empty


@pytest.fixture(scope="session")
def app(shop_app, products_server):
    return shop_app(create_app, PRODUCTS_URL=products_server.url, PRODUCTS_BREAKER_FAILURES=3,
                    PRODUCTS_BREAKER_RESET=1.0)


@pytest.fixture(autouse=True)
def _fresh_products(request, products_app, products_server):
    """Every test starts with an empty catalogue, products answering normally and the breaker closed."""
    if "app" not in request.fixturenames:
        return
    empty(products_app)
    products_server.switch.mode = "normal"
    request.getfixturevalue("app").extensions["cart_products"].breaker.close()


@pytest.fixture
def shopper(make_token):
    return {"Authorization": f"Bearer {make_token(7)}"}


@pytest.fixture
def other_shopper(make_token):
    return {"Authorization": f"Bearer {make_token(8)}"}
