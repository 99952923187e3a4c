"""Bad input from a client, through the gateway: every kind is a 4xx problem+json, never a 5xx; bodies over
the limit are refused before any service sees them; /internal/ is out of reach."""

from __future__ import annotations

import json

import pytest

from shop_common.testing import assert_problem

SHIPPING = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
            "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}
GATEWAY_404 = "Nothing is published at this path."

# -- bad input ---------------------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000
BAD_INPUTS = [
    # (method, path, body (bytes: sent as they are), extra headers, status, code); every request carries
    # a shopper's token, "{product}", "{variant}" and "{line}" are a real product, variant and cart line
    ("POST", "/api/auth/register/", b'{"username": "x",', {}, 400, "malformed_json"),
    ("POST", "/api/auth/register/", b'{"username": ' + b"9" * 5000 + b"}", {}, 400, "malformed_json"),
    ("POST", "/api/auth/register/", DEEP, {}, 400, "malformed_json"),
    ("POST", "/api/auth/register/", b'["a", "list"]', {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", b"null", {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", b'{"username": "ab"}', {"Content-Type": "text/plain"}, 415, None),
    ("POST", "/api/auth/register/", {"username": "a\u0000b", "email": "nul@example.com",
                                     "password": "correct horse battery"}, {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", b'{"username": "ab\\ud800c", "email": "s@example.com", '
                                    b'"password": "correct horse battery"}', {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": 12345, "email": "n@example.com",
                                     "password": "correct horse battery"}, {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": "valid-name", "email": "not-an-email",
                                     "password": "correct horse battery"}, {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": "valid-name", "email": "w@example.com", "password": "password"},
     {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": "valid-name", "email": "w@example.com", "password": "short"},
     {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": "bad name!", "email": "b@example.com",
                                     "password": "correct horse battery"}, {}, 422, "validation_error"),
    ("POST", "/api/auth/register/", {"username": "valid-name", "email": "u@example.com",
                                     "password": "correct horse battery", "nickname": "x"}, {}, 422,
     "validation_error"),
    ("POST", "/api/auth/login/", {"username": "someone"}, {}, 422, "validation_error"),
    ("POST", "/api/auth/login/", {"username": ["a"], "password": {"b": 1}}, {}, 422, "validation_error"),
    ("POST", "/api/auth/refresh/", {"refresh": "garbage"}, {}, 401, "invalid_token"),
    ("POST", "/api/auth/refresh/", {"refresh": 42}, {}, 422, "validation_error"),
    ("PATCH", "/api/users/profile/", {"phone": "call me maybe"}, {}, 422, "validation_error"),
    ("PATCH", "/api/users/profile/", {"email": "nobody"}, {}, 422, "validation_error"),
    ("PATCH", "/api/users/profile/", {"first_name": "x" * 151}, {}, 422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "quantity": -1}, {}, 422,
     "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "quantity": 0}, {}, 422,
     "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "quantity": 100}, {},
     422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "quantity": "2"}, {},
     422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "quantity": 1.5}, {},
     422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": 10**30, "variant_id": 1}, {}, 422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": "1"}, {}, 422, "validation_error"),
    ("POST", "/api/cart/add/", {}, {}, 422, "validation_error"),
    ("POST", "/api/cart/add/", {"product_id": 99_999_999}, {}, 404, "product_not_found"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": 99_999_999}, {}, 404,
     "product_not_found"),
    ("POST", "/api/cart/add/", {"product_id": "{product}", "variant_id": "{variant}", "colour": "red"}, {},
     422, "validation_error"),
    ("PATCH", "/api/cart/update/{line}/", {"quantity": 0}, {}, 422, "validation_error"),
    ("PATCH", "/api/cart/update/{line}/", {"quantity": True}, {}, 422, "validation_error"),
    ("PATCH", "/api/cart/update/{line}/", {"quantity": 10**30}, {}, 422, "validation_error"),
    ("PATCH", "/api/cart/update/{line}/", {"quantity": 600}, {}, 422, "validation_error"),
    ("PATCH", "/api/cart/update/99999999999999999999999/", {"quantity": 1}, {}, 404, None),
    ("PATCH", "/api/cart/update/abc/", {"quantity": 1}, {}, 404, None),
    ("DELETE", "/api/cart/delete/-1/", None, {}, 404, None),
    ("POST", "/api/order/create/", {"shipping": {**SHIPPING, "full_name": ""}}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": {**SHIPPING, "city": "   "}}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": {**SHIPPING, "postal_code": "!!"}}, {}, 422,
     "validation_error"),
    ("POST", "/api/order/create/", {"shipping": {**SHIPPING, "phone": "no phone"}}, {}, 422,
     "validation_error"),
    ("POST", "/api/order/create/", {"shipping": {}}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": "London"}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": SHIPPING, "comment": "x" * 1001}, {}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": SHIPPING}, {"Idempotency-Key": "k" * 256}, 422, "validation_error"),
    ("POST", "/api/order/create/", {"shipping": SHIPPING}, {"Idempotency-Key": "has space"}, 422,
     "validation_error"),
    ("POST", "/api/order/create/", {"shipping": SHIPPING}, {"Idempotency-Key": ""}, 422, "validation_error"),
    ("GET", "/api/order/list/?page=0", None, {}, 422, "validation_error"),
    ("GET", "/api/order/list/?page=abc", None, {}, 422, "validation_error"),
    ("GET", "/api/order/list/?page=99", None, {}, 404, "page_not_found"),
    ("GET", "/api/order/abc/", None, {}, 404, None),
    ("GET", "/api/order/99999999999999999999999/", None, {}, 404, None),
    ("GET", "/api/products/?page=0", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?page=-3", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?page=99999999999999999999999", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?page_size=0", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?page_size=101", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?page=100000", None, {}, 404, "page_not_found"),
    ("GET", "/api/products/?min_price=abc", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?min_price=1.234", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?min_price=-5", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?min_price=1e400", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?min_price=50&max_price=10", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?ordering=stock", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?in_stock=maybe", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?category=Not_A_Slug", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?search=%00", None, {}, 422, "validation_error"),
    ("GET", "/api/products/?search=" + "x" * 201, None, {}, 422, "validation_error"),
    ("PUT", "/api/cart/", None, {}, 405, None),
]


@pytest.fixture(scope="module")
def probe(stack, goods):
    """A shopper with one cart line, for the bad inputs that need them."""
    shopper = stack.shopper("prober")
    stack.add_to_cart(shopper, goods["id"], goods["variant"])
    [(line, _, _)] = stack.cart_lines(shopper)
    return {"shopper": shopper, "line": line}


def _fill(value, names):
    if isinstance(value, str):
        return int(value.format(**names)) if value.startswith("{") and value.endswith("}") else value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, body, headers, status, code", BAD_INPUTS,
                         ids=[f"{n:02d}-{c[0]} {c[1][:40]}" for n, c in enumerate(BAD_INPUTS)])
def test_bad_input_is_a_4xx_problem_never_a_5xx(stack, goods, probe, method, path, body, headers, status, code):
    names = {"product": goods["id"], "variant": goods["variant"], "line": probe["line"]}
    sent = {**JSON, **probe["shopper"].headers, **headers}  # a shopper's token: public endpoints ignore it
    data = body if isinstance(body, bytes) or body is None else json.dumps(_fill(body, names)).encode()

    # from an address of its own: the bad logins here must not use up the other tests' login throttle
    response = stack.raw(method, path.format(**names), body=data, headers=sent, source="127.0.0.5")

    assert_problem(response, status, code)
    assert stack.cart_lines(probe["shopper"])[0][2] == 1  # the probe's line is as it was


@pytest.mark.parametrize("path, authenticated", [("/api/auth/register/", False), ("/api/cart/add/", True),
                                                 ("/api/order/create/", True)])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_one_mebibyte_is_a_413_problem(stack, goods, probe, path, authenticated, chunked):
    body = b'{"username": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    headers = {**JSON, **(probe["shopper"].headers if authenticated else {})}
    data = iter([body[:65536], body[65536:]]) if chunked else body

    response = stack.post(path, data=data, headers=headers)

    problem = assert_problem(response, 413, "payload_too_large")
    assert problem["request_id"] == response.headers["X-Request-ID"]
    assert stack.cart_lines(probe["shopper"])[0][2] == 1


# -- /internal/ ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/internal/stock/"),
    ("POST", "/internal/stock/"),
    ("POST", "/internal/reservations/"),
    ("GET", "/internal/carts/1/"),
    ("POST", "/internal/carts/1/remove/"),
    ("GET", "/internal/users/1/"),
    ("GET", "/api/../internal/users/1/"),
    ("GET", "/api/products/../../internal/stock/"),
    ("GET", "/api/products/..%2F..%2Finternal/stock/"),
    ("GET", "/api/cart/%2e%2e/%2e%2e/internal/carts/1/"),
    ("GET", "//internal/users/1/"),
    ("GET", "/api/internal/users/1/"),
    ("GET", "/api/docs/users/../../../internal/users/1/"),
    ("GET", "/api/docs/users/..%2F..%2F..%2Finternal/users/1/"),
    ("GET", "/api/docs/cart/%2e%2e/%2e%2e/%2e%2e/internal/carts/1/"),
])
def test_internal_endpoints_are_out_of_reach_even_with_the_service_credential(stack, method, path):
    response = stack.raw(method, path, body=b'{"variant_ids": [1]}' if method == "POST" else None,
                         headers={"X-Service-Token": stack.service_token(), **JSON})
    assert assert_problem(response, 404, "not_found")["detail"] == GATEWAY_404
