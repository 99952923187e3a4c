"""Every service's public OpenAPI document against the service itself, with schemathesis.

Each service runs for real (its app on its own test database; products and cart also served over HTTP, for
the services that call them), the products service holding the demo catalogue, so generated requests meet
real products as well as missing ones. Every operation of each public document gets requests generated from
its schemas, sent with a shopper's token and with a staff member's, and every check must pass: no 5xx, the
status, content type, headers and body as documented, valid input accepted and invalid input refused.

Bounded and reproducible: a fixed number of examples per operation and phase, derandomized, no deadline.

The documents are read at collection (one operation, one test), in a process of their own; the apps that
make them are never served: each test sends its requests to the app of this run, built from the same code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from typing import Any

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from shop_common.internal import HEADER
from shop_common.schemas import BAD_TEXT
from shop_common.testing import SERVICE_TOKEN, ServiceServer

#: examples generated per operation and generation mode, for each role
EXAMPLES = 25
ROLES = ("shopper", "staff")


#: a script printing every service's public document, made by an app that is never started (nothing it names is
#: there): run in a process of its own, so that building four apps at collection leaves nothing behind in this one
#: (logging, the app's background machinery) for the tests that run here
_DOCUMENTS = """
import importlib, json
from shop_common import manifest
from shop_common.keys import generate_keypair

keys = generate_keypair("ES256")
base = {"ENV": "test", "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/unused", "REDIS_URL": "redis://127.0.0.1:1/0",
        "JWT_PUBLIC_KEY": keys.public_pem, "SERVICE_TOKEN": "unused", "BACKGROUND": False, "LOG_LEVEL": "ERROR"}
nowhere = "http://127.0.0.1:1"
documents = {}
for api in manifest.load().apis():  # each api of the shop, with what its settings need
    service = api.name
    settings = {**({"JWT_PRIVATE_KEY": keys.private_pem} if api.signs_tokens else {}),
                **{f"{callee.upper()}_URL": nowhere for callee in api.calls}}
    app = importlib.import_module(api.package).create_app({**base, **settings})
    full = app.test_client().get("/openapi.json").get_json()
    internal = {path: item for path, item in full["paths"].items() if path.startswith("/internal/")}
    documents[service] = app.test_client().get("/docs/openapi.json").get_json()
    if internal:
        documents[f"{service}-internal"] = {**full, "paths": internal}
print(json.dumps(documents))
"""


def _documents() -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _DOCUMENTS], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _schema(document: dict[str, Any]):
    loaded = schemathesis.openapi.from_dict(document)
    loaded.config.update(base_url="http://localhost")
    loaded.config.generation.update(max_examples=EXAMPLES)
    return loaded


DOCUMENTS = _documents()
users_schema = _schema(DOCUMENTS["users"])
products_schema = _schema(DOCUMENTS["products"])
cart_schema = _schema(DOCUMENTS["cart"])
orders_schema = _schema(DOCUMENTS["orders"])
payments_schema = _schema(DOCUMENTS["payments"])
#: the /internal/ API of the services that have one (their whole documents less the public paths and probes)
users_internal_schema = _schema(DOCUMENTS["users-internal"])
products_internal_schema = _schema(DOCUMENTS["products-internal"])
cart_internal_schema = _schema(DOCUMENTS["cart-internal"])
orders_internal_schema = _schema(DOCUMENTS["orders-internal"])
payments_internal_schema = _schema(DOCUMENTS["payments-internal"])


@pytest.fixture(scope="session")
def demo_products_app(shop_app):
    from products import create_app
    from products.demo.seed import seed_demo

    app = shop_app(create_app)
    with app.app_context():
        seed_demo()
    return app


@pytest.fixture(scope="session")
def demo_products_server(demo_products_app):
    server = ServiceServer(demo_products_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def conformance_cart_app(shop_app, demo_products_server):
    import cart

    return shop_app(cart.create_app, PRODUCTS_URL=demo_products_server.url)


@pytest.fixture(scope="session")
def conformance_cart_server(conformance_cart_app):
    server = ServiceServer(conformance_cart_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def users_app(shop_app, jwt_keys):
    import users

    # a reset request takes its least answer time however it is answered: a short one keeps the run short
    return shop_app(users.create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, PASSWORD_RESET_ANSWER_SECONDS=0.01)


@pytest.fixture(scope="session")
def payments_app(shop_app):
    """Payments with its sandbox; what it would tell orders stays owed (orders is not served here)."""
    import payments

    return shop_app(payments.create_app, PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_WEBHOOK_SECRET="whsec_test",
                    ORDERS_URL="http://127.0.0.1:9")


@pytest.fixture(scope="session")
def conformance_payments_server(payments_app):
    server = ServiceServer(payments_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def orders_app(shop_app, demo_products_server, conformance_cart_server, conformance_payments_server):
    import orders

    return shop_app(orders.create_app, PRODUCTS_URL=demo_products_server.url, CART_URL=conformance_cart_server.url,
                    PAYMENTS_URL=conformance_payments_server.url)


def _token(app, jwt_keys, role: str) -> str:
    shop = app.config["SHOP"]
    now = int(time.time())
    claims = {"sub": "1" if role == "staff" else "2", "iat": now, "nbf": now, "exp": now + 3600,
              "jti": str(uuid.uuid4()), "type": "access", "fresh": False, "fam": str(uuid.uuid4()),
              "staff": role == "staff", "iss": shop["JWT_ISSUER"], "aud": shop["JWT_AUDIENCE"]}
    return jwt.encode(claims, jwt_keys.private_pem, algorithm="ES256")


#: the refusals a schema cannot express, each documented by its operation (CONTRACT.md): the problem's `codes`
#: (a 400 or a 422), or the fields a 422's `errors` name
RULES = {
    "POST /api/auth/register/": {"fields": {("json", "password")}},  # too common, or holds the username
    # no such link (or spent, expired...); the password too common, or holding the username
    "POST /api/auth/password-reset/confirm/": {"codes": {"invalid_token"}, "fields": {("json", "password")}},
    "POST /api/auth/verify-email/": {"codes": {"invalid_token"}},
    # the current password is not that; the new one too common, holding the username, or the current one
    "POST /api/users/password/": {"codes": {"wrong_password"}, "fields": {("json", "new_password")}},
    # `is_default: false` on the account's default address: the default is moved, never unset
    "PATCH /api/users/addresses/{address_id}/": {"fields": {("json", "is_default")}},
    # above max_price; size or colour values that are only commas, or more than 30 once split at commas
    "GET /api/products/": {"fields": {("query", "min_price"), ("query", "size"), ("query", "color")}},
    "GET /api/products/facets/": {"fields": {("query", "min_price"), ("query", "size"), ("query", "color")}},
    "POST /api/products/": {"fields": {("json", "category")}},  # no such category
    # no such category; `images` not exactly the product's photo ids, each once
    "PATCH /api/products/{slug}/": {"fields": {("json", "category"), ("json", "images")}},
    # any bytes are a binary: only a sound JPEG, PNG or WebP that is what it says is taken
    "POST /api/products/{slug}/images/": {"codes": {"invalid_image"}},
    # the product has several variants; the line would pass 99; the key came with another add
    "POST /api/cart/add/": {"codes": {"variant_required", "quantity_too_large", "idempotency_key_reused"}},
    "POST /api/order/create/": {"codes": {"idempotency_key_reused"}},  # the key came with another body
    # a date that does not exist (2026-02-30, 25:00); created_after later than created_before
    "GET /api/order/all/": {"fields": {("query", "created_after"), ("query", "created_before")}},
    "POST /internal/reservations/": {"codes": {"idempotency_key_reused"}},  # the key came with other lines
    "POST /internal/carts/{user_id}/remove/": {"codes": {"idempotency_key_reused"}},
    # a payment of nothing; the state of another order than the path's, or a `refund` with fields it has not
    # (OpenAPI 3.0 cannot say "this object, or null": apispec's anyOf lets any object stand for the null)
    "POST /internal/payments/": {"fields": {("json", "amount")}},
    "POST /internal/orders/{order_id}/payment/": {"fields": {("json", "order_id"), ("json", "refund")}},
}
#: refused anywhere, and said so in every document: text that holds NUL (no database takes it) or a lone
#: surrogate, and an attribute's name or a translated value's (`translations.<lang>.values`) outside its length
#: (OpenAPI 3.0 cannot constrain a map's keys)


def _leaves(errors, path=()):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, errors


def _documented_refusal(case, response) -> bool:
    if response.status_code not in (400, 422):
        return False
    rule = RULES.get(f"{case.method.upper()} {case.path}", {})
    body = response.json()
    if body.get("code") in rule.get("codes", ()):
        return True
    if response.status_code != 422:
        return False
    leaves = list(_leaves(body.get("errors") or {}))
    return bool(leaves) and all(path[:2] in rule.get("fields", ()) or all(m == BAD_TEXT for m in messages)
                                or (("attributes" in path or "values" in path) and path[-1] == "key")
                                for path, messages in leaves)


def valid_input_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, but for the refusals of RULES."""
    if _documented_refusal(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)


def _left_out(case) -> set[str]:
    """The headers this case is negative by not having (a token, the service credential): sent without them."""
    data = case.meta.phase.data if case.meta else None
    mutations = getattr(data, "mutations", None) or ()
    return {getattr(data, "parameter", None), *(m.parameter for m in mutations
                                                if m.parameter_location == ParameterLocation.HEADER)} - {None}


def _send(case, app, headers: dict[str, str]) -> None:
    # this run's app, for the request and for the checks that send more of their own (without a token...)
    case.operation.app = case.operation.schema.app = app
    left_out = _left_out(case)
    case.call_and_validate(headers={k: v for k, v in headers.items() if k not in left_out},
                           excluded_checks=[positive_data_acceptance], additional_checks=[valid_input_accepted])


def _check(case, app, jwt_keys, role: str) -> None:
    _send(case, app, {"Authorization": f"Bearer {_token(app, jwt_keys, role)}"})


BOUNDED = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))


def test_swagger_uis_product_example_can_be_sent_as_it_is(demo_products_app, jwt_keys):
    # first in this module: the conformance run below sends the example too (a second time is 409)
    document = demo_products_app.test_client().get("/docs/openapi.json").get_json()
    example = document["paths"]["/api/products/"]["post"]["requestBody"]["content"]["application/json"]["example"]
    response = demo_products_app.test_client().post("/api/products/", json=example, headers={
        "Authorization": f"Bearer {_token(demo_products_app, jwt_keys, 'staff')}"})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("role", ROLES)
@users_schema.parametrize()
@BOUNDED
def test_users_answers_conform(case, role, users_app, jwt_keys):
    _check(case, users_app, jwt_keys, role)


@pytest.mark.parametrize("role", ROLES)
@products_schema.parametrize()
@BOUNDED
def test_products_answers_conform(case, role, demo_products_app, jwt_keys):
    _check(case, demo_products_app, jwt_keys, role)


@pytest.mark.parametrize("role", ROLES)
@cart_schema.parametrize()
@BOUNDED
def test_cart_answers_conform(case, role, conformance_cart_app, jwt_keys):
    _check(case, conformance_cart_app, jwt_keys, role)


@pytest.mark.parametrize("role", ROLES)
@orders_schema.parametrize()
@BOUNDED
def test_orders_answers_conform(case, role, orders_app, jwt_keys):
    _check(case, orders_app, jwt_keys, role)


@pytest.mark.parametrize("role", ROLES)
@payments_schema.parametrize()
@BOUNDED
def test_payments_answers_conform(case, role, payments_app, jwt_keys):
    _check(case, payments_app, jwt_keys, role)



@users_internal_schema.parametrize()
@BOUNDED
def test_users_internal_answers_conform(case, users_app):
    _send(case, users_app, {HEADER: SERVICE_TOKEN})


@products_internal_schema.parametrize()
@BOUNDED
def test_products_internal_answers_conform(case, demo_products_app):
    _send(case, demo_products_app, {HEADER: SERVICE_TOKEN})


@cart_internal_schema.parametrize()
@BOUNDED
def test_cart_internal_answers_conform(case, conformance_cart_app):
    _send(case, conformance_cart_app, {HEADER: SERVICE_TOKEN})


@orders_internal_schema.parametrize()
@BOUNDED
def test_orders_internal_answers_conform(case, orders_app):
    _send(case, orders_app, {HEADER: SERVICE_TOKEN})


@payments_internal_schema.parametrize()
@BOUNDED
def test_payments_internal_answers_conform(case, payments_app):
    _send(case, payments_app, {HEADER: SERVICE_TOKEN})
