"""One front door: the Ingress (or the Gateway API HTTPRoute) of every scenario sends every path to one Service,
the gateway's, which routes /api/ itself with the routes built into its image (services.toml) and
answers what is never routed (tests/gateway). So the chart only has to give the gateway an address for each
service of that table, and the proxies in front it may believe."""

from __future__ import annotations

import pytest

from .support import SCENARIOS, SHOP, chart_values, render, routes_table, scenario


def _gateway_service(rendered) -> dict:
    """The gateway's Service: the one whose selector picks the pods of the `web` Deployment."""
    deployment = rendered.get("Deployment", rendered.name("gateway"))
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "web"
    (service,) = [s for s in rendered.of("Service") if s["spec"].get("selector")
                  and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    return service


def test_the_gateway_calls_every_service_of_the_route_table_and_only_those():
    values = chart_values()
    calls = values["services"]["gateway"]["calls"]
    assert sorted(calls) == sorted(routes_table()["services"]) and len(set(calls)) == len(calls)
    webs = [name for name, spec in values["services"].items() if spec.get("kind", values["defaults"]["kind"]) == "web"]
    assert webs == ["gateway"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_gateway_gets_every_services_address_and_the_proxies_it_trusts(name):
    rendered = scenario(name)
    (container,) = rendered.get("Deployment", rendered.name("gateway"))["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    for service in routes_table()["services"]:
        port = rendered.get("Service", rendered.name(service))["spec"]["ports"][0]["port"]
        assert env[f"SHOP_{service.upper()}_URL"] == f"http://{rendered.name(service)}:{port}"
    assert env["SHOP_PORT"] == str(container["ports"][0]["containerPort"]) == "8080"
    proxies = SCENARIOS[name].get("trustedProxies", chart_values()["trustedProxies"])
    assert env["SHOP_REAL_IP_FROM"] == " ".join(proxies)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_path_goes_to_the_gateway_and_to_nothing_else(name):
    """Through the Ingress and the HTTPRoute alike: `/` as a prefix is every path, /internal/ and the APIs'
    probes included, and the gateway alone decides what reaches a service."""
    rendered = scenario(name)
    gateway = _gateway_service(rendered)
    (port,) = gateway["spec"]["ports"]
    routes = 0
    for ingress in rendered.of("Ingress"):
        for rule in ingress["spec"]["rules"]:
            (path,) = rule["http"]["paths"]
            assert (path["path"], path["pathType"]) == ("/", "Prefix")
            assert path["backend"] == {"service": {"name": gateway["metadata"]["name"], "port": {"name": port["name"]}}}
            routes += 1
        assert "defaultBackend" not in ingress["spec"]
    for route in rendered.of("HTTPRoute"):
        for rule in route["spec"]["rules"]:
            assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}] and "filters" not in rule
            assert rule["backendRefs"] == [{"name": gateway["metadata"]["name"], "port": port["port"]}]
            routes += 1
    values = {**chart_values()["ingress"], **SCENARIOS[name].get("ingress", {})}
    http_route = SCENARIOS[name].get("httpRoute", {}).get("enabled", False)
    assert len(rendered.of("Ingress")) == int(values["enabled"]) and len(rendered.of("HTTPRoute")) == int(http_route)
    assert routes == int(values["enabled"]) + int(http_route)


def test_the_default_ingress_is_plain_networking_v1():
    rendered = scenario("defaults")
    (ingress,) = rendered.of("Ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert ingress["spec"]["ingressClassName"] == chart_values()["ingress"]["className"]
    # the one annotation: ingress-nginx's body limit, which would refuse a photo upload before the gateway
    assert ingress["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/proxy-body-size": "11m"}
    assert "tls" not in ingress["spec"] and "host" not in ingress["spec"]["rules"][0]


def test_the_tls_host_and_class_of_the_ingress():
    rendered = scenario("everything")
    (ingress,) = rendered.of("Ingress")
    assert ingress["spec"]["ingressClassName"] == "public-nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "shop-tls", "hosts": ["shop.example.com"]}]
    assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt",
                                                  "nginx.ingress.kubernetes.io/proxy-body-size": "20m"}


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def test_the_controller_lets_through_the_largest_body_the_gateway_takes():
    size = chart_values()["ingress"]["proxyBodySize"]
    largest = max(body.bytes for service in SHOP.services.values() for body in service.bodies)
    assert int(size.rstrip("kKmMgG")) * _UNITS[size[-1].lower() if size[-1].isalpha() else ""] >= largest


def test_the_body_limit_annotation_yields_to_the_values():
    (ingress,) = render({"ingress": {"proxyBodySize": ""}}).of("Ingress")
    assert "annotations" not in ingress["metadata"]
    (ingress,) = render({"ingress": {"annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "50m"}}}).of(
        "Ingress")
    assert ingress["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/proxy-body-size": "50m"}


def test_the_http_route_attaches_to_the_gateways_the_values_name():
    rendered = scenario("everything")
    (route,) = rendered.of("HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "shop", "namespace": "gateways"}]
    assert route["spec"]["hostnames"] == ["shop.example.com"]
    assert not scenario("gateway-api").of("Ingress")
