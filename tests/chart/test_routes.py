"""The cluster routes exactly what the gateway routes (gateway/routes.toml, its one table): each prefix to the same
service, each service's documents under /api/docs/<service>/, the throttled login, the storefront at `/`, and
nothing else; /internal/ never."""

from __future__ import annotations

import re

import pytest

from .support import chart_values, routes_table, scenario


def _expected_prefixes() -> dict[str, str]:
    table = routes_table()
    return {route: name for name, spec in table["services"].items() for route in spec["routes"]}


def _service_of(rendered, backend_name: str) -> str:
    return backend_name.removeprefix(rendered.prefix + "-")


def test_the_charts_values_carry_the_gateways_route_table():
    values = chart_values()
    table = routes_table()
    routed = {name: spec["routes"] for name, spec in values["services"].items()
              if spec.get("routes") and spec.get("kind", "api") == "api"}
    assert routed == {name: spec["routes"] for name, spec in table["services"].items()}
    assert values["services"]["frontend"]["routes"] == ["/"]
    assert values["ingress"]["throttle"]["paths"] == table["throttle"]["paths"]
    documented = {name for name, spec in values["services"].items() if spec.get("docs")}
    assert documented == set(table["services"])


@pytest.mark.parametrize("name", ["defaults", "everything"])
def test_the_ingress_routes_every_prefix_to_the_service_the_gateway_does(name):
    rendered = scenario(name)
    main = rendered.get("Ingress", rendered.name("ingress"))
    (rule,) = main["spec"]["rules"]
    routed = {}
    for path in rule["http"]["paths"]:
        assert path["pathType"] == "Prefix" and path["backend"]["service"]["port"] == {"name": "http"}
        assert path["path"] not in routed
        routed[path["path"]] = _service_of(rendered, path["backend"]["service"]["name"])
    assert routed == {**_expected_prefixes(), "/": "frontend"}
    assert main["spec"]["ingressClassName"] == chart_values()["ingress"]["className"] or name == "everything"
    assert "annotations" not in main["metadata"] or name == "everything"  # plain networking.k8s.io/v1


@pytest.mark.parametrize("name", ["defaults", "everything"])
def test_the_ingress_publishes_each_services_documents_and_throttles_the_login(name):
    rendered = scenario(name)
    docs = rendered.get("Ingress", rendered.name("ingress-docs"))
    annotations = docs["metadata"]["annotations"]
    target = annotations["nginx.ingress.kubernetes.io/rewrite-target"]
    found = {}
    for path in docs["spec"]["rules"][0]["http"]["paths"]:
        assert path["pathType"] == "ImplementationSpecific"
        found[path["path"]] = _service_of(rendered, path["backend"]["service"]["name"])
        # what the controller makes of the documents' URLs: the service's /docs/ and its document
        for asked, served in ((f"/api/docs/{found[path['path']]}/", "/docs/"),
                              (f"/api/docs/{found[path['path']]}/openapi.json", "/docs/openapi.json")):
            match = re.fullmatch(path["path"], asked)
            assert match and re.sub(r"\$(\d)", lambda m, found=match: found.group(int(m.group(1))), target) == served
    assert found == {f"/api/docs/{s}/(.*)": s for s in routes_table()["services"]}
    throttled = rendered.get("Ingress", rendered.name("ingress-throttled"))
    paths = {p["path"]: _service_of(rendered, p["backend"]["service"]["name"])
             for p in throttled["spec"]["rules"][0]["http"]["paths"]}
    wanted = chart_values()["ingress"]["throttle"]["paths"] if name == "defaults" else \
        ["/api/auth/login/", "/api/auth/register/"]
    assert paths == dict.fromkeys(wanted, "users")
    assert "nginx.ingress.kubernetes.io/limit-rpm" in throttled["metadata"]["annotations"]


def test_nothing_routes_internal_endpoints_or_the_services_probes():
    for name in ("defaults", "everything", "gateway-api"):
        rendered = scenario(name)
        paths = [p["path"] for i in rendered.of("Ingress") for r in i["spec"]["rules"] for p in r["http"]["paths"]]
        paths += [m["path"]["value"] for r in rendered.of("HTTPRoute") for rule in r["spec"]["rules"]
                  for m in rule["matches"]]
        assert paths
        for path in paths:
            assert not path.startswith(("/internal", "/healthz", "/readyz", "/metrics")), path


def test_the_tls_host_and_class_of_the_ingress():
    rendered = scenario("everything")
    for ingress in rendered.of("Ingress"):
        assert ingress["spec"]["ingressClassName"] == "public-nginx"
        assert ingress["spec"]["tls"] == [{"secretName": "shop-tls", "hosts": ["shop.example.com"]}]
        assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"


def _route_table_of_http_routes(rendered) -> tuple[dict[str, str], dict[tuple[str, str], tuple[str, str]]]:
    prefixes, rewrites = {}, {}
    for route in rendered.of("HTTPRoute"):
        assert route["spec"]["parentRefs"] == [{"name": "shop", "namespace": "gateways"}]
        for rule in route["spec"]["rules"]:
            (backend,) = rule["backendRefs"]
            service = _service_of(rendered, backend["name"])
            for match in rule["matches"]:
                path = match["path"]
                if "filters" in rule:
                    (rewrite,) = rule["filters"]
                    replacement = rewrite["urlRewrite"]["path"]
                    rewrites[(path["type"], path["value"])] = (
                        service, replacement.get("replaceFullPath") or replacement.get("replacePrefixMatch"))
                else:
                    assert path["type"] == "PathPrefix" and path["value"] not in prefixes
                    prefixes[path["value"]] = service
    return prefixes, rewrites


def test_the_http_routes_carry_the_same_table_with_standard_rewrites():
    prefixes, rewrites = _route_table_of_http_routes(scenario("gateway-api"))
    assert prefixes == {**_expected_prefixes(), "/": "frontend"}
    expected = {}
    for service in routes_table()["services"]:
        expected[("PathPrefix", f"/api/docs/{service}/")] = (service, "/docs/")
    assert rewrites == expected
    assert not scenario("gateway-api").of("Ingress")


def test_without_docs_and_storefront_only_the_apis_are_routed():
    rendered = scenario("no-docs-no-storefront")
    assert {i["metadata"]["name"] for i in rendered.of("Ingress")} == {rendered.name("ingress"),
                                                                       rendered.name("ingress-throttled")}
    paths = {p["path"] for p in rendered.get("Ingress", rendered.name("ingress"))["spec"]["rules"][0]["http"]["paths"]}
    assert paths == set(_expected_prefixes())
