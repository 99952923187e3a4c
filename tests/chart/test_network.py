"""The network policies allow exactly the shop's flows, the list at the top of templates/networkpolicies.yaml. The
rendered policies are evaluated the way a CNI does (a flow passes when the sender's egress and the receiver's
ingress both allow it) for every pair of the release's pods and the outside parties (the ingress controller, DNS,
the SMTP server, anything else), on every port the shop uses, and the result is compared with that list. Only the
gateway is reachable from the ingress controller; an API only from its callers (the gateway calls every API), the
`helm test` pod and the metrics scrapers."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .support import API_SERVICES, SHOP, pods, scenario

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

        block, address = peer["ipBlock"], party.ip and ipaddress.ip_address(party.ip)
        return bool(address) and address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
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


def _parties(rendered) -> dict[str, Party]:
    """The release's pods, by their part's name (`users`, `users-migrate`, `test`, ...)."""
    parties = {}
    for pod in pods(rendered):
        name = pod.metadata["labels"]["app.kubernetes.io/name"].split("-", 1)[1]
        parties[name] = Party(name, pod.metadata["labels"], NAMESPACE_LABELS)
    return parties


def flows(rendered, outside: list[Party] = OUTSIDE, ports=PORTS) -> set[tuple[str, str, str, int]]:
    policies = rendered.of("NetworkPolicy")
    everyone = [*_parties(rendered).values(), *outside]
    allowed = set()
    for source in everyone:
        for target in everyone:
            if source is target or not (source.ours or target.ours):
                continue
            for protocol, port in ports:
                if (_side_allows(policies, source, "egress", target, protocol, port)
                        and _side_allows(policies, target, "ingress", source, protocol, port)):
                    allowed.add((source.name, target.name, protocol, port))
    return allowed


def listed_flows(names: list[str], *, controller: str = "ingress-controller", database: str | None = None,
                 redis: tuple[str, int] = ("redis", 6379), smtp: tuple[list[str], int] | None = None,
                 dns: str = "dns", metrics: str | None = None) -> set[tuple[str, str, str, int]]:
    """The flows the comment of templates/networkpolicies.yaml lists, line by line, among the pods `names`
    (`database`: an external database's party on port 6432, else each API's own Postgres)."""
    wanted = set()
    # ingress controller -> the gateway (the one front door), and nothing else
    wanted.add((controller, "gateway", "TCP", 8080))
    # caller -> callee, for each `calls` (the gateway -> every API, cart -> products, orders -> products and
    # cart, mailer -> users)
    wanted |= {("gateway", api, "TCP", 8000) for api in API_SERVICES}
    wanted |= {(s.name, callee, "TCP", 8000) for s in SHOP.python() for callee in s.calls}
    # each API (and its migrations) -> its own Postgres; each API and the mailer -> Redis
    for api in API_SERVICES:
        store, port = (database, 6432) if database else (f"{api}-postgres", 5432)
        wanted |= {(api, store, "TCP", port), (f"{api}-migrate", store, "TCP", port)}
    wanted |= {(user, redis[0], "TCP", redis[1]) for user in (*API_SERVICES, "mailer")}
    # mailer -> the SMTP server; every pod -> the cluster's DNS
    smtp_targets, smtp_port = smtp or ([p.name for p in OUTSIDE] + names, 587)
    wanted |= {("mailer", target, "TCP", smtp_port) for target in smtp_targets if target != "mailer"}
    for name in names:
        wanted |= {(name, dns, "UDP", 53), (name, dns, "TCP", 53)}
    # the `helm test` pod -> every service it checks; Prometheus -> /metrics when networkPolicy.metricsScrapers
    # says so
    wanted |= {("test", api, "TCP", 8000) for api in API_SERVICES} | {("test", "gateway", "TCP", 8080)}
    if metrics:
        wanted |= {(metrics, api, "TCP", 8000) for api in API_SERVICES}
    return wanted


def test_the_default_policies_allow_exactly_the_listed_flows():
    rendered = scenario("defaults")
    names = sorted(_parties(rendered))
    assert {"test", "redis", "mailer", "gateway", "users-migrate", "users-postgres"} <= set(names)
    found = flows(rendered)
    # SMTP has no address in the defaults: the worker may send to any address, but only on the SMTP port; that
    # lets it reach nothing of the release (no pod listens on 587)
    wanted = listed_flows(names)
    assert found - wanted == set(), sorted(found - wanted)
    assert wanted - found == {("mailer", n, "TCP", 587) for n in names if n != "mailer"}, sorted(wanted - found)


def test_with_every_option_the_policies_allow_exactly_the_listed_flows_to_the_peers_the_values_name():
    """External databases and Redis (one address block), a relay for SMTP, another controller's namespace,
    Prometheus, the load generator with its target, and Stripe's API where payments.networkPolicyTo says."""
    rendered = scenario("everything")
    outside = [
        Party("controller", {}, {"kubernetes.io/metadata.name": "gateways"}, "10.1.0.6", ours=False),
        Party("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"},
              {"kubernetes.io/metadata.name": "ingress-nginx"}, "10.1.0.5", ours=False),
        Party("prometheus", {}, {"kubernetes.io/metadata.name": "monitoring"}, "10.1.0.7", ours=False),
        Party("coredns", {"k8s-app": "coredns"}, {"kubernetes.io/metadata.name": "kube-system"}, "10.1.0.10",
              ours=False),
        Party("stores", {}, {}, "10.20.0.5", ours=False),
        Party("relay", {}, {}, "203.0.113.10", ours=False),
        Party("load-target", {}, {}, "198.51.100.7", ours=False),
        Party("payment-provider", {}, {}, "192.0.2.10", ours=False),
        Party("elsewhere", {"app": "other"}, {"kubernetes.io/metadata.name": "other"}, "10.9.9.9", ours=False),
    ]
    ports = [("TCP", 8000), ("TCP", 8080), ("TCP", 6432), ("TCP", 6380), ("TCP", 465), ("TCP", 443),
             ("UDP", 53), ("TCP", 53)]
    names = sorted(_parties(rendered))
    assert "loadgen" in names and not [n for n in names if n.endswith("postgres") or n == "redis"]
    wanted = listed_flows(names, controller="controller", database="stores", redis=("stores", 6380),
                          smtp=(["relay"], 465), dns="coredns", metrics="prometheus")
    wanted.add(("loadgen", "load-target", "TCP", 443))  # test_loadgen.py checks the load generator's own
    wanted.add(("payments", "payment-provider", "TCP", 443))  # provider stripe; test_payments.py checks the rest
    found = flows(rendered, outside, ports)
    assert found == wanted, (sorted(found - wanted), sorted(wanted - found))


@pytest.mark.parametrize("name", ["defaults", "gateway-api", "renamed-release", "no-trusted-proxies"])
def test_the_ingress_controller_reaches_the_gateway_and_nothing_else(name):
    found = flows(scenario(name))
    assert {f for f in found if f[0] == "ingress-controller"} == {("ingress-controller", "gateway", "TCP", 8080)}
    # nor does any other outsider reach an API, a store or the worker
    assert not {f for f in found if f[1] != "gateway" and f[0] in {p.name for p in OUTSIDE}}


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
