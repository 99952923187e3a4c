"""The network policies allow exactly the shop's flows. The rendered policies are evaluated the way a CNI does
(a flow passes when the sender's egress and the receiver's ingress both allow it) for every pair of the release's
pods and the outside parties (the ingress controller, DNS, the SMTP server, anything else), on every port the
shop uses, and the result is compared with the list of flows the shop has."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .support import API_SERVICES, pods, scenario

PORTS = [("TCP", 8000), ("TCP", 8080), ("TCP", 5432), ("TCP", 6379), ("TCP", 587), ("UDP", 53), ("TCP", 53)]
NAMESPACE_LABELS = {"kubernetes.io/metadata.name": "shop"}


@dataclass(frozen=True)
class Party:
    name: str
    labels: dict = field(hash=False, compare=False)
    namespace: dict = field(hash=False, compare=False)
    ip: str = field(default="", hash=False, compare=False)
    ours: bool = field(default=True, hash=False, compare=False)


OUTSIDE = [
    Party("ingress-controller", {"app.kubernetes.io/name": "ingress-nginx"},
          {"kubernetes.io/metadata.name": "ingress-nginx"}, "10.1.0.5", ours=False),
    Party("dns", {"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"}, "10.1.0.10", ours=False),
    Party("smtp-server", {}, {}, "203.0.113.10", ours=False),
    Party("elsewhere", {"app": "other"}, {"kubernetes.io/metadata.name": "other"}, "10.9.9.9", ours=False),
]


def _matches(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return True
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and not selector.get(
        "matchExpressions")


def _peer_matches(peer: dict, party: Party) -> bool:
    if "ipBlock" in peer:
        import ipaddress

        return bool(party.ip) and ipaddress.ip_address(party.ip) in ipaddress.ip_network(peer["ipBlock"]["cidr"])
    if "namespaceSelector" in peer:
        return _matches(peer["namespaceSelector"], party.namespace) and _matches(peer.get("podSelector"),
                                                                                 party.labels)
    return party.ours and _matches(peer["podSelector"], party.labels)


def _allows(rules: list[dict], direction: str, other: Party, protocol: str, port: int) -> bool:
    for rule in rules:
        peers = rule.get("from" if direction == "ingress" else "to")
        ports = rule.get("ports")
        if peers is not None and not any(_peer_matches(p, other) for p in peers):
            continue
        if ports is not None and not any(p.get("protocol", "TCP") == protocol and p["port"] == port for p in ports):
            continue
        return True
    return False


def _side_allows(policies, party: Party, direction: str, other: Party, protocol: str, port: int) -> bool:
    if not party.ours:
        return True
    kind = "Ingress" if direction == "ingress" else "Egress"
    selecting = [p for p in policies if kind in p["spec"]["policyTypes"]
                 and _matches(p["spec"]["podSelector"], party.labels)]
    if not selecting:
        return True
    return any(_allows(p["spec"].get(direction, []), direction, other, protocol, port) for p in selecting)


def flows(rendered) -> set[tuple[str, str, str, int]]:
    policies = rendered.of("NetworkPolicy")
    parties = {}
    for pod in pods(rendered):
        name = pod.metadata["labels"]["app.kubernetes.io/name"].removeprefix("shop-")
        parties[name] = Party(name, pod.metadata["labels"], NAMESPACE_LABELS)
    everyone = [*parties.values(), *OUTSIDE]
    allowed = set()
    for source in everyone:
        for target in everyone:
            if source is target or not (source.ours or target.ours):
                continue
            for protocol, port in PORTS:
                if (_side_allows(policies, source, "egress", target, protocol, port)
                        and _side_allows(policies, target, "ingress", source, protocol, port)):
                    allowed.add((source.name, target.name, protocol, port))
    return allowed


def expected_flows(names: list[str], smtp: str = "anywhere") -> set[tuple[str, str, str, int]]:
    wanted = set()
    for service in API_SERVICES:
        wanted.add(("ingress-controller", service, "TCP", 8000))
        wanted.add(("test", service, "TCP", 8000))
        wanted.add((service, f"{service}-postgres", "TCP", 5432))
        wanted.add((f"{service}-migrate", f"{service}-postgres", "TCP", 5432))
        wanted.add((service, "redis", "TCP", 6379))
    wanted |= {("ingress-controller", "frontend", "TCP", 8080), ("test", "frontend", "TCP", 8080),
               ("cart", "products", "TCP", 8000), ("orders", "products", "TCP", 8000),
               ("orders", "cart", "TCP", 8000), ("mailer", "users", "TCP", 8000),
               ("mailer", "redis", "TCP", 6379)}
    smtp_targets = ["smtp-server"] if smtp == "smtp-server" else [p.name for p in OUTSIDE] + names
    wanted |= {("mailer", target, "TCP", 587) for target in smtp_targets if target != "mailer"}
    for name in names:
        wanted |= {(name, "dns", "UDP", 53), (name, "dns", "TCP", 53)}
    return wanted


def test_the_default_policies_allow_exactly_the_shops_flows():
    rendered = scenario("defaults")
    names = sorted({pod.metadata["labels"]["app.kubernetes.io/name"].removeprefix("shop-") for pod in pods(rendered)})
    assert {"test", "redis", "mailer", "frontend", "users-migrate", "users-postgres"} <= set(names)
    found = flows(rendered)
    # SMTP has no address in the defaults: the worker may send to any address, but only on the SMTP port; that
    # lets it reach nothing of the release (no pod listens on 587)
    wanted = expected_flows(names)
    assert found - wanted == set(), sorted(found - wanted)
    assert wanted - found == {("mailer", n, "TCP", 587) for n in names if n != "mailer"}, sorted(wanted - found)


def test_every_pod_is_under_the_default_deny_and_no_flow_reaches_the_databases_from_outside():
    rendered = scenario("defaults")
    deny = rendered.get("NetworkPolicy", rendered.name("default-deny"))
    assert deny["spec"] == {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "shop"}},
                            "policyTypes": ["Ingress", "Egress"]}
    for pod in pods(rendered):
        assert pod.metadata["labels"]["app.kubernetes.io/instance"] == "shop", pod.label
    found = flows(rendered)
    for source, target, _, _ in found:
        if target.endswith("-postgres"):
            assert source in (target.removesuffix("-postgres"), target.replace("-postgres", "-migrate"))
        if target == "redis":
            assert source in (*API_SERVICES, "mailer")
        assert target != "elsewhere" or source == "mailer"


def test_external_stores_and_smtp_are_reached_where_the_values_say_and_nowhere_else():
    rendered = scenario("everything")
    policy = rendered.get("NetworkPolicy", rendered.name("orders"))
    egress = policy["spec"]["egress"]
    assert {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 6432}]} in egress
    assert {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 6380}]} in egress
    mailer = rendered.get("NetworkPolicy", rendered.name("mailer"))["spec"]["egress"]
    assert {"to": [{"ipBlock": {"cidr": "203.0.113.10/32"}}], "ports": [{"protocol": "TCP", "port": 465}]} in mailer
    metrics = rendered.get("NetworkPolicy", rendered.name("users"))["spec"]["ingress"]
    assert {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"protocol": "TCP", "port": 8000}]} in metrics
    assert not [p for p in rendered.of("NetworkPolicy") if p["metadata"]["name"].endswith(("-postgres", "-redis"))]


@pytest.mark.parametrize("name", ["no-network-policies"])
def test_policies_can_be_left_to_the_cluster(name):
    assert not scenario(name).of("NetworkPolicy")
