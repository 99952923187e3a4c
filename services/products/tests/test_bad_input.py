"""Hostile and malformed queries and paths: always a 4xx problem+json, never a 5xx."""

import pytest

from shop_common.testing import assert_problem


@pytest.fixture(autouse=True)
def _catalogue(category, product):
    category("Shirts")
    product("Linen shirt")


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"),
    ("page=9223372036854775808", "page"), ("page=99999999999999999999999999", "page"),
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page_size=1e2", "page_size"),
    ("min_price=abc", "min_price"), ("min_price=NaN", "min_price"), ("max_price=Infinity", "max_price"),
    ("min_price=-1", "min_price"), ("max_price=1e99", "max_price"), ("min_price=50&max_price=10", "min_price"),
    ("in_stock=maybe", "in_stock"), ("ordering=stock", "ordering"), ("ordering=-price;drop", "ordering"),
    ("category=../etc", "category"), ("category=" + "a" * 200, "category"), ("search=" + "s" * 201, "search"),
])
def test_malformed_list_queries_are_422_naming_the_parameter(client, query, field):
    body = assert_problem(client.get(f"/api/products/?{query}"), 422, "validation_error")
    assert field in body["errors"]["query"], body


@pytest.mark.parametrize("search", ["'", "a & b | !c", "shirt:*", "(((", "\\", "ü", "🙂", "a" * 200, "<script>"])
def test_searches_with_tsquery_syntax_or_odd_characters_answer_normally(client, search):
    assert client.get("/api/products/", query_string={"search": search}).status_code == 200


def test_nul_bytes_in_the_query_or_path_are_refused(client):
    assert_problem(client.get("/api/products/?search=shi%00rt"), 422, "validation_error")
    assert_problem(client.get("/api/products/linen%00shirt/"), 404)


@pytest.mark.parametrize("path", [
    "/api/products/..%2F..%2Fetc%2Fpasswd/", "/api/products/%2e%2e/", "/api/products/" + "x" * 3000 + "/",
    "/api/products/linen-shirt/variants/99999999999999999999/", "/api/products/linen-shirt/variants/-1/",
    "/api/products/linen-shirt/variants/abc/", "/api/categories/" + "y" * 3000 + "/",
])
def test_strange_paths_are_404_problems(client, staff, path):
    for method in ("GET", "PATCH", "DELETE"):
        response = client.open(path, method=method, headers=staff, json={})
        assert 400 <= response.status_code < 500, (method, path)
        assert_problem(response, response.status_code)


def test_unknown_query_parameters_are_ignored(client):
    assert client.get("/api/products/?_=1700000000&utm_source=mail").status_code == 200
