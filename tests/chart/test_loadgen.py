"""The optional load generator: off by default; when on, Locust runs the repository's own locustfile headless
against the shop as shoppers reach it, as securely as every other pod (the shared checks render it too: the
`loadgen` and `everything` scenarios), and reaches the Ingress controller and nothing else."""

from __future__ import annotations

from .support import CHART, ROOT, pods, render, scenario
from .test_network import NAMESPACE_LABELS, OUTSIDE, Party, _side_allows

LOCUSTFILE = ROOT / "bench" / "locustfile.py"


def _objects(rendered, kind: str) -> list[dict]:
    return [o for o in rendered.of(kind) if o["metadata"]["name"] == rendered.name("loadgen")]


def test_the_load_generator_is_off_by_default():
    rendered = scenario("defaults")
    assert not [o for o in rendered.objects if "loadgen" in o["metadata"]["name"]]


def test_the_charts_locustfile_is_the_repositorys():
    assert (CHART / "files" / "locustfile.py").read_text() == LOCUSTFILE.read_text(), \
        "copy bench/locustfile.py to charts/shop/files/locustfile.py"


def test_it_runs_the_locustfile_headless_against_the_target():
    rendered = scenario("loadgen")
    (config,) = _objects(rendered, "ConfigMap")
    assert config["data"]["locustfile.py"] == LOCUSTFILE.read_text()
    (deployment,) = _objects(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "load-generator"
    (container,) = template["spec"]["containers"]
    assert container["image"] == "docker.io/locustio/locust:2.47.0"
    assert container["command"] == ["locust"]
    assert container["args"] == ["-f", "/etc/locust/locustfile.py", "--headless", "--host",
                                 "http://ingress-nginx-controller.ingress-nginx.svc.cluster.local",
                                 "--users", "10", "--spawn-rate", "1"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/etc/locust"]["readOnly"] is True
    (volume,) = [v for v in template["spec"]["volumes"] if v["name"] == mounts["/etc/locust"]["name"]]
    assert volume["configMap"]["name"] == rendered.name("loadgen")
    # no key to mint tokens with: its shoppers register and log in
    assert not any(e["name"] == "SHOP_LOAD_KEYS" for e in container.get("env", []))
    assert not _objects(rendered, "Service")


def test_its_values_reach_the_pod():
    rendered = scenario("everything")
    (deployment,) = _objects(rendered, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "mirror.example.com/locust:2.47.0"
    assert container["args"][3:] == ["--host", "https://shop.example.com", "--users", "50", "--spawn-rate", "2.5"]
    assert container["resources"]["limits"] == {"cpu": "2", "memory": "512Mi"}
    changed = render({"loadgen": {"enabled": True, "users": 11}})
    (again,) = _objects(changed, "Deployment")
    first = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/locustfile"]
    assert again["spec"]["template"]["metadata"]["annotations"]["checksum/locustfile"] == first


def _flows_of_the_load_generator(rendered, ports) -> set[tuple[str, str, str, int]]:
    policies = rendered.of("NetworkPolicy")
    parties = {}
    for pod in pods(rendered):
        name = pod.metadata["labels"]["app.kubernetes.io/name"].split("-", 1)[1]
        parties[name] = Party(name, pod.metadata["labels"], NAMESPACE_LABELS)
    me = parties["loadgen"]
    found = set()
    for other in [*parties.values(), *OUTSIDE]:
        if other is me:
            continue
        for port in ports:
            for source, target in ((me, other), (other, me)):
                if (_side_allows(policies, source, "egress", target, "TCP", port)
                        and _side_allows(policies, target, "ingress", source, "TCP", port)):
                    found.add((source.name, target.name, "TCP", port))
    return found


def test_it_reaches_the_ingress_controller_and_nothing_else():
    rendered = scenario("loadgen")
    found = _flows_of_the_load_generator(rendered, [80, 443, 8000, 8080, 5432, 6379, 53])
    assert found == {("loadgen", "ingress-controller", "TCP", 80), ("loadgen", "ingress-controller", "TCP", 443),
                     ("loadgen", "dns", "TCP", 53)}, sorted(found)


def test_its_peers_can_be_set():
    rendered = scenario("everything")
    (policy,) = _objects(rendered, "NetworkPolicy")
    assert policy["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "198.51.100.7/32"}}],
                                         "ports": [{"protocol": "TCP", "port": 443}]}]
    assert not _objects(scenario("no-network-policies"), "NetworkPolicy")
