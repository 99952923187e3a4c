"""What the chart's checks share: rendering charts/shop with Helm's own engine (helm-python-sdk, no helm binary and
no cluster), the scenarios it is rendered with, and walking the rendered objects."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

from shop_common import manifest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "shop"
RELEASE = "shop"
NAMESPACE = "shop"
SHOP = manifest.load(ROOT / "services.toml")
#: the services of kind api, as the manifest lists them
API_SERVICES = tuple(s.name for s in SHOP.apis())

PEER = [{"ipBlock": {"cidr": "10.20.0.0/16"}}]

#: every documented option that is not the default, in one release (the combinations that exclude each other
#: have scenarios of their own below)
EVERYTHING: dict[str, Any] = {
    "nameOverride": "store",
    "fullnameOverride": "acme",
    "image": {"registry": "registry.example.com/shop", "tag": "1.2.3", "pullPolicy": "Always"},
    "imagePullSecrets": [{"name": "regcred"}],
    "publicUrl": "https://shop.example.com",
    "jwt": {"algorithm": "RS256", "existingSecret": "shop-jwt"},
    "serviceToken": {"existingSecret": "shop-service-token"},
    "defaults": {
        "enabled": True, "kind": "api", "image": {"repository": "unused", "tag": "2.0.0"}, "port": 8000,
        "calls": [], "signsTokens": False, "sendsMail": False, "takesPayments": False,
        "database": {"enabled": False, "existingSecret": "", "existingSecretKey": "uri", "port": 6432,
                     "networkPolicyTo": PEER},
        "replicas": 2,
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 6, "targetCPUUtilizationPercentage": 60},
        "gunicorn": {"workers": 3, "threads": 8, "timeout": 60, "gracefulTimeout": 25},
        "preStopSleepSeconds": 10,
        "terminationGracePeriodSeconds": 45,
        "logLevel": "WARNING",
        "env": {"SHOP_DB_POOL_SIZE": "10", "SHOP_RELEASE": "{{ .Release.Name }}"},
        "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
        "tmpSizeLimit": "128Mi",
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "spreadAcrossNodes": False,
        "podAnnotations": {"prometheus.io/scrape": "true"},
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "shop", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [
                {"key": "pool", "operator": "In", "values": ["shop"]}]}}]}},
    },
    "services": {name: {"database": {"existingSecret": f"{name}-database"}} for name in API_SERVICES},
    "redis": {"existingSecret": "shop-redis-url", "existingSecretKey": "uri", "port": 6380, "networkPolicyTo": PEER},
    "smtp": {"host": "smtp.example.com", "port": 465, "security": "tls", "username": "shop", "password": "",
             "existingSecret": "shop-smtp", "existingSecretKey": "pass", "from": "Acme <shop@example.com>",
             "networkPolicyTo": [{"ipBlock": {"cidr": "203.0.113.10/32"}}]},
    "payments": {"provider": "stripe", "sandboxInProduction": False, "sessionMinutes": 60,
                 "stripe": {"existingSecret": "shop-stripe", "secretKeyKey": "sk", "webhookSecretKey": "whsec"},
                 "networkPolicyTo": [{"ipBlock": {"cidr": "192.0.2.0/24"}}]},
    "migrations": {"resources": {"requests": {"cpu": "100m", "memory": "192Mi"},
                                 "limits": {"cpu": "1", "memory": "512Mi"}},
                   "activeDeadlineSeconds": 900},
    "trustedProxies": ["10.42.0.0/16"],
    "ingress": {"enabled": True, "className": "public-nginx", "host": "shop.example.com",
                "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}, "proxyBodySize": "20m",
                "tls": {"enabled": True, "secretName": "shop-tls"}},
    "httpRoute": {"enabled": True, "parentRefs": [{"name": "shop", "namespace": "gateways"}],
                  "hostnames": ["shop.example.com"]},
    "networkPolicy": {"enabled": True,
                      "ingressControllers": [{"namespaceSelector": {"matchLabels": {
                          "kubernetes.io/metadata.name": "gateways"}}}],
                      "dns": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "coredns"}}}],
                      "metricsScrapers": [{"namespaceSelector": {"matchLabels": {
                          "kubernetes.io/metadata.name": "monitoring"}}}]},
    "tests": {"resources": {"requests": {"cpu": "20m", "memory": "48Mi"}, "limits": {"cpu": "500m",
                                                                                   "memory": "128Mi"}}},
    "loadgen": {"enabled": True, "image": {"repository": "mirror.example.com/locust", "tag": "2.47.0"},
                "targetUrl": "https://shop.example.com", "users": 50, "spawnRate": 2.5,
                "networkPolicyTo": [{"ipBlock": {"cidr": "198.51.100.7/32"}}], "ports": [443],
                "resources": {"requests": {"cpu": "200m", "memory": "192Mi"},
                              "limits": {"cpu": "2", "memory": "512Mi"}},
                "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                                       "seccompProfile": {"type": "RuntimeDefault"}},
                "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}},
}

#: the chart's own databases and Redis, tuned (EVERYTHING has external ones)
STORES: dict[str, Any] = {
    "postgres": {
        "image": {"repository": "mirror.example.com/postgres", "tag": "17.7"},
        "persistence": {"size": "20Gi", "storageClass": "fast"},
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 999, "fsGroup": 999,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "nodeSelector": {"pool": "data"},
        "tolerations": [{"key": "data", "operator": "Exists"}],
        "affinity": {"podAntiAffinity": {}},
    },
    "redis": {
        "image": {"repository": "mirror.example.com/redis", "tag": "7.4.6"}, "maxmemory": "256mb",
        "persistence": {"size": "2Gi", "storageClass": "fast"},
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 999, "fsGroup": 999,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "nodeSelector": {"pool": "data"},
        "tolerations": [{"key": "data", "operator": "Exists"}],
        "affinity": {"podAntiAffinity": {}},
    },
}

#: each documented way to run the shop: values given at install (`--set` / `-f`)
SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "everything": EVERYTHING,
    "stores": STORES,
    # an existing database, Redis, keys and SMTP password for each, and nothing else changed
    "external": {
        "services": {name: {"database": {"existingSecret": f"{name}-database"}} for name in API_SERVICES},
        "redis": {"existingSecret": "shop-redis-url"},
        "jwt": {"existingSecret": "shop-jwt"},
        "serviceToken": {"existingSecret": "shop-service-token"},
        "smtp": {"host": "smtp.example.com", "existingSecret": "shop-smtp"},
    },
    "gateway-api": {"ingress": {"enabled": False},
                    "httpRoute": {"enabled": True, "parentRefs": [{"name": "shop", "namespace": "gateways"}]}},
    "fixed-replicas": {"defaults": {"autoscaling": {"enabled": False}},
                       "services": {"products": {"replicas": 3}}},
    "no-network-policies": {"networkPolicy": {"enabled": False}},
    "no-trusted-proxies": {"trustedProxies": []},
    "smtp-password-set": {"smtp": {"host": "smtp.example.com", "username": "shop", "password": "s3cret"}},
    "renamed-release": {},
    # card payments by Stripe, its keys in a Secret of the operator's (docs/kubernetes.md, "Card payments")
    "stripe": {"payments": {"provider": "stripe", "stripe": {"existingSecret": "shop-stripe"}}},
    # a demo shop: the sandbox in a production deployment, asked for in so many words, with short sessions
    "sandbox-demo": {"payments": {"provider": "sandbox", "sandboxInProduction": True, "sessionMinutes": 0.5}},
    # the load generator, as `--set loadgen.enabled=true` makes it
    "loadgen": {"loadgen": {"enabled": True}},
}
RELEASE_NAMES = {"renamed-release": "prod"}


@dataclass
class Rendered:
    objects: list[dict[str, Any]]
    notes: str
    release: str
    prefix: str  # of every resource name

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.of(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
        return found[0]

    def name(self, component: str) -> str:
        """The name of a part of the release, as the chart makes it."""
        return f"{self.prefix}-{component}"


@functools.cache
def _chart() -> helm.Chart:
    return helm.Chart.load(str(CHART))


@functools.cache
def _render(values_json: str, release: str, is_upgrade: bool) -> Rendered:
    values = json.loads(values_json)
    manifests = _chart().render(values=values, name=release, namespace=NAMESPACE,
                                is_install=not is_upgrade, is_upgrade=is_upgrade)
    chart_name = values.get("nameOverride") or "shop"
    prefix = values.get("fullnameOverride") or (release if chart_name in release else f"{release}-{chart_name}")
    objects, notes = [], ""
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return Rendered(objects, notes, release, prefix)


def render(values: dict[str, Any] | None = None, *, release: str = RELEASE, is_upgrade: bool = False) -> Rendered:
    """The chart rendered offline (Helm's engine; `lookup` finds nothing, as on a first install)."""
    return copy.deepcopy(_render(json.dumps(values or {}, sort_keys=True), release, is_upgrade))


def scenario(name: str) -> Rendered:
    return render(SCENARIOS[name], release=RELEASE_NAMES.get(name, RELEASE))


def chart_values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def routes_table() -> dict[str, Any]:
    """The gateway's part of the manifest: the services it routes to, and what it throttles."""
    throttle = SHOP.gateway.throttle
    return {"services": {s.name: {"routes": list(s.routes)} for s in SHOP.routed()},
            "throttle": {"paths": list(throttle.paths)}}


# -- walking pods -----------------------------------------------------------------------------------------------


@dataclass
class PodOf:
    """A pod the release runs: from a workload's template, a hook Job or the test Pod."""

    owner: dict[str, Any]
    metadata: dict[str, Any]
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.owner['kind']}/{self.owner['metadata']['name']}"

    def containers(self) -> Iterator[dict[str, Any]]:
        yield from self.spec.get("initContainers", [])
        yield from self.spec["containers"]


def pods(rendered: Rendered) -> list[PodOf]:
    found = []
    for obj in rendered.objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            template = obj["spec"]["template"]
            found.append(PodOf(obj, template["metadata"], template["spec"]))
        elif obj["kind"] == "Pod":
            found.append(PodOf(obj, obj["metadata"], obj["spec"]))
    return found


_UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def cpu(quantity: str | int | float) -> float:
    """CPU cores of a Kubernetes quantity ("250m", "1")."""
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory(quantity: str | int | float) -> float:
    """Bytes of a Kubernetes quantity ("192Mi", "1Gi")."""
    text = str(quantity)
    for unit in sorted(_UNITS, key=len, reverse=True):
        if unit and text.endswith(unit):
            return float(text[: -len(unit)]) * _UNITS[unit]
    return float(text)


def pod_requests(pod: PodOf) -> tuple[float, float]:
    """What the scheduler reserves for a pod: the larger of its containers' sum and its biggest init container."""
    def total(containers, measure, key):
        return [measure(c["resources"]["requests"][key]) for c in containers]

    result = []
    for measure, key in ((cpu, "cpu"), (memory, "memory")):
        running = sum(total(pod.spec["containers"], measure, key))
        init = max(total(pod.spec.get("initContainers", []), measure, key), default=0)
        result.append(max(running, init))
    return result[0], result[1]


def replicas(rendered: Rendered, pod: PodOf) -> int:
    """How many of the pod run with these values (a Deployment under an autoscaler: its minimum)."""
    owner = pod.owner
    if owner["kind"] in ("Job", "Pod"):
        return 1
    if "replicas" in owner["spec"]:
        return owner["spec"]["replicas"]
    hpa = [h for h in rendered.of("HorizontalPodAutoscaler")
           if h["spec"]["scaleTargetRef"]["name"] == owner["metadata"]["name"]]
    assert hpa, f"{pod.label} has neither replicas nor an autoscaler"
    return hpa[0]["spec"]["minReplicas"]
