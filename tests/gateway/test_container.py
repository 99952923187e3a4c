"""The gateway's image without Docker: its config, rendered as gateway/Dockerfile renders it (`render(...,
container=RUN_DIR)`: routes included, the addresses left to the start), and its entry script (gateway/entrypoint.sh,
its two folders moved by sed), which writes what the config includes from the environment and then becomes nginx.
A setting missing or malformed stops the start naming it; a good environment gives a config nginx accepts, and
a gateway that serves like the local one and believes X-Forwarded-For from the trusted proxies alone."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from shop_common.testing import assert_problem, raw_request, wait_until

from .support import ASSET, INDEX_HTML, entry_script, free_port, load_gateway

SERVICES = tuple(load_gateway().load_routes().services)
#: the user the image's nginx runs as is not root; as root, the tests start it as `nobody` (65534)
UNPRIVILEGED = 65534


@dataclass
class Image:
    """The image's files under one folder: the rendered config (`etc`), the run folder the entry script
    writes into, the built SPA, the script itself, and a stand-in `nginx -t` on `check_path`."""

    root: Path
    etc: Path
    run: Path
    spa: Path
    script: Path
    nginx: str

    @property
    def check_path(self) -> str:
        return f"{self.root / 'check'}:/usr/bin:/bin"

    def start(self, env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess:
        """The entry script, with `nginx` only testing the config (`check`) or, not, nginx itself."""
        path = self.check_path if check else f"{Path(self.nginx).parent}:/usr/bin:/bin"
        return subprocess.run([str(self.script)], env={"PATH": path, **env}, capture_output=True, text=True,
                              timeout=30, check=False)


def addresses(services: dict | None = None) -> dict[str, str]:
    """SHOP_<SERVICE>_URL for every service of the route table: the running ones' when given, else addresses
    nginx need not resolve (it resolves names when it reads the config)."""
    return {f"SHOP_{name.upper()}_URL": f"http://{services[name].address if services else f'127.0.0.1:{9001 + n}'}"
            for n, name in enumerate(SERVICES)}


@pytest.fixture
def image(gateway_module, nginx_binary) -> Image:
    root = Path(tempfile.mkdtemp(prefix="shop-gateway-image-"))  # not under pytest's 0700 folders: see below
    root.chmod(0o755)
    etc, run, spa, check = root / "etc", root / "run", root / "spa", root / "check"
    for folder in (etc, run, spa, spa / "assets", check):
        folder.mkdir()
    (spa / "index.html").write_text(INDEX_HTML)
    (spa / ASSET.lstrip("/")).write_text("export const x = 1;\n")
    # as gateway/Dockerfile renders it: the run folder is the container's, the access log its stdout
    gateway_module.render(etc, container=str(run), spa_dir=spa, access_log="stdout")
    (check / "nginx").write_text(f'#!/bin/sh\ntouch "{root}/nginx-ran"\nexec {nginx_binary} -t "$@"\n')
    (check / "nginx").chmod(0o755)
    script = entry_script(root, etc, run)
    if os.geteuid() == 0:
        # the image's nginx is unprivileged, and nginx started as root would run its workers as `nobody`
        os.chown(run, UNPRIVILEGED, UNPRIVILEGED)
        for path in (root, etc, spa, spa / "assets", check, *etc.rglob("*"), *spa.rglob("*")):
            path.chmod(path.stat().st_mode | 0o555 if path.is_dir() else path.stat().st_mode | 0o444)
    yield Image(root, etc, run, spa, script, nginx_binary)
    shutil.rmtree(root, ignore_errors=True)


def test_the_images_config_is_what_nginx_accepts_once_the_entry_script_wrote_its_includes(image):
    before = subprocess.run([image.nginx, "-t", "-c", str(image.etc / "nginx.conf")], capture_output=True,
                            text=True, check=False)
    assert before.returncode != 0 and f"{image.run}/" in before.stderr  # an include not written yet
    done = image.start({**addresses(), "SHOP_PORT": "8080", "SHOP_REAL_IP_FROM": "10.0.0.0/8 fd00::/8 192.0.2.1"})
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    assert (image.run / "listen.conf").read_text() == "listen 0.0.0.0:8080;\n"
    for n, name in enumerate(SERVICES):
        assert (image.run / "upstreams" / f"{name}.conf").read_text() == f"server 127.0.0.1:{9001 + n};\n"
    assert (image.run / "real-ip.conf").read_text() == (
        "set_real_ip_from 10.0.0.0/8;\nset_real_ip_from fd00::/8;\nset_real_ip_from 192.0.2.1;\n"
        "real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n")
    assert (image.run / "trusted-proxies.conf").read_text() == "10.0.0.0/8 1;\nfd00::/8 1;\n192.0.2.1 1;\n"


@pytest.mark.parametrize("proxies", [None, "", "  "])
def test_without_trusted_proxies_the_config_believes_no_forwarded_header(image, proxies):
    env = {**addresses(), **({"SHOP_REAL_IP_FROM": proxies} if proxies is not None else {})}
    done = image.start(env)
    assert done.returncode == 0, done.stderr
    assert (image.run / "real-ip.conf").read_text() == "" and (image.run / "trusted-proxies.conf").read_text() == ""
    assert (image.run / "listen.conf").read_text() == "listen 0.0.0.0:8080;\n"  # the image's port


@pytest.mark.parametrize("missing", SERVICES)
def test_a_missing_service_address_stops_the_start_naming_it(image, missing):
    env = {k: v for k, v in addresses().items() if k != f"SHOP_{missing.upper()}_URL"}
    done = image.start(env)
    assert done.returncode == 1
    assert done.stderr == (f"gateway: SHOP_{missing.upper()}_URL is required: the address of the {missing} "
                           "service (http://host:port)\n")
    assert not (image.root / "nginx-ran").exists()


@pytest.mark.parametrize(("name", "value"), [
    ("SHOP_USERS_URL", "users:8000"),
    ("SHOP_USERS_URL", "https://users:8000"),
    ("SHOP_USERS_URL", "http://users"),
    ("SHOP_USERS_URL", "http://users:80a"),
    ("SHOP_USERS_URL", "http://:8000"),
    ("SHOP_USERS_URL", "http://users:8000/api/"),
    # nothing can add to the config through a setting
    ("SHOP_USERS_URL", "http://users:8000; include /etc/passwd"),
    ("SHOP_USERS_URL", "http://users:8000;\n}\nserver {"),
    ("SHOP_PORT", "8080; daemon on"),
    ("SHOP_PORT", "http"),
    ("SHOP_HOST", "0.0.0.0:1; listen 0.0.0.0"),
    ("SHOP_REAL_IP_FROM", "10.0.0.0/8;"),
    ("SHOP_REAL_IP_FROM", "10.0.0.0/8 all"),
])
def test_a_malformed_setting_stops_the_start_naming_it(image, name, value):
    done = image.start({**addresses(), name: value})
    assert done.returncode == 1
    assert done.stderr.startswith(f"gateway: {name} ") and done.stderr.count("\n") == value.count("\n") + 1
    assert not (image.root / "nginx-ran").exists()
    written = "".join(p.read_text() for p in image.run.rglob("*.conf"))
    assert ";" not in written.replace(";\n", "\n") and "include" not in written and "daemon" not in written


@contextlib.contextmanager
def running(image: Image, env: dict[str, str]):
    """The entry script started for real (as `nobody` when we are root), its stdout the container's log;
    stopped at the end."""
    log = image.root / "stdout.log"
    log.touch()
    as_user = {"user": UNPRIVILEGED, "group": UNPRIVILEGED, "extra_groups": []} if os.geteuid() == 0 else {}
    if as_user:
        os.chown(log, UNPRIVILEGED, UNPRIVILEGED)  # nginx reopens /dev/stdout, so it must be its own
    with open(log, "ab") as out:
        process = subprocess.Popen([str(image.script)], env={"PATH": f"{Path(image.nginx).parent}:/usr/bin:/bin",
                                                            **env},
                                   stdout=out, stderr=subprocess.PIPE, start_new_session=True, **as_user)
    try:
        port = int(env["SHOP_PORT"])
        wait_until(lambda: process.poll() is not None or _answers(port), timeout=15)
        assert process.poll() is None, process.stderr.read().decode()
        yield process, log
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def _answers(port: int) -> bool:
    with contextlib.suppress(requests.RequestException):
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    return False


def test_the_image_serves_like_the_local_gateway_and_believes_only_the_trusted_proxies(image, services):
    port = free_port()
    env = {**addresses(services), "SHOP_HOST": "127.0.0.1", "SHOP_PORT": str(port), "SHOP_REAL_IP_FROM": "127.0.0.1"}
    seen = services["products"].recorder
    with running(image, env) as (process, log):
        # the script became nginx: the container's stop signal reaches nginx itself
        assert (image.run / "nginx.pid").read_text().strip() == str(process.pid)
        forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        # from the trusted proxy: the client and the scheme it names
        answer = raw_request(port, "GET", "/api/categories/", headers={**forwarded, "X-Request-ID": "image-proxied"})
        assert answer.status_code == 200 and answer.headers["X-Content-Type-Options"] == "nosniff"
        request = next(r for r in seen.seen if r["headers"].get("x-request-id") == "image-proxied")
        assert request["headers"]["x-real-ip"] == "203.0.113.7"
        # the services believe one proxy, the gateway: the last address it adds is the client's
        assert request["headers"]["x-forwarded-for"].split(", ")[-1] == "203.0.113.7"
        assert request["headers"]["x-forwarded-proto"] == "https"
        # from anyone else: its own address, whatever it says
        answer = raw_request(port, "GET", "/api/categories/", source="127.0.0.2",
                     headers={**forwarded, "X-Request-ID": "image-direct"})
        assert answer.status_code == 200
        request = next(r for r in seen.seen if r["headers"].get("x-request-id") == "image-direct")
        assert request["headers"]["x-real-ip"] == "127.0.0.2"
        # the storefront and what is never routed, as locally
        page = raw_request(port, "GET", "/checkout")
        assert page.status_code == 200 and page.text == INDEX_HTML
        missing = raw_request(port, "GET", "/no/such/page")
        assert missing.status_code == 404 and missing.text == INDEX_HTML
        assert_problem(raw_request(port, "GET", "/internal/stock/"), 404, "not_found")
        # one JSON object a line on the container's stdout
        wait_until(lambda: '"request_id":"image-direct"' in log.read_text())


def test_only_a_trusted_proxy_may_say_the_client_used_https(image, services):
    """The scheme decides the services' links (and whatever they do for https only): a client that reaches the
    gateway past the proxies cannot claim it, as it cannot claim an address."""
    port = free_port()
    env = {**addresses(services), "SHOP_HOST": "127.0.0.1", "SHOP_PORT": str(port), "SHOP_REAL_IP_FROM": "127.0.0.1"}
    seen = services["products"].recorder
    with running(image, env):
        for source, request_id, scheme in (("127.0.0.1", "image-proto-proxied", "https"),
                                           ("127.0.0.2", "image-proto-direct", "http")):
            answer = raw_request(port, "GET", "/api/categories/", source=source,
                                 headers={"X-Forwarded-Proto": "https", "X-Request-ID": request_id})
            assert answer.status_code == 200
            request = next(r for r in seen.seen if r["headers"].get("x-request-id") == request_id)
            assert request["headers"]["x-forwarded-proto"] == scheme, source
