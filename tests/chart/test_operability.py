"""The chart runs the shop the way an SRE expects: probes that mean what they say, pods that stop without
dropping requests, autoscalers with disruption budgets, migrations before the code that needs them, a helm test,
and a default footprint under 2 CPU and 3 GiB (docs/kubernetes.md says how much)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .support import API_SERVICES, ROOT, SCENARIOS, pod_requests, pods, render, replicas, scenario

CPU_BUDGET, MEMORY_BUDGET = 2.0, 3 * 1024**3


def _deployment_pods(rendered):
    return [p for p in pods(rendered) if p.owner["kind"] == "Deployment"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_http_service_has_startup_readiness_and_liveness_probes_and_stops_gracefully(name):
    rendered = scenario(name)
    for pod in _deployment_pods(rendered):
        (container,) = pod.spec["containers"]
        component = pod.metadata["labels"]["app.kubernetes.io/component"]
        if component == "worker":
            # the mailer answers no HTTP; RQ's warm shutdown finishes the job it runs (up to 60 s)
            assert pod.spec["terminationGracePeriodSeconds"] > 60
            assert "ports" not in container and "readinessProbe" not in container
            assert container["livenessProbe"]["exec"]["command"] == ["shop-mailer", "alive"], pod.label
            continue
        if component == "load-generator":
            continue  # it serves nothing: a client, with nothing to probe (test_loadgen.py checks it)
        ready = "/readyz" if component == "api" else "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == ready, pod.label
        assert container["readinessProbe"]["httpGet"]["path"] == ready, pod.label
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", pod.label
        pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pause > 0
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        graceful = int(env.get("SHOP_GRACEFUL_TIMEOUT", 0))
        assert component != "api" or graceful > 0
        assert pod.spec["terminationGracePeriodSeconds"] > pause + graceful, pod.label


def test_the_mailers_liveness_probe_asks_the_worker_itself(tmp_path):
    """`shop-mailer alive` passes while the worker's heartbeat file is fresh; the file is under /tmp, the one
    folder a read-only root filesystem leaves the worker (services/mailer/tests/test_alive.py has the rest)."""
    from mailer.config import HEARTBEAT_FILE

    assert HEARTBEAT_FILE.default.startswith("/tmp/")
    rendered = scenario("defaults")
    (container,) = rendered.get("Deployment", rendered.name("mailer"))["spec"]["template"]["spec"]["containers"]
    probe = container["livenessProbe"]
    assert {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")} == {"/tmp"}
    assert "SHOP_WORKER_HEARTBEAT_FILE" not in {e["name"] for e in container["env"]}
    # its age limit (120 s) outlasts the heartbeats (30 s) and the probe's own patience covers a slow start
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 60 and probe["timeoutSeconds"] >= 5
    heartbeat = tmp_path / "heartbeat"
    command = [str(Path(sys.executable).with_name(probe["exec"]["command"][0])), *probe["exec"]["command"][1:]]
    environ = {"PATH": "/usr/bin:/bin", "SHOP_WORKER_HEARTBEAT_FILE": str(heartbeat)}
    missing = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 1 and "no heartbeat file" in missing.stderr
    heartbeat.touch()
    assert subprocess.run(command, env=environ, capture_output=True, timeout=60, check=False).returncode == 0


def test_the_databases_and_redis_have_probes():
    rendered = scenario("defaults")
    for store in rendered.of("StatefulSet"):
        (container,) = store["spec"]["template"]["spec"]["containers"]
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container), store["metadata"]["name"]


def test_the_gunicorn_settings_come_from_the_values():
    rendered = scenario("everything")
    (container,) = rendered.get("Deployment", rendered.name("orders"))["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert (env["SHOP_WORKERS"], env["SHOP_THREADS"], env["SHOP_TIMEOUT"], env["SHOP_GRACEFUL_TIMEOUT"]) == (
        "3", "8", "60", "25")
    assert env["SHOP_PRODUCTS_URL"] == "http://acme-products:8000" and env["SHOP_CART_URL"] == "http://acme-cart:8000"
    assert env["SHOP_RELEASE"] == "shop" and env["SHOP_LOG_LEVEL"] == "WARNING"
    assert container["image"] == "registry.example.com/shop/shop-orders:2.0.0"


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_disruption_budget_exists_exactly_when_two_pods_can_run(name):
    rendered = scenario(name)
    budgets = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]: b
               for b in rendered.of("PodDisruptionBudget")}
    for deployment in rendered.of("Deployment"):
        labels = deployment["spec"]["selector"]["matchLabels"]
        hpa = [h for h in rendered.of("HorizontalPodAutoscaler")
               if h["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]]
        most = hpa[0]["spec"]["maxReplicas"] if hpa else deployment["spec"]["replicas"]
        assert not (hpa and "replicas" in deployment["spec"]), "an autoscaled Deployment leaves replicas to it"
        budget = budgets.pop(labels["app.kubernetes.io/name"], None)
        assert (budget is not None) == (most >= 2), (deployment["metadata"]["name"], most)
        if budget:
            assert budget["spec"]["maxUnavailable"] == 1  # never blocks a drain
    assert not budgets


@pytest.mark.parametrize("name", SCENARIOS)
def test_selectors_use_only_the_name_and_the_release(name):
    rendered = scenario(name)
    for obj in rendered.objects:
        spec = obj.get("spec", {})
        selector = spec.get("selector", {})
        selector = selector.get("matchLabels", selector) if obj["kind"] != "Service" else selector
        if obj["kind"] in ("Deployment", "StatefulSet", "Service", "PodDisruptionBudget"):
            assert set(selector) == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}, obj["metadata"]["name"]
            assert selector["app.kubernetes.io/instance"] == rendered.release


def test_a_release_of_another_name_names_everything_after_it():
    rendered = scenario("renamed-release")
    assert rendered.get("Deployment", "prod-shop-users")
    (container,) = rendered.get("Deployment", "prod-shop-cart")["spec"]["template"]["spec"]["containers"]
    assert {"name": "SHOP_PRODUCTS_URL", "value": "http://prod-shop-products:8000"} in container["env"]
    assert all(o["metadata"]["name"].startswith("prod-shop") for o in rendered.objects)


# -- migrations ----------------------------------------------------------------------------------------------


def _hooks(rendered) -> dict[str, tuple[str, int]]:
    return {o["metadata"]["name"]: (o["metadata"]["annotations"]["helm.sh/hook"],
                                    int(o["metadata"]["annotations"]["helm.sh/hook-weight"]))
            for o in rendered.objects if "helm.sh/hook" in o["metadata"].get("annotations", {})
            and o["metadata"]["annotations"]["helm.sh/hook"] != "test"}


def test_migrations_run_before_every_upgrade_and_in_each_pods_init_container():
    rendered = scenario("defaults")
    hooks = _hooks(rendered)
    assert hooks == {**{rendered.name(f"{s}-migrate"): ("pre-upgrade", 0) for s in API_SERVICES},
                     rendered.name("migrate"): ("pre-upgrade", -5)}  # their account first
    for service in API_SERVICES:
        job = rendered.get("Job", rendered.name(f"{service}-migrate"))["spec"]["template"]["spec"]
        (init,) = rendered.get("Deployment", rendered.name(service))["spec"]["template"]["spec"]["initContainers"]
        for container in (job["containers"][0], init):
            # waits for its database, then migrates once: a failure exits at once, and stops the rollout
            assert container["command"] == [f"shop-{service}", "migrate", "--wait", "300"]
            assert {"name": "SHOP_BACKGROUND", "value": "false"} in container["env"]
        assert job["serviceAccountName"] == rendered.name("migrate")
        # a failing Job fails the upgrade (one retry), and never outlives its deadline
        assert rendered.get("Job", rendered.name(f"{service}-migrate"))["spec"]["backoffLimit"] <= 1
        # while a new pod's init container fails, the old pods keep serving: none is taken down first
        strategy = rendered.get("Deployment", rendered.name(service))["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("service", API_SERVICES)
def test_the_migration_command_the_chart_runs_is_the_services_own(service):
    settings = {"PATH": "/usr/bin:/bin", "SHOP_ENV": "development", "SHOP_DATABASE_URL": "postgresql://x@127.0.0.1:1/x",
                "SHOP_REDIS_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run([str(Path(sys.executable).with_name(f"shop-{service}")), "migrate", "--help"], env=settings,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "--wait" in done.stdout


def test_with_everything_existing_beforehand_migrations_also_run_before_install():
    rendered = scenario("external")
    hooks = _hooks(rendered)
    assert set(hooks.values()) == {("pre-install,pre-upgrade", 0), ("pre-install,pre-upgrade", -5)}
    assert len(hooks) == len(API_SERVICES) + 1


def test_an_upgrade_skips_the_job_of_a_database_the_release_does_not_have_yet():
    """Offline `lookup` finds no StatefulSet: as for a service new in an upgrade, its init container migrates."""
    assert not render(is_upgrade=True).of("Job")
    assert len(render(SCENARIOS["external"], is_upgrade=True).of("Job")) == len(API_SERVICES)


def test_helm_test_checks_every_service_is_ready():
    rendered = scenario("defaults")
    (test,) = rendered.of("Pod")
    assert test["metadata"]["annotations"]["helm.sh/hook"] == "test"
    urls = test["spec"]["containers"][0]["args"]
    assert sorted(urls) == sorted([*(f"http://shop-{s}:8000/readyz" for s in API_SERVICES),
                                   "http://shop-gateway:8080/healthz"])


# -- footprint -----------------------------------------------------------------------------------------------


def requested_totals(rendered) -> tuple[float, float]:
    """CPU cores and bytes the scheduler reserves for every pod of a render (Deployments at their autoscaler's
    minimum, the hook Jobs and the test pod included)."""
    cpu = memory = 0.0
    for pod in pods(rendered):
        pod_cpu, pod_memory = pod_requests(pod)
        count = replicas(rendered, pod)
        cpu, memory = cpu + count * pod_cpu, memory + count * pod_memory
    return cpu, memory


def test_the_defaults_ask_for_less_than_2_cpu_and_3_gib_and_the_docs_say_how_much():
    cpu, memory = requested_totals(scenario("defaults"))
    assert cpu < CPU_BUDGET and memory < MEMORY_BUDGET, (cpu, memory / 1024**2)
    docs = (ROOT / "docs" / "kubernetes.md").read_text()
    stated = re.search(r"<!-- totals -->(.*?)<!-- /totals -->", docs, re.S).group(1)
    assert f"{round(cpu * 1000)}m CPU" in stated and f"{round(memory / 1024**2)} MiB" in stated, stated
