"""Which methods the shop offers, no provider at all, and the settings refused at start-up (the sandbox in
production unless asked for, Stripe without its secrets or with a session life Stripe refuses)."""

from __future__ import annotations

import pytest
from payments_support import SANDBOX_SECRET, SERVICE, open_body, signed

from payments import create_app
from shop_common.config import SettingsError
from shop_common.testing import assert_problem


def test_the_sandbox_offers_the_card(client):
    response = client.get("/api/payments/methods/")
    assert response.status_code == 200
    assert response.get_json() == {"methods": ["cash_on_delivery", "card"], "provider": "sandbox"}


def test_the_stripe_provider_offers_the_card(stripe_app):
    assert stripe_app.test_client().get("/api/payments/methods/").get_json()["provider"] == "stripe"


def test_no_provider_takes_no_cards(none_app):
    client = none_app.test_client()
    assert client.get("/api/payments/methods/").get_json() == {"methods": ["cash_on_delivery"], "provider": None}
    assert_problem(client.post("/internal/payments/", json=open_body(), headers=SERVICE), 409,
                   "card_payments_disabled")
    event = {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}}
    for provider in ("sandbox", "stripe"):
        assert_problem(signed(client, provider, event, SANDBOX_SECRET), 404, "provider_not_configured")
    assert client.get("/api/payments/sandbox/cs_test_abc/").status_code == 404  # no page: the sandbox is not there
    assert "stripe" not in none_app.extensions  # nor is Stripe's SDK used


@pytest.fixture
def build(jwt_keys):
    """`build(**settings)`: the app as these settings make it (its database and Redis are never reached: start-up
    is all it is)."""

    def make(**overrides):
        return create_app({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/never",
                           "REDIS_URL": "redis://127.0.0.1:1/0", "JWT_PUBLIC_KEY": jwt_keys.public_pem,
                           "ORDERS_URL": "http://127.0.0.1:1", "LOG_FORMAT": "text", "BACKGROUND": False, **overrides})

    return make


def test_the_sandbox_is_refused_in_production_unless_asked_for(build):
    with pytest.raises(SettingsError) as refused:
        build(ENV="production", PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_WEBHOOK_SECRET="whsec_x")
    assert any("SHOP_PAYMENTS_SANDBOX_IN_PRODUCTION" in problem for problem in refused.value.problems)
    made = build(ENV="production", PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_WEBHOOK_SECRET="whsec_x",
                  PAYMENTS_SANDBOX_IN_PRODUCTION=True)
    assert made.extensions["payments_provider"].name == "sandbox"


def test_the_sandbox_needs_its_secret_outside_development(build):
    with pytest.raises(SettingsError) as refused:
        build(ENV="test", PAYMENTS_PROVIDER="sandbox")
    assert refused.value.problems == ["SHOP_PAYMENTS_SANDBOX_WEBHOOK_SECRET is required with the sandbox (or its "
                                      "_FILE)"]


def test_stripe_needs_its_secrets_and_a_session_life_it_takes(build):
    with pytest.raises(SettingsError) as refused:
        build(ENV="production", PAYMENTS_PROVIDER="stripe", PAYMENTS_SESSION_MINUTES=5.0)
    problems = " ".join(refused.value.problems)
    assert "SHOP_STRIPE_SECRET_KEY" in problems and "SHOP_STRIPE_WEBHOOK_SECRET" in problems
    assert "SHOP_PAYMENTS_SESSION_MINUTES" in problems
    made = build(ENV="production", PAYMENTS_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_live_x",
                  STRIPE_WEBHOOK_SECRET="whsec_x")
    assert made.extensions["payments_provider"].name == "stripe"


def test_none_is_the_default_and_starts_in_production(build):
    assert build(ENV="production").extensions["payments_provider"] is None
