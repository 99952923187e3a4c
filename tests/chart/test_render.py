"""The chart lints, renders with every documented option, and every object it makes is one Kubernetes accepts:
checked strictly (no unknown field anywhere) against Kubernetes 1.31 and the newest version kubernetes-validate
knows; the Gateway API routes against the HTTPRoute CRD's own schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest

from .support import CHART, EVERYTHING, SCENARIOS, chart_values, render, scenario

KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
SCHEMAS = Path(__file__).parent / "schemas"


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_chart_lints_without_a_warning(name):
    report = helm.lint(str(CHART), SCENARIOS[name], strict=True, kube_version="v1.31.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems and not report["errors"], problems or report["errors"]


def _checked_objects() -> list[tuple[str, dict[str, Any]]]:
    seen, found = set(), []
    for name in SCENARIOS:
        for obj in scenario(name).objects:
            key = json.dumps(obj, sort_keys=True)
            if key not in seen and obj["apiVersion"] != "gateway.networking.k8s.io/v1":
                seen.add(key)
                found.append((f"{name}: {obj['kind']}/{obj['metadata']['name']}", obj))
    for obj in render(is_upgrade=True).objects:
        found.append((f"upgrade: {obj['kind']}/{obj['metadata']['name']}", obj))
    return found


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_kubernetes_with_no_unknown_field(version):
    invalid = []
    for label, obj in _checked_objects():
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
            invalid.append(f"{label}: {exc}")
    assert not invalid, "\n".join(invalid)


def _strict(schema: Any) -> Any:
    """The CRD's schema as the API server applies it with strict field validation: no unknown field."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@pytest.mark.parametrize("crd", sorted(p.name for p in SCHEMAS.glob("httproute-*.json")))
@pytest.mark.parametrize("name", ["gateway-api", "everything"])
def test_the_http_routes_match_the_gateway_api_schema(crd, name):
    schema = _strict(json.loads((SCHEMAS / crd).read_text())["openAPIV3Schema"])
    routes = scenario(name).of("HTTPRoute")
    assert routes
    for route in routes:
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(route), key=str)
        assert not errors, f"{route['metadata']['name']}: {jsonschema.exceptions.best_match(errors).message}"


@pytest.mark.parametrize(("values", "complaint"), [
    ({"bogus": 1}, "bogus"),
    ({"defaults": {"resources": {"requests": {"cpu": "1m", "memory": "1Mi", "gpu": 1}}}}, "gpu"),
    ({"services": {"users": {"replica": 2}}}, "replica"),
    ({"services": {"users": {"database": {"existingSecrets": "x"}}}}, "existingSecrets"),
    ({"postgres": {"imag": {}}}, "imag"),
    ({"ingress": {"hosts": ["a"]}}, "hosts"),
    ({"smtp": {"security": "ssl"}}, "security"),
    ({"jwt": {"algorithm": "RS256"}}, "existingSecret"),
    ({"defaults": {"securityContext": {"allowPrivilegeEscalation": True}}}, "allowPrivilegeEscalation"),
    ({"services": {"users": {"podSecurityContext": {"runAsNonRoot": False}}}}, "runAsNonRoot"),
    ({"trustedProxies": ["everyone"]}, "trustedProxies"),
    # the values of the time the Ingress carried the route table are refused, not silently ignored
    ({"apiDocs": True}, "apiDocs"),
    ({"services": {"users": {"routes": ["/api/auth/"]}}}, "routes"),
    ({"services": {"users": {"docs": True}}}, "docs"),
    ({"ingress": {"throttle": {"paths": ["/api/auth/login/"]}}}, "throttle"),
])
def test_the_values_schema_refuses_what_the_chart_does_not_know(values, complaint):
    with pytest.raises(helm.HelmError) as caught:
        render(values)
    assert complaint in str(caught.value)


@pytest.mark.parametrize(("values", "complaint"), [
    ({"smtp": {"password": "x", "existingSecret": "shop-smtp"}}, "not both"),
    ({"httpRoute": {"enabled": True}}, "parentRefs"),
    ({"ingress": {"tls": {"enabled": True}}}, "secretName"),
    ({"services": {"cart": {"calls": ["catalogue"]}}}, "catalogue"),
    # the front door is one gateway: none, or two, is a mistake
    ({"services": {"gateway": {"enabled": False}}}, "exactly one enabled service must be of kind web"),
    ({"services": {"gateway": {"enabled": False}}, "ingress": {"enabled": False}},
     "exactly one enabled service must be of kind web"),
    ({"services": {"edge": {"kind": "web", "image": {"repository": "shop-edge"}, "port": 8081}}}, "found 2"),
])
def test_values_that_contradict_each_other_stop_the_install_with_a_reason(values, complaint):
    with pytest.raises(helm.HelmError) as caught:
        render(values)
    assert complaint in str(caught.value)


def _leaves(values: Any, path: str = "") -> set[str]:
    if isinstance(values, dict) and values and not path.endswith(("Selector", "annotations", "Annotations", "env",
                                                                    "affinity", "SecurityContext", "securityContext",
                                                                    "podSecurityContext")):
        return set().union(*(_leaves(v, f"{path}.{k}" if path else k) for k, v in values.items()))
    return {path}


def test_every_documented_option_is_rendered_by_some_scenario():
    """`services:` entries override `defaults:` keys, so `defaults` stands for them."""
    documented = _leaves({k: v for k, v in chart_values().items() if k != "services"})
    exercised = set().union(*(_leaves({k: v for k, v in values.items() if k != "services"})
                              for values in SCENARIOS.values()))
    assert documented <= exercised, sorted(documented - exercised)
    assert EVERYTHING["jwt"]["existingSecret"] and EVERYTHING["redis"]["existingSecret"]


def test_the_notes_tell_how_to_reach_the_shop_and_make_a_staff_account():
    notes = scenario("defaults").notes
    assert "port-forward svc/ingress-nginx-controller 8000:80" in notes
    assert "shop-users create-staff" in notes and "helm test shop" in notes
    assert "pod-security.kubernetes.io/enforce=restricted" in notes
    assert "https://shop.example.com/" in scenario("everything").notes


@pytest.mark.parametrize("name", ["defaults", "external"])
def test_helm_accepts_an_install_client_side_with_its_hooks_apart(name):
    """`helm install --dry-run=client`: Helm's whole install path (the chart's kubeVersion, hooks sorted out of the
    manifest, the notes), against no cluster."""
    config = helm.Config(storage_driver="memory", namespace="shop")
    try:
        release = config.install(str(CHART), "shop", SCENARIOS[name], dry_run="client", namespace="shop")
    finally:
        config.close()
    assert release["notes"].startswith('The shop is installed as "shop"')
    assert "kind: Job" not in release["manifest"] and "helm.sh/hook" not in release["manifest"]
    assert "kind: NetworkPolicy" in release["manifest"] and "kind: Deployment" in release["manifest"]
