"""Card payments in the chart: off unless chosen (`payments.provider` none), Stripe's keys only as files of an
existing Secret and only in the payments service's pods, the sandbox only when a production deployment asks for
it in so many words; payments is reached by orders and the gateway alone, and reaches orders, its own database,
Redis and, with Stripe, the provider's API on 443 (with the sandbox: the gateway, where its webhooks go in); the
provider's webhooks come in through the front door like every /api/ path."""

from __future__ import annotations

import helm_python as helm
import pytest

from ..gateway.support import load_gateway
from .support import SCENARIOS, SHOP, chart_values, pods, render, scenario
from .test_network import NAMESPACE_LABELS, OUTSIDE, Party, flows
from .test_security import _secret_data, _secret_files

STRIPE_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded",
                 "checkout.session.async_payment_failed", "checkout.session.expired", "charge.refunded")

#: where a pod of payments might try to go on 443: Stripe's API (a public address), the cluster, a cloud's
#: metadata server
PROVIDER_PORTS = [("TCP", 443), ("TCP", 8000), ("TCP", 8080), ("TCP", 80)]
STRIPE_API = Party("stripe-api", {}, {}, "54.187.174.169", ours=False)
CLUSTER_HOST = Party("cluster-host", {"app": "other"}, NAMESPACE_LABELS, "10.9.9.9", ours=False)
METADATA = Party("metadata-server", {}, {}, "169.254.169.254", ours=False)


def _payments_pods(rendered):
    """The pods of the payments service: its Deployment's (and their init container) and its migration Job's."""
    return [p for p in pods(rendered)
            if p.owner["metadata"]["name"] in (rendered.name("payments"), rendered.name("payments-migrate"))]


def _env(rendered, component: str = "payments") -> dict[str, str]:
    deployment = rendered.get("Deployment", rendered.name(component))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e["value"] for e in container["env"]}


def test_card_payments_are_off_by_default_and_the_sandbox_too():
    values = chart_values()["payments"]
    assert (values["provider"], values["sandboxInProduction"], values["sessionMinutes"]) == ("none", False, 30)
    rendered = scenario("defaults")
    env = _env(rendered)
    assert env["SHOP_ENV"] == "production"
    assert {k: env[k] for k in env if k.startswith("SHOP_PAYMENTS_") or k.startswith("SHOP_STRIPE_")} == {
        "SHOP_PAYMENTS_PROVIDER": "none", "SHOP_PAYMENTS_SANDBOX_IN_PRODUCTION": "false",
        "SHOP_PAYMENTS_SESSION_MINUTES": "30"}
    assert rendered.name("payments-sandbox") not in {s["metadata"]["name"] for s in rendered.of("Secret")}
    assert "Card payments are off (payments.provider none)" in rendered.notes


def test_payments_is_deployed_with_its_database_and_migrations():
    rendered = scenario("defaults")
    assert rendered.get("StatefulSet", rendered.name("payments-postgres"))
    assert rendered.get("Job", rendered.name("payments-migrate"))
    deployment = rendered.get("Deployment", rendered.name("payments"))
    (init,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert init["command"][:2] == ["shop-payments", "migrate"]
    assert _env(rendered)["SHOP_ORDERS_URL"] == f"http://{rendered.name('orders')}:8000"
    assert _env(rendered, "orders")["SHOP_PAYMENTS_URL"] == f"http://{rendered.name('payments')}:8000"


@pytest.mark.parametrize(("name", "secret", "keys"), [
    ("stripe", "shop-stripe", ("secret-key", "webhook-secret")),
    ("everything", "shop-stripe", ("sk", "whsec")),  # payments.stripe.secretKeyKey and webhookSecretKey
])
def test_stripes_keys_reach_the_payments_pods_alone_and_only_as_files(name, secret, keys):
    rendered = scenario(name)
    wanted = {"stripe-secret-key": f"{secret}/{keys[0]}", "stripe-webhook-secret": f"{secret}/{keys[1]}"}
    holders = _payments_pods(rendered)
    assert len(holders) == 2
    for pod in holders:
        files = _secret_files(pod)
        assert {k: files[k] for k in wanted} == wanted, pod.label
        for container in pod.containers():
            env = {e["name"]: e["value"] for e in container["env"]}
            assert env["SHOP_PAYMENTS_PROVIDER"] == "stripe"
            assert env["SHOP_STRIPE_SECRET_KEY_FILE"] == "/var/run/secrets/shop/stripe-secret-key"
            assert env["SHOP_STRIPE_WEBHOOK_SECRET_FILE"] == "/var/run/secrets/shop/stripe-webhook-secret"
            assert "SHOP_STRIPE_SECRET_KEY" not in env and "SHOP_STRIPE_WEBHOOK_SECRET" not in env
    for pod in pods(rendered):
        if pod not in holders:
            assert not {"stripe-secret-key", "stripe-webhook-secret"} & set(_secret_files(pod)), pod.label
    # the chart makes no Secret of Stripe's: it only names the operator's
    assert secret not in {s["metadata"]["name"] for s in rendered.of("Secret")}


def test_the_notes_say_which_webhook_endpoint_and_events_to_register_at_stripe():
    notes = scenario("everything").notes
    assert "https://shop.example.com/api/payments/webhooks/stripe/" in notes
    assert all(event in notes for event in STRIPE_EVENTS)
    assert '"shop-stripe"' in notes and '"whsec"' in notes


@pytest.mark.parametrize(("values", "complaint"), [
    ({"payments": {"provider": "stripe"}}, "payments.provider stripe needs payments.stripe.existingSecret"),
    ({"payments": {"provider": "sandbox"}}, "payments.sandboxInProduction=true"),
    ({"payments": {"provider": "stripe", "sessionMinutes": 20, "stripe": {"existingSecret": "s"}}},
     "30 to 1440 minutes"),
])
def test_payment_settings_that_cannot_work_stop_the_install_with_a_reason(values, complaint):
    with pytest.raises(helm.HelmError) as caught:
        render(values)
    assert complaint in str(caught.value)


@pytest.mark.parametrize(("values", "complaint"), [
    # a key is never a value of the chart: there is no place to put one
    ({"payments": {"stripe": {"secretKey": "sk_live_x"}}}, "secretKey"),
    ({"payments": {"stripe": {"webhookSecret": "whsec_x"}}}, "webhookSecret"),
    ({"payments": {"provider": "paypal"}}, "provider"),
    ({"payments": {"sessionMinutes": 0}}, "sessionMinutes"),
    ({"payments": {"sessionMinutes": 2000}}, "sessionMinutes"),
    ({"payments": {"apiBase": "http://fake"}}, "apiBase"),
])
def test_the_values_schema_refuses_payment_values_the_chart_does_not_know(values, complaint):
    with pytest.raises(helm.HelmError) as caught:
        render(values)
    assert complaint in str(caught.value)


def test_the_sandbox_of_a_demo_signs_with_a_kept_generated_secret_and_posts_through_the_gateway():
    rendered = scenario("sandbox-demo")
    env = _env(rendered)
    assert env["SHOP_PAYMENTS_PROVIDER"] == "sandbox" and env["SHOP_PAYMENTS_SANDBOX_IN_PRODUCTION"] == "true"
    assert env["SHOP_PAYMENTS_SESSION_MINUTES"] == "0.5"
    assert env["SHOP_PAYMENTS_SANDBOX_WEBHOOK_URL"] == (
        f"http://{rendered.name('gateway')}:8080/api/payments/webhooks/sandbox/")
    assert env["SHOP_PAYMENTS_SANDBOX_WEBHOOK_SECRET_FILE"] == "/var/run/secrets/shop/payments-sandbox-webhook-secret"
    secret = rendered.get("Secret", rendered.name("payments-sandbox"))
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert len(_secret_data(rendered, rendered.name("payments-sandbox"))["webhook-secret"]) >= 32
    holders = [p.label for p in pods(rendered) if "payments-sandbox-webhook-secret" in _secret_files(p)]
    assert sorted(holders) == sorted(p.label for p in _payments_pods(rendered))
    assert "Card payments go to the shop's sandbox: shoppers pay with test cards" in rendered.notes


def _reaching(found, target):
    return {source for source, to, _, _ in found if to == target}


@pytest.mark.parametrize("name", ["defaults", "stripe", "sandbox-demo", "everything"])
def test_only_orders_and_the_gateway_reach_payments(name):
    """(and the `helm test` pod, which asks its /readyz, and Prometheus where metricsScrapers says)"""
    found = flows(scenario(name))
    assert _reaching(found, "payments") == {"orders", "gateway", "test"}
    assert {port for source, to, _, port in found if to == "payments"} == {8000}


def test_without_a_provider_payments_reaches_only_orders_its_database_redis_and_dns():
    found = flows(scenario("defaults"), [*OUTSIDE, STRIPE_API, METADATA], [*PROVIDER_PORTS, ("TCP", 5432),
                                                                          ("TCP", 6379), ("UDP", 53)])
    assert {(to, port) for source, to, _, port in found if source == "payments"} == {
        ("orders", 8000), ("payments-postgres", 5432), ("redis", 6379), ("dns", 53)}


def test_with_stripe_payments_reaches_public_addresses_on_443_and_not_the_cluster_nor_the_metadata_server():
    private = [p for p in OUTSIDE if p.name != "smtp-server"]  # (a public address too: any is allowed on 443)
    found = flows(scenario("stripe"), [*private, STRIPE_API, CLUSTER_HOST, METADATA], PROVIDER_PORTS)
    assert {(to, port) for source, to, _, port in found if source == "payments"} == {
        ("orders", 8000), ("stripe-api", 443)}
    # nothing else of the release reaches the provider
    assert _reaching(found, "stripe-api") == {"payments"}


def test_the_providers_address_can_be_named():
    found = flows(scenario("everything"), [STRIPE_API, Party("listed", {}, {}, "192.0.2.10", ours=False)],
                  PROVIDER_PORTS)
    assert {(to, port) for source, to, _, port in found if source == "payments"} == {
        ("orders", 8000), ("listed", 443)}


def test_the_sandbox_reaches_the_gateway_and_no_provider():
    found = flows(scenario("sandbox-demo"), [*OUTSIDE, STRIPE_API], PROVIDER_PORTS)
    assert {(to, port) for source, to, _, port in found if source == "payments"} == {
        ("orders", 8000), ("gateway", 8080)}
    assert _reaching(found, "gateway") == {"ingress-controller", "test", "payments"}


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "no-network-policies"])
def test_only_the_sandbox_lets_payments_reach_the_gateway(name):
    found = flows(scenario(name), OUTSIDE, [("TCP", 8080)])
    sandbox = SCENARIOS[name].get("payments", {}).get("provider") == "sandbox"
    assert (("payments", SHOP.gateway.name, "TCP", 8080) in found) == sandbox


@pytest.mark.parametrize("path", ["/api/payments/webhooks/stripe/", "/api/payments/webhooks/sandbox/",
                                  "/api/payments/methods/", "/api/payments/sandbox/cs_test_1/"])
def test_the_gateway_routes_the_webhooks_and_the_sandbox_page_to_payments(path):
    """The Ingress and the HTTPRoute send every path to the gateway (test_routes.py); it routes these to payments
    with the routes built into its image, the same as in `make dev`."""
    assert load_gateway().load_routes().service_of(path) == "payments"
