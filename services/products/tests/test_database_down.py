"""With its Postgres down, the products service answers 503 `database_unavailable` with `Retry-After`, and no
such answer is kept by the catalogue's cache."""

import pytest

from products import create_app
from shop_common.testing import assert_database_unavailable


@pytest.fixture(scope="module")
def down(app_without_database):
    return app_without_database(create_app).test_client()


@pytest.mark.parametrize("method, path, staff", [
    ("GET", "/api/categories/", False),
    ("GET", "/api/products/", False),
    ("GET", "/api/products/linen-shirt/", False),
    ("POST", "/api/categories/", True),
    ("POST", "/internal/stock/", None),
])
def test_every_call_that_needs_the_database_is_a_503_while_it_is_down(down, make_token, service, method, path,
                                                                       staff):
    headers = service if staff is None else {"Authorization": f"Bearer {make_token(1, staff=staff)}"}
    body = {"name": "Shirts"} if method == "POST" and staff else {"variant_ids": [1]}
    assert_database_unavailable(down.open(path, method=method, json=body if method == "POST" else None,
                                          headers=headers))
    if method == "GET":  # and again: a 503 is never what the cache serves next
        assert_database_unavailable(down.get(path))
