"""The shop from its images, run the way the chart runs its pods (dev/pods.py): every image built from this tree
with Docker (stand-ins of the official bases built from Debian's packages where none can be pulled), the chart
rendered with its default values, its migration Jobs run, every container started under the chart's command,
environment, secret files, user, read-only root, dropped capabilities, seccomp profile and /tmp size, every
probe answering; then the cross-service journey and the storefront's journey in Chromium through the gateway
container, the one front door. Everything started is removed at the end (and the Docker daemon, if this run
started it).

Where Docker is missing and cannot be installed, every test here is skipped with one line saying what to
install; so they are where the package registries the builds need cannot be reached (a network namespace with
only a loopback).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis as redis_lib
import requests

from shop_common import localservers, manifest
from shop_common.testing import claim_redis_db, raw_request, release_idle_connections, servers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "dev"))
import images  # noqa: E402
import pods  # noqa: E402

#: ports of this stack: the local stack's plus this (gateway 14000, users 14004, SMTP sink 7025), clear of the
#: other suites' (the services' test servers at 21000-21999, the e2e stack at 19000, Playwright's at 20000)
PORT_OFFSET = 6000
#: what a build from a dirty tree must leave out: made before the build, removed after it
DIRT = ("var/pods-dirt/keys/private.pem", "services/users/src/users/leaked-key.pem",
        "services/users/tests/__pycache__/stale.cpython-311.pyc", "services/cart/.pytest_cache/dirt",
        "gateway/.env", "frontend/src/.env.local")


#: where the builds fetch packages from (the Dockerfiles' pip, uv and npm; debootstrap for the stand-ins)
REGISTRIES = ("pypi.org", "registry.npmjs.org", "deb.debian.org")


def _registries_unreachable() -> list[str]:
    """The package registries a build needs that do not answer on 443 or 80 (in a network namespace with
    only a loopback, all of them)."""
    unreachable = []
    for host in REGISTRIES:
        try:
            socket.create_connection((host, 443 if host != "deb.debian.org" else 80), timeout=5).close()
        except OSError:
            unreachable.append(host)
    return unreachable


def _engine_or_skip(var: Path) -> images.Engine:
    if unreachable := _registries_unreachable():
        pytest.skip(f"the package registries the image builds need do not answer here ({', '.join(unreachable)})")
    try:
        engine = images.docker_engine(var / "docker")
    except images.DockerUnavailable as exc:
        pytest.skip(str(exc))
    ours = os.readlink("/proc/self/ns/net")
    daemons = [p for p in Path("/proc").glob("[0-9]*") if _read(p / "comm") == "dockerd"]
    if daemons and all(_netns(p) not in (ours, None) for p in daemons):
        engine.stop()
        pytest.skip("the Docker daemon runs in another network namespace: its --network host containers "
                    "cannot be reached from here (run the tests where dockerd runs)")
    return engine


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _netns(proc: Path) -> str | None:
    try:
        return os.readlink(proc / "ns" / "net")
    except OSError:
        return None


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Every image of the shop, built from this tree made dirty with files no image may hold."""
    var = tmp_path_factory.mktemp("pods")
    engine = _engine_or_skip(var)
    made = []
    try:
        for relative in DIRT:
            path = ROOT / relative
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("-----BEGIN PRIVATE KEY-----\nnot for any image\n")
                made.append(path)
        tag = f"test-{secrets.token_hex(3)}"
        images.build(tag=tag, engine=engine)
    finally:
        for path in made:
            path.unlink()
        for relative in ("var/pods-dirt", "services/cart/.pytest_cache", "services/users/tests/__pycache__"):
            if (ROOT / relative).exists() and not any((ROOT / relative).rglob("*.*")):
                shutil.rmtree(ROOT / relative, ignore_errors=True)
    try:
        yield {"var": var, "tag": tag, "engine": engine}
    finally:
        for image in images.images():
            engine.docker("rmi", f"{image.repository}:{tag}", check=False)
        pods.release_engine()
        engine.stop()  # the dockerd it started, if it did: by its pid, waiting for it to exit


@pytest.fixture(scope="module")
def shop(built) -> Iterator[dict[str, Any]]:
    """`dev/pods.py up` with the images just built, on ports and databases of this run; then `down`."""
    prefix = f"shop_img_{secrets.token_hex(3)}_"
    release_idle_connections()  # six services' pods and their migrations need room on the one Postgres
    redis_url = claim_redis_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    env.update(SHOP_STACK_VAR=str(built["var"] / "stack"), SHOP_STACK_DATABASE_PREFIX=prefix,
               SHOP_STACK_PORT_OFFSET=str(PORT_OFFSET), SHOP_POSTGRES_URL=servers().postgres.url,
               SHOP_REDIS_URL=redis_url)
    pods.configure(built["var"] / "stack", prefix, PORT_OFFSET)
    command = [sys.executable, str(ROOT / "dev" / "pods.py")]
    try:
        started = subprocess.run([*command, "up", "--no-build", "--tag", built["tag"]], env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=900, check=False)
        assert started.returncode == 0, f"dev/pods.py up failed:\n{started.stdout[-4000:]}\n{started.stderr[-6000:]}"
        state = json.loads((built["var"] / "stack" / "pods.json").read_text())
        gateway = state["ports"]["gateway"]
        yield {**state, "env": env, "tag": built["tag"], "url": f"http://127.0.0.1:{gateway}", "port": gateway,
               "var": built["var"] / "stack", "redis_url": redis_url, "prefix": prefix}
    finally:
        stopped = subprocess.run([*command, "down"], env=env, cwd=ROOT, capture_output=True, text=True,
                                 timeout=300, check=False)
        _drop_databases(prefix)
        client = redis_lib.Redis.from_url(redis_url)
        client.flushdb()
        client.close()
        assert stopped.returncode == 0, stopped.stderr
        leftover = pods.docker("ps", "--all", "--quiet", "--filter", f"label={pods.LABEL}={pods.run_id()}")
        assert not leftover.split(), f"containers left behind: {leftover}"


def _drop_databases(prefix: str) -> None:
    with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                                    (len(prefix), prefix)).fetchall():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rendered() -> tuple[list[pods.Pod], list[pods.Pod]]:
    return pods.pods(pods.render())


def _inspect(name: str) -> dict[str, Any]:
    return json.loads(pods.docker("inspect", name))[0]


# -- the images ----------------------------------------------------------------------------------------------------


def test_no_image_holds_keys_tests_caches_or_local_files(built):
    for each in images.images():
        image = f"{each.repository}:{built['tag']}"
        # what the image's own folders hold (the installed packages under /app/.venv are third parties')
        found = pods.docker(
            "run", "--rm", "--network", "host", "--entrypoint", "find", image, "/app/services", "/srv", "/etc/shop",
            "(", "-name", "*.pem", "-o", "-name", "tests", "-o", "-name", "var", "-o", "-name", ".git",
            "-o", "-name", ".pytest_cache", "-o", "-name", ".ruff_cache", "-o", "-name", ".env*",
            "-o", "-name", "node_modules", "-o", "-name", "stale.cpython-311.pyc", ")", "-print",
            check=False)
        assert not found.strip(), f"{image} holds: {found}"


def test_each_image_runs_as_the_user_the_chart_gives_its_pods(built):
    _, deployments = _rendered()
    for pod in deployments:
        (container,) = pod.spec["containers"]
        image = pods.image_of(container, built["tag"])
        user = pods.docker("image", "inspect", "--format", "{{.Config.User}}", image).strip()
        security = {**pod.security, **container["securityContext"]}
        assert user == f"{security['runAsUser']}:{security['runAsGroup']}", (image, user)


# -- the pods ------------------------------------------------------------------------------------------------------


def test_the_migration_jobs_ran_and_every_probe_of_the_chart_answers(shop):
    jobs, deployments = _rendered()
    assert {j.name for j in jobs} == {"users-migrate", "products-migrate", "cart-migrate", "orders-migrate",
                                      "payments-migrate"}
    expected = {(p.name, kind) for p in deployments for c in p.spec["containers"]
                for kind in ("startupProbe", "readinessProbe", "livenessProbe") if kind in c}
    seen = {(p["pod"], p["probe"]) for p in shop["probes"] if p["passed"]}
    assert expected == seen
    assert ("mailer", "livenessProbe") in seen
    # and they still answer now (the first data is in, the journeys have not begun)
    place_ports = shop["ports"]
    for pod in deployments:
        for container in pod.spec["containers"]:
            name = pods.container_name(pod, container)
            for kind in ("readinessProbe", "livenessProbe"):
                if kind in container:
                    passed, saw = pods.probe(name, container[kind], place_ports.get(pod.name))
                    assert passed, f"{pod.name} {kind}: {saw}"


def test_every_container_runs_under_the_charts_security_settings(shop):
    _, deployments = _rendered()
    assert {p.name for p in deployments} == set(manifest.load().services)
    for pod in deployments:
        (container,) = pod.spec["containers"]
        security = {**pod.security, **container["securityContext"]}
        name = pods.container_name(pod, container)
        seen = _inspect(name)
        host = seen["HostConfig"]
        assert seen["State"]["Running"], name
        assert seen["Config"]["User"] == f"{security['runAsUser']}:{security['runAsGroup']}", name
        assert host["ReadonlyRootfs"] is True, name
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"], name
        assert "no-new-privileges" in host["SecurityOpt"], name
        assert not any("seccomp=unconfined" in option for option in host["SecurityOpt"]), name
        size = pods._quantity_bytes(next(v for v in pod.spec["volumes"] if v["name"] == "tmp")["emptyDir"]["sizeLimit"])
        assert f"size={size}" in host["Tmpfs"]["/tmp"], name
        assert host["Memory"] == pods._quantity_bytes(container["resources"]["limits"]["memory"]), name
        assert host["NetworkMode"] == "host", name
        # what the processes inside really are and may do
        ids = pods.docker("exec", name, "sh", "-c", "id -u; id -G").split()
        assert ids[0] == str(security["runAsUser"]), name
        assert str(pod.security["fsGroup"]) in ids[1:], name
        wrote = subprocess.run([pods.client(), "exec", name, "sh", "-c", "echo x > /etc/x"],
                               capture_output=True, text=True, check=False)
        assert wrote.returncode != 0 and "Read-only file system" in wrote.stderr, name
        pods.docker("exec", name, "sh", "-c", "echo x > /tmp/writable && rm /tmp/writable")
        status = pods.docker("exec", name, "sh", "-c", "grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/1/status")
        fields = dict(line.split(":\t", 1) for line in status.strip().splitlines())
        assert int(fields["CapEff"], 16) == 0, name
        assert fields["Seccomp"].strip() == "2" and fields["NoNewPrivs"].strip() == "1", name


def test_no_secret_reaches_a_container_as_an_environment_value(shop):
    objects = pods.render()
    values = {v.decode().strip() for v in pods.secret_data(objects).values() if len(v.strip()) >= 8}
    values |= {Path(p).read_text().strip() for p in (shop["var"] / "pods").glob("*/secrets/*")}
    _, deployments = pods.pods(objects)
    for pod in deployments:
        (container,) = pod.spec["containers"]
        env = _inspect(pods.container_name(pod, container))["Config"]["Env"]
        leaked = [item.split("=", 1)[0] for item in env for value in values if value and value in item]
        assert not leaked, f"{pod.name}: {leaked}"
        mounted = [item.split("=", 1) for item in env if re.match(r"SHOP_\w+_FILE=", item)]
        assert all(path.startswith(pods.SECRETS_MOUNT + "/") for _, path in mounted), mounted


def test_the_gateway_container_is_the_front_door_with_its_headers_and_problems(shop):
    url = shop["url"]
    answer = requests.get(f"{url}/api/categories/", timeout=10)
    assert answer.status_code == 200
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy",
                   "X-Request-ID"):
        assert header in answer.headers, header
    # an unknown method: the service's 405 problem, with Allow
    refused = requests.request("PATCH", f"{url}/api/categories/", timeout=10)
    assert refused.status_code == 405 and "Allow" in refused.headers
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    # the gateway's own: a method its files do not take, a path never routed, a header too large
    posted = requests.post(f"{url}/", timeout=10)
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD"
    assert posted.headers["Content-Type"].startswith("application/problem+json")
    for path in ("/internal/stock/", "/readyz", "/metrics", "/api/nothing/"):
        hidden = requests.get(url + path, timeout=10)
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found", path
    large = raw_request(shop["port"], "GET", "/api/categories/", headers={"X-Big": "x" * 40_000})
    assert large.status_code == 431 and json.loads(large.content)["code"] == "request_header_fields_too_large"
    # the login throttle, from an address of its own: 429 problem with Retry-After
    tries = [raw_request(shop["port"], "POST", "/api/auth/login/", source="127.0.0.77",
                         headers={"Content-Type": "application/json"}, body=b'{"username": "x", "password": "y"}')
             for _ in range(12)]
    throttled = [t for t in tries if t.status_code == 429 and json.loads(t.content)["code"] == "too_many_requests"]
    assert throttled and all(t.headers.get("Retry-After") for t in throttled)


def test_the_storefront_journey_passes_in_chromium_through_the_gateway_container(shop):
    """First of the journeys: it expects the demo catalogue as seeded, nothing added."""
    npx = shutil.which("npx")
    assert npx and (ROOT / "frontend" / "node_modules").is_dir(), "make frontend-install installs the storefront's"
    done = subprocess.run([npx, "playwright", "test", "e2e/journey.spec.js", "--project", "desktop",
                           "--project", "phone", "--no-deps"],
                          env={**os.environ, "SHOP_PW_BASE_URL": shop["url"], "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
                          cwd=ROOT / "frontend", capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-3000:]
    print(done.stdout.strip().splitlines()[-1])


def test_the_cross_service_journey_passes_through_the_gateway_container(shop):
    attach = json.dumps({"url": shop["url"], "var": str(shop["var"]), "port": shop["port"],
                         "redis_url": shop["redis_url"]})
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/e2e/test_journey.py", "tests/e2e/test_gateway.py"],
                          env={**os.environ, "SHOP_E2E_ATTACH": attach}, cwd=ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-3000:]
    print(done.stdout.strip().splitlines()[-1])


# -- bad input and failure -------------------------------------------------------------------------------------------


def test_a_container_without_a_required_setting_exits_naming_it(shop):
    _, deployments = _rendered()
    place = _place(shop)
    by_name = {p.name: p for p in deployments}
    for pod_name, dropped, named in (("users", "SHOP_DATABASE_URL_FILE", "SHOP_DATABASE_URL"),
                                     ("gateway", "SHOP_USERS_URL", "SHOP_USERS_URL"),
                                     ("mailer", "SHOP_REDIS_URL_FILE", "SHOP_REDIS_URL")):
        pod = by_name[pod_name]
        (container,) = pod.spec["containers"]
        container = {**container, "env": [e for e in container["env"] if e["name"] != dropped]}
        done = pods.run_to_completion(pod, container, place, shop["tag"], timeout=120)
        assert done.returncode != 0, pod_name
        assert named in done.stdout + done.stderr, (pod_name, done.stdout[-2000:], done.stderr[-2000:])


def test_a_failing_migration_exits_at_once_and_so_stops_the_rollout(shop):
    """A migration that cannot apply fails its Job (a failed pre-upgrade hook fails `helm upgrade`, the old pods
    keep serving) and the init container of a new pod (which then never starts)."""
    jobs, deployments = _rendered()
    job = next(j for j in jobs if j.name == "cart-migrate")
    pod = next(p for p in deployments if p.name == "cart")
    broken = f"{shop['prefix']}broken_cart"
    with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{broken}"')
    url = localservers.with_database(servers().postgres.url, broken)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE cart_items (nothing int)")  # in the way of the first migration
    place = _place(shop, database_urls={"cart": url})
    for spec, container in ((job, job.spec["containers"][0]), (pod, pod.spec["initContainers"][0])):
        done = pods.run_to_completion(spec, container, place, shop["tag"], timeout=120)
        assert done.returncode != 0, spec.name
        assert "cart_items" in done.stdout + done.stderr, done.stderr[-2000:]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None


def _place(shop: dict[str, Any], database_urls: dict[str, str] | None = None) -> pods.Place:
    return pods.Place(shop["ports"], {**shop["databases"], **(database_urls or {})}, shop["redis_url"],
                      shop["ports"]["smtp"], pods.secret_data(pods.render()))
