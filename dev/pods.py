"""The shop from its images, run the way the Helm chart runs its pods, on this machine's Docker.

    python dev/pods.py up [--no-build]   build the images (dev/images.py), render charts/shop with its default
                                         values, run its migration Jobs, then every Deployment's init containers
                                         and containers; returns once every probe of the chart answers
    python dev/pods.py down              remove every container `up` started, stop what it started

Each container gets what the rendered chart gives it: command and arguments, environment, the secret files of
its projected volume (the chart's own generated keys and service credential, from its rendered Secrets), user
and groups, read-only root, dropped capabilities, no privilege escalation, the default seccomp profile, a tmpfs
/tmp of the emptyDir's size and its memory and CPU limits. What differs is only where things are: every
container runs with `--network host` (all traffic on 127.0.0.1), so each listens on a port of its own (its
SHOP_PORT, the local stack's port plus SHOP_STACK_PORT_OFFSET) and every address of a Service of the release is
rewritten to 127.0.0.1 and that port; the chart's Postgres and Redis StatefulSets are replaced by this
machine's servers (as dev/stack.py finds them: a database per service under SHOP_STACK_DATABASE_PREFIX, and
SHOP_REDIS_URL), its SMTP server by the local sink (every email under <var>/mail/). The staff account and the
demo catalogue are made as NOTES.txt tells an SRE to, with `exec` in the running containers.

`<var>` (SHOP_STACK_VAR, default var/pods) gets what the cross-service tests read of a stack: keys/ (the
chart's JWT pair), secrets/service-token, staff-login.txt and mail/.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "dev"))
import images  # noqa: E402  (dev/images.py: the Docker engine, stand-in bases, the shop's images)
import stack  # noqa: E402  (dev/stack.py: what a stack keeps for its user, the staff login)

from shop_common import localservers, manifest  # noqa: E402

CHART = ROOT / "charts" / "shop"
RELEASE = "shop"
NAMESPACE = "shop"
VAR = Path(os.environ.get("SHOP_STACK_VAR") or ROOT / "var" / "pods").resolve()
DATABASE_PREFIX = os.environ.get("SHOP_STACK_DATABASE_PREFIX") or "shop_pods_"
OFFSET = int(os.environ.get("SHOP_STACK_PORT_OFFSET") or 0)
STATE = VAR / "pods.json"
#: every container of a run carries this label, with the run's id: `down` finds them by it
LABEL = "dev.shop.pods"
#: the chart's projected secret volume (shop.volumeMounts)
SECRETS_MOUNT = "/var/run/secrets/shop"


def configure(var: Path, database_prefix: str, offset: int) -> None:
    """Point this module at another stack (what SHOP_STACK_VAR, SHOP_STACK_DATABASE_PREFIX and
    SHOP_STACK_PORT_OFFSET say for the command line): the tests run one beside any other."""
    global VAR, DATABASE_PREFIX, OFFSET, STATE
    VAR, DATABASE_PREFIX, OFFSET = Path(var).resolve(), database_prefix, offset
    STATE = VAR / "pods.json"


def local_ports() -> dict[str, int]:
    """Component -> the port it listens on here: the local stack's ports (services.toml) plus the offset."""
    shop = manifest.load(ROOT / "services.toml")
    ports = {s.name: s.port + OFFSET for s in shop.services.values() if s.port is not None}
    return {**ports, "smtp": stack.SMTP_LOCAL_PORT + OFFSET}


# -- the chart, rendered -----------------------------------------------------------------------------------------


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """charts/shop rendered with Helm's engine (helm-python-sdk), as a first install: every object."""
    import helm_python as helm

    manifests = helm.Chart.load(str(CHART)).render(values=values or {}, name=RELEASE, namespace=NAMESPACE,
                                                   is_install=True, is_upgrade=False)
    return [doc for path, text in sorted(manifests.items()) if not path.endswith("NOTES.txt")
            for doc in yaml.safe_load_all(text) if doc]


@dataclass
class Pod:
    """One pod of the release: a hook Job's or a Deployment's."""

    kind: str
    name: str  # the component, e.g. users, users-migrate, gateway
    spec: dict[str, Any]

    @property
    def security(self) -> dict[str, Any]:
        return self.spec.get("securityContext", {})


def pods(objects: list[dict[str, Any]]) -> tuple[list[Pod], list[Pod]]:
    """(the migration Jobs, the Deployments) of the rendered release; the test pod and data stores left out."""
    prefix = f"{RELEASE}-"
    jobs, deployments = [], []
    for obj in objects:
        name = obj["metadata"]["name"].removeprefix(prefix)
        spec = obj.get("spec", {}).get("template", {}).get("spec")
        if obj["kind"] == "Job":
            jobs.append(Pod("Job", name, spec))
        elif obj["kind"] == "Deployment":
            deployments.append(Pod("Deployment", name, spec))
    return jobs, deployments


def secret_data(objects: list[dict[str, Any]]) -> dict[tuple[str, str], bytes]:
    """(Secret name, key) -> its value, for every Secret the chart renders (its generated keys and credential)."""
    import base64

    return {(o["metadata"]["name"], key): base64.b64decode(value)
            for o in objects if o["kind"] == "Secret" for key, value in (o.get("data") or {}).items()}


# -- from a pod spec to `docker run` -------------------------------------------------------------------------------


@dataclass
class Place:
    """Where the things a pod reaches are on this machine."""

    ports: dict[str, int]  # component -> local port
    database_urls: dict[str, str]  # API -> its database here
    redis_url: str
    smtp_port: int
    secrets: dict[tuple[str, str], bytes]
    network: dict[str, str] = field(default_factory=dict)  # "shop-users:8000" -> "127.0.0.1:<its local port>"

    def __post_init__(self) -> None:
        for component, port in self.ports.items():
            self.network[f"{RELEASE}-{component}"] = f"127.0.0.1:{port}"


def environment(pod: Pod, container: dict[str, Any], place: Place) -> dict[str, str]:
    """The container's environment as the chart renders it, with the release's addresses made local."""
    env = {}
    for item in container.get("env", []):
        assert "valueFrom" not in item, f"{pod.name}: {item['name']} comes from elsewhere than the pod spec"
        value = str(item.get("value", ""))
        # http://shop-products:8000 -> http://127.0.0.1:<its local port>
        value = re.sub(r"\b(" + "|".join(map(re.escape, place.network)) + r"):\d+\b",
                       lambda m: place.network[m.group(1)], value)
        env[item["name"]] = value
    assert not container.get("envFrom"), f"{pod.name}: envFrom is not used by the chart"
    component = pod.name.removesuffix("-migrate")
    if "SHOP_PORT" in env and component in place.ports:
        env["SHOP_PORT"] = str(place.ports[component])
        env["SHOP_HOST"] = "127.0.0.1"
    if "SHOP_SHOP_URL" in env:  # the public URL of links and emails: the chart's default is http://localhost:8000
        env["SHOP_SHOP_URL"] = f"http://localhost:{place.ports['gateway']}"
    if "SHOP_SMTP_HOST" in env:  # the chart's default SMTP server is a placeholder; the sink stands in
        env.update(SHOP_SMTP_HOST="127.0.0.1", SHOP_SMTP_PORT=str(place.smtp_port), SHOP_SMTP_SECURITY="none")
    return env


def secret_items(pod: Pod) -> Iterator[tuple[str, str, str]]:
    """(file, Secret, key) of each file of the pod's projected secrets volume."""
    for volume in pod.spec.get("volumes", []):
        for source in volume.get("projected", {}).get("sources", []):
            for item in source["secret"]["items"]:
                yield item["path"], source["secret"]["name"], item["key"]


def secret_files(pod: Pod, place: Place) -> dict[str, bytes]:
    """The files of the pod's projected `secrets` volume: the chart's Secrets, the database and Redis URLs local."""
    files = {}
    for path, secret, key in secret_items(pod):
        if path == "database-url":
            files[path] = place.database_urls[pod.name.removesuffix("-migrate")].encode()
        elif path == "redis-url":
            files[path] = place.redis_url.encode()
        else:
            files[path] = place.secrets[(secret, key)]
    return files


def _quantity_bytes(text: str) -> int:
    units = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "k": 1000, "M": 1000**2, "G": 1000**3}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def _cpus(text: str) -> str:
    return str(float(text[:-1]) / 1000 if text.endswith("m") else float(text))


def run_args(pod: Pod, container: dict[str, Any], place: Place, secrets_dir: Path | None) -> list[str]:
    """`docker run` options (without the image and command) that give the container what its pod spec does."""
    pod_security = pod.security
    security = {**pod_security, **container.get("securityContext", {})}
    args = ["--network", "host", "--label", f"{LABEL}={run_id()}", "--label", f"{LABEL}.pod={pod.name}"]
    user = security.get("runAsUser")
    if user is not None:
        args += ["--user", f"{user}:{security.get('runAsGroup', user)}"]
    if "fsGroup" in pod_security:
        args += ["--group-add", str(pod_security["fsGroup"])]
    if security.get("readOnlyRootFilesystem"):
        args.append("--read-only")
    for capability in security.get("capabilities", {}).get("drop", []):
        args += ["--cap-drop", capability]
    for capability in security.get("capabilities", {}).get("add", []):
        args += ["--cap-add", capability]
    if security.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    seccomp = security.get("seccompProfile", {}).get("type")
    # RuntimeDefault is Docker's own default profile, which `docker run` applies unless told otherwise
    if seccomp not in (None, "RuntimeDefault"):
        raise ValueError(f"{pod.name}: seccomp profile {seccomp} has no Docker equivalent here")
    if seccomp is None:
        raise ValueError(f"{pod.name}: no seccomp profile: the chart promises RuntimeDefault everywhere")
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            size = volume["emptyDir"].get("sizeLimit")
            options = "rw,nosuid,nodev,mode=1777" + (f",size={_quantity_bytes(size)}" if size else "")
            args += ["--tmpfs", f"{mount['mountPath']}:{options}"]
        elif "projected" in volume:
            assert secrets_dir is not None and mount["mountPath"] == SECRETS_MOUNT, mount
            args += ["--volume", f"{secrets_dir}:{mount['mountPath']}:ro"]
        else:
            raise ValueError(f"{pod.name}: volume {mount['name']} is of a kind this runner does not know")
    limits = container.get("resources", {}).get("limits", {})
    if "memory" in limits:
        args += ["--memory", str(_quantity_bytes(limits["memory"]))]
    if "cpu" in limits:
        args += ["--cpus", _cpus(limits["cpu"])]
    for name, value in environment(pod, container, place).items():
        args += ["--env", f"{name}={value}"]
    command = container.get("command")
    if command:
        args += ["--entrypoint", command[0]]
    return args


def command_args(container: dict[str, Any]) -> list[str]:
    """What follows the image on the `docker run` line: the rest of `command`, then `args`."""
    return [*(container.get("command") or [])[1:], *(container.get("args") or [])]


def write_secrets(directory: Path, files: dict[str, bytes], group: int | None) -> None:
    """The projected volume as a folder: files of mode 0440 (its defaultMode), readable by the pod's fsGroup."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    for name, value in files.items():
        path = directory / name
        path.write_bytes(value)
        path.chmod(0o440)
        if group is not None and os.geteuid() == 0:
            os.chown(path, 0, group)
        elif group is not None:
            path.chmod(0o444)  # not root: cannot give the file to the pod's group; let it be read


# -- running -------------------------------------------------------------------------------------------------------


def run_id() -> str:
    """This stack's id: its folder's, so two stacks beside each other never touch each other's containers."""
    return hashlib.sha256(str(VAR).encode()).hexdigest()[:10]


#: the Docker engine of this process (see `engine()`)
_ENGINE: images.Engine | None = None


def engine() -> images.Engine:
    """The Docker engine (dev/images.py finds one, or starts a dockerd without a bridge)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = images.docker_engine(VAR / "docker")
    return _ENGINE


def release_engine() -> None:
    """Let go of this process's engine (a dockerd it started stops once no other user is left)."""
    global _ENGINE
    if _ENGINE is not None:
        _ENGINE.stop()
        _ENGINE = None


def client() -> str:
    return engine().client


def docker(*args: str, check: bool = True, timeout: float = 600) -> str:
    """`docker <args>`: its output; RuntimeError with its complaint when it fails and `check`."""
    done = engine().docker(*args, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])}... failed ({done.returncode}): {done.stderr[-3000:]}")
    return done.stdout


def image_of(container: dict[str, Any], tag: str | None) -> str:
    """The container's image; `tag` (when given) replaces the chart's."""
    image = container["image"]
    return f"{image.rsplit(':', 1)[0]}:{tag}" if tag else image


def container_name(pod: Pod, container: dict[str, Any]) -> str:
    return f"shop-pods-{run_id()}-{pod.name}-{container['name']}"


def _run_line(pod: Pod, container: dict[str, Any], place: Place, tag: str | None) -> tuple[str, list[str]]:
    """(the container's name, what follows `docker run`): its secret files written, any old one of its name
    removed."""
    secrets = VAR / "pods" / pod.name / "secrets"
    write_secrets(secrets, secret_files(pod, place), pod.security.get("fsGroup"))
    name = container_name(pod, container)
    docker("rm", "-f", name, check=False)
    return name, ["--name", name, *run_args(pod, container, place, secrets), image_of(container, tag),
                  *command_args(container)]


def run_to_completion(pod: Pod, container: dict[str, Any], place: Place, tag: str | None,
                      timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a Job's (or an init) container in the foreground, as its pod would; its exit status and output."""
    name, line = _run_line(pod, container, place, tag)
    done = subprocess.run([client(), "run", *line], capture_output=True, text=True, timeout=timeout, check=False)
    docker("rm", "-f", name, check=False)
    return done


def start(pod: Pod, container: dict[str, Any], place: Place, tag: str | None) -> str:
    """Start a pod's container in the background; its name."""
    name, line = _run_line(pod, container, place, tag)
    docker("run", "--detach", *line)
    return name


def probe(name: str, spec: dict[str, Any], port: int | None) -> tuple[bool, str]:
    """One try of a probe of the chart: (passed, what it saw). httpGet on the container's port, or exec in it."""
    timeout = spec.get("timeoutSeconds", 1)
    if "httpGet" in spec:
        url = f"http://127.0.0.1:{port}{spec['httpGet']['path']}"
        try:
            response = requests.get(url, timeout=timeout)
        except requests.RequestException as exc:
            return False, f"GET {url}: {exc.__class__.__name__}"
        # Kubernetes counts 200-399 as success
        return 200 <= response.status_code < 400, f"GET {url}: {response.status_code}"
    if "exec" in spec:
        done = subprocess.run([client(), "exec", name, *spec["exec"]["command"]], capture_output=True,
                              text=True, timeout=timeout + 10, check=False)
        said = f"exec {' '.join(spec['exec']['command'])}: exit {done.returncode} {done.stderr.strip()}"
        return done.returncode == 0, said
    raise ValueError(f"a probe of a kind this runner does not know: {spec}")


def running(name: str) -> bool:
    return docker("inspect", "--format", "{{.State.Running}}", name, check=False).strip() == "true"


def logs(name: str) -> str:
    done = subprocess.run([client(), "logs", "--tail", "60", name], capture_output=True, text=True,
                          check=False)
    return (done.stdout + done.stderr)[-6000:]


def wait_started(name: str, container: dict[str, Any], port: int | None) -> None:
    """Wait as the kubelet would: the startup probe (or, without one, the readiness probe) within its
    failureThreshold x periodSeconds; raise RuntimeError with the container's log when it never passes."""
    spec = container.get("startupProbe") or container.get("readinessProbe") or container.get("livenessProbe")
    if spec is None:
        return
    period = spec.get("periodSeconds", 10)
    deadline = time.monotonic() + spec.get("initialDelaySeconds", 0) + period * spec.get("failureThreshold", 3)
    seen = ""
    while time.monotonic() < deadline:
        if not running(name):
            raise RuntimeError(f"{name} exited while starting:\n{logs(name)}")
        passed, seen = probe(name, spec, port)
        if passed:
            return
        time.sleep(min(period, 1.0))
    raise RuntimeError(f"{name} never passed its probe ({seen}):\n{logs(name)}")


def container_port(container: dict[str, Any], pod: Pod, place: Place) -> int | None:
    """The local port of the container's named port `http` (the probes' and the Service's)."""
    if not container.get("ports"):
        return None
    return place.ports[pod.name]


# -- up and down ---------------------------------------------------------------------------------------------------


def _state() -> dict[str, Any]:
    try:
        return json.loads(STATE.read_text())
    except (OSError, ValueError):
        return {}


def _save(state: dict[str, Any]) -> None:
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))


def prepare_var(objects: list[dict[str, Any]]) -> dict[tuple[str, str], bytes]:
    """<var>: the chart's JWT pair under keys/es256/ and its service credential under secrets/, as a stack keeps
    them (the cross-service tests mint tokens with the pair); the mail folder."""
    secrets = secret_data(objects)
    for (name, key), value in secrets.items():
        if key == "private.pem":
            (VAR / "keys" / "es256").mkdir(parents=True, exist_ok=True)
            (VAR / "keys" / "es256" / "private.pem").write_bytes(value)
        elif key == "public.pem":
            (VAR / "keys" / "es256").mkdir(parents=True, exist_ok=True)
            (VAR / "keys" / "es256" / "public.pem").write_bytes(value)
        elif key == "token" and name.endswith("-service-token"):
            (VAR / "secrets").mkdir(parents=True, exist_ok=True)
            (VAR / "secrets" / "service-token").write_bytes(value)
    (VAR / "mail").mkdir(parents=True, exist_ok=True)
    return secrets


def start_sink(port: int) -> int:
    """The SMTP sink (`shop-mailer sink`) on this machine; its pid."""
    (VAR / "log").mkdir(parents=True, exist_ok=True)
    log = (VAR / "log" / "smtp.log").open("ab")
    sink = [str(Path(sys.executable).with_name("shop-mailer")), "sink", "--host", "127.0.0.1", "--port", str(port),
            "--dir", str(VAR / "mail")]
    process = subprocess.Popen(sink, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 15
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the SMTP sink did not start: {(VAR / 'log' / 'smtp.log').read_text()[-2000:]}")
        time.sleep(0.1)
    return process.pid


def _answers(port: int) -> bool:
    with socket.socket() as probe_socket:
        probe_socket.settimeout(0.5)
        return probe_socket.connect_ex(("127.0.0.1", port)) == 0


def up(build: bool = True, tag: str | None = None) -> int:
    """Start the shop from its images as the chart runs it; return once every probe answers."""
    if _state().get("containers"):
        sys.exit(f"the shop's pods already run from {VAR} (`python dev/pods.py down` stops them)")
    if busy := [f"{name} ({port})" for name, port in local_ports().items() if _answers(port)]:
        sys.exit(f"ports in use: {', '.join(busy)}; stop what listens there, or move the shop's with "
                 "SHOP_STACK_PORT_OFFSET")
    (VAR / "log").mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"containers": [], "run": run_id()}
    started_here = engine().started
    if started_here:  # a dockerd of this run: it outlives this process, and `down` stops it
        atexit.unregister(engine().stop)
        state["dockerd_pid"] = started_here
    _save(state)
    try:
        tag = tag or images.app_version()
        if build:
            images.build(tag=tag, engine=engine())
        objects = render()
        secrets = prepare_var(objects)
        ports = local_ports()
        postgres = localservers.postgres("SHOP_POSTGRES_URL", VAR / "postgres")
        redis = localservers.redis("SHOP_REDIS_URL", VAR / "redis")
        jobs, deployments = pods(objects)
        apis = {p.name for p in deployments if any(path == "database-url" for path, _, _ in secret_items(p))}
        databases = {name: localservers.ensure_database(postgres.url, f"{DATABASE_PREFIX}{name}") for name in apis}
        state["databases"] = databases
        state["redis_url"] = redis.url
        state["sink_pid"] = start_sink(ports["smtp"])
        _save(state)
        place = Place(ports, databases, redis.url, ports["smtp"], secrets)
        # the hook Jobs first, as `helm upgrade` runs them: each must complete
        for job in jobs:
            for container in job.spec["containers"]:
                done = run_to_completion(job, container, place, tag)
                if done.returncode != 0:
                    said = (done.stdout + done.stderr)[-4000:]
                    raise RuntimeError(f"Job {job.name} failed ({done.returncode}):\n{said}")
                print(f"job {job.name}: completed", flush=True)
        # then every pod: its init containers in order, then its containers
        started = []
        for pod in deployments:
            for container in pod.spec.get("initContainers", []):
                done = run_to_completion(pod, container, place, tag)
                if done.returncode != 0:
                    raise RuntimeError(f"init container {pod.name}/{container['name']} failed ({done.returncode}):\n"
                                       f"{(done.stdout + done.stderr)[-4000:]}")
            for container in pod.spec["containers"]:
                name = start(pod, container, place, tag)
                state["containers"].append(name)
                _save(state)
                started.append((pod, container, name))
        for pod, container, name in started:
            wait_started(name, container, container_port(container, pod, place))
            print(f"pod {pod.name}: started", flush=True)
        state["ports"] = ports
        state["probes"] = check_probes(started, place)
        _save(state)
        first_data(deployments)
    except BaseException:
        down()
        raise
    gateway = ports["gateway"]
    print(f"The shop runs from its images: http://localhost:{gateway}  (`python dev/pods.py down` stops it)")
    return 0


def check_probes(started: list[tuple[Pod, dict[str, Any], str]], place: Place) -> list[dict[str, Any]]:
    """Every probe of every container, once, after start: each must pass. What each saw, for the record."""
    seen = []
    for pod, container, name in started:
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            if kind in container:
                passed, what = probe(name, container[kind], container_port(container, pod, place))
                seen.append({"pod": pod.name, "probe": kind, "passed": passed, "saw": what})
                if not passed:
                    raise RuntimeError(f"{pod.name}'s {kind} fails: {what}\n{logs(name)}")
    return seen


def first_data(deployments: list[Pod]) -> None:
    """The staff account and the demo catalogue (each service's `setup` of services.toml), made as NOTES.txt tells
    an SRE (`kubectl exec` there)."""
    for service in manifest.load(ROOT / "services.toml").python():
        if not (service.signs_tokens or service.setup):
            continue
        pod = next(p for p in deployments if p.name == service.name)
        container = container_name(pod, {"name": service.name})
        if service.signs_tokens:
            stack.keep_staff_login(VAR, docker("exec", container, f"shop-{service.name}", *stack.CREATE_STAFF))
        for command in service.setup:
            print(docker("exec", container, f"shop-{service.name}", *command).strip(), flush=True)


def down() -> int:
    """Remove every container of this stack, stop the sink and the Docker daemon `up` started."""
    state = _state()
    try:
        names = docker("ps", "--all", "--quiet", "--filter", f"label={LABEL}={run_id()}", check=False).split()
        if names:
            docker("rm", "--force", *names, check=False)
    except images.DockerUnavailable:
        pass  # no engine: no container of ours runs
    if pid := state.get("sink_pid"):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    if pid := state.get("dockerd_pid"):  # the dockerd `up` started, by its pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    STATE.unlink(missing_ok=True)
    print("the shop's pods are stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev/pods.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("up", help="build, then run every pod of the chart from its image")
    start_parser.add_argument("--no-build", dest="build", action="store_false", help="use the images as they are")
    start_parser.add_argument("--tag", help="the images' tag (default: the chart's appVersion)")
    commands.add_parser("down", help="remove what `up` started")
    args = parser.parse_args(argv)
    try:
        return up(build=args.build, tag=args.tag) if args.command == "up" else down()
    except (RuntimeError, images.DockerUnavailable, images.BuildError) as exc:
        print(f"pods: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
