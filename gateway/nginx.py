"""The gateway: nginx as the shop's one entry point, configured from the shop's manifest (`services.toml`:
the services with `routes`, and the gateway's `throttle`).

    python gateway/nginx.py find                 print the nginx binary (installing it when it can)
    python gateway/nginx.py render DIR [options] write DIR/nginx.conf, print its path
    python gateway/nginx.py check DIR [options]  render, then let nginx test the config (`nginx -t`)
    python gateway/nginx.py run DIR [options]    render, then become nginx in the foreground (Ctrl-C stops it)

    options: --host 127.0.0.1 --port 8000 --upstream users=127.0.0.1:18004 (repeatable; default: the
             local `port` of each service in services.toml) --spa-dir frontend/dist (static mode, the
             default) or --vite http://127.0.0.1:5173 (dev mode) --connect-timeout 2 --read-timeout 30
             --access-log PATH|stdout|off --workers 1
             --container RUN_DIR (the gateway's image, gateway/Dockerfile: an unprivileged nginx with a
             read-only root filesystem; its entry script writes the services' addresses, the listening
             address and the trusted proxies into RUN_DIR at start) --no-api (the SPA alone)

From Python (the tests, the local stack), with the module imported by path:

    gateway = render(directory, port=8000, upstreams={"products": "127.0.0.1:18001"}, spa_dir=...)
    gateway.start()     # returns once nginx answers on the port
    gateway.stop()

nginx runs as an ordinary foreground process with its own prefix: the config, pid file, temp folders and
logs all live in DIR, so it works as root or not and never reads or writes /etc/nginx or /var/log/nginx.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import grp
import http
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: the shop's floor plan (services.toml) and the kit's module that reads it
MANIFEST = Path(os.environ.get("SHOP_MANIFEST") or ROOT / "services.toml")
MANIFEST_MODULE = ROOT / "services" / "common" / "src" / "shop_common" / "manifest.py"
TEMPLATE = "nginx.conf.j2"
#: where `npm run build` of the storefront puts the SPA (static mode's default)
SPA_DIR = ROOT / "frontend" / "dist"
#: the storefront's addresses (the Vue router's, kept equal to it by frontend/src/router/paths.test.js): the
#: gateway answers any other path with the app and 404, and its robots.txt is made from them
STOREFRONT_PATHS = Path(os.environ.get("SHOP_STOREFRONT_PATHS") or ROOT / "frontend" / "src" / "router" / "paths.json")
#: Vite's dev server (dev mode's default)
VITE_URL = "http://127.0.0.1:5173"
#: where nginx is looked for when it is not on PATH (Debian keeps it in /usr/sbin, often not on a user's PATH)
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx", "/opt/homebrew/bin/nginx")
#: Debian package names, newest layout last (nginx-light is bookworm's small build; trixie has only nginx)
DEBIAN_PACKAGES = ("nginx-light", "nginx")
INSTALL_HINT = ("nginx is not installed. Install it, then run this again: `sudo apt-get install nginx-light` "
                "(Debian, Ubuntu), `sudo dnf install nginx` (Fedora), `brew install nginx` (macOS).")

MAX_BODY_BYTES = 1024 * 1024  # the services' SHOP_MAX_BODY_BYTES default: the gateway refuses what they would
# (and more only on the paths of a service's `bodies` in services.toml: a photo upload)

# -- security headers ----------------------------------------------------------------------------------------
# The SPA is built by Vite: every script and stylesheet is a file of our own, no inline script anywhere.
# `<style>` elements and stylesheets stay limited to our files; inline style *attributes* are allowed
# (`style-src-attr`), because Vue writes static `style="..."` attributes as markup when it stringifies
# large static trees, and UI libraries set them too. An attribute cannot carry selectors, so it cannot
# read the page the way an injected stylesheet can, and any url() in it is still bound by img-src/font-src.
# img-src has blob: for the back office's previews of photos about to be uploaded (URL.createObjectURL).
_COMMON_CSP = ("default-src 'self'; script-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
APP_CSP = f"{_COMMON_CSP}; style-src 'self'; style-src-attr 'unsafe-inline'; connect-src 'self'"
#: Swagger UI (under /api/docs/ only) sets inline styles as it renders; its scripts are files (no inline
#: script, see shop_common/swagger), so only style-src is looser
DOCS_CSP = f"{_COMMON_CSP}; style-src 'self' 'unsafe-inline'; connect-src 'self'"
#: dev mode: Vite's dev server injects CSS as <style> elements and talks to its client over a WebSocket
DEV_CSP = f"{_COMMON_CSP}; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:"
#: added to every answer unless the service that made it set the header itself (the products service's
#: pictures carry a stricter `sandbox` policy of their own, which is kept)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# -- the gateway's own errors ----------------------------------------------------------------------------------
# status -> (code, detail): nginx answers these itself as problem+json shaped like the services' (see
# shop_common.errors); `$route_service` names the service of the path (a map in the config).
# Every status nginx's own error pages exist for that this config can make (ngx_http_special_response.c):
# none of nginx's HTML pages is ever sent.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be read."),
    403: ("forbidden", "This file may not be read."),
    404: ("not_found", "Nothing is published at this path."),
    405: ("method_not_allowed", "This method is not allowed here."),
    408: ("request_timeout", "The request did not arrive in time."),
    411: ("length_required", "The request body needs a length."),
    412: ("precondition_failed", "The file does not match the precondition of the request."),
    413: ("payload_too_large", f"The body is over what this path takes ({MAX_BODY_BYTES} bytes but for uploads)."),
    414: ("uri_too_long", "The request line is too long."),
    416: ("range_not_satisfiable", "The file has no such range."),
    431: ("request_header_fields_too_large", "A request header, or all of them together, is too large."),
    429: ("too_many_requests", "Too many attempts from this address; retry after the time in Retry-After."),
    500: ("internal_error", "Something went wrong in the gateway; quote the request id."),
    501: ("not_implemented", "The request uses a transfer coding the gateway does not know."),
    503: ("service_unavailable", "The $route_service service is not answering; try again shortly."),
    504: ("gateway_timeout", "The $route_service service took too long to answer."),
    505: ("http_version_not_supported", "The gateway speaks HTTP/1.0 and HTTP/1.1."),
}
#: statuses nginx makes that are sent as another one: 494 (nginx's own: a request header too large) as 431; 502
#: (the service refuses connections or answers garbage: it is down or restarting) as 503, which clients and the
#: services' HTTP client retry after `Retry-After`, as Envoy answers an upstream connect failure
ERROR_ALIASES = {494: 431, 502: 503}
#: errors nginx may meet before it has read the request line, or while it reads the head: their page must be a
#: URI of its own (nginx cannot enter a named location without one); the others use named locations, which
#: keep the request's URI, so the page can name the service of the path
EARLY_ERRORS = {400, 408, 414, 431, 501, 505}
#: seconds a service that is down, unavailable or too slow is given before the client tries again: the gateway's
#: 503 and 504 say it in `Retry-After`, as every 503 of the services does (shop_common.errors)
RETRY_AFTER_SECONDS = 5
#: what nginx itself serves (the SPA's files): the `Allow` of its own 405
SPA_METHODS = "GET, HEAD"


class NginxMissing(RuntimeError):
    """nginx is not installed and could not be installed here; the message says what to install."""


def _load_manifest_module():
    """shop_common.manifest, by its path: the gateway's image has that one file of the kit, not the kit."""
    spec = importlib.util.spec_from_file_location("shop_manifest", MANIFEST_MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


manifest = _load_manifest_module()


@dataclass(frozen=True)
class RouteTable:
    """What the gateway takes from the manifest: the services it routes to, and what it throttles."""

    services: dict[str, Any]  # name -> shop_common.manifest.Service, those with routes
    throttled: tuple[str, ...]
    rate_per_minute: int
    burst: int
    shop: Any  # the shop_common.manifest.Manifest it comes from

    @property
    def head_limits(self) -> Any:
        """The largest request head the gateway takes (shop_common.manifest.HeadLimits)."""
        return self.shop.head_limits

    def service_of(self, path: str) -> str:
        """The service whose route is the longest prefix of `path` (KeyError when none is)."""
        return self.shop.service_of(path)


_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")


def load_routes(path: Path = MANIFEST) -> RouteTable:
    """The route table of the manifest at `path` (checked there: every route `/api/<...>/`, owned by one
    service, none under /api/docs/ or /api/internal/, the gateway's own)."""
    shop = manifest.parse(Path(path))
    throttle = shop.gateway.throttle or manifest.Throttle()
    return RouteTable({s.name: s for s in shop.routed()}, throttle.paths, throttle.per_minute, throttle.burst, shop)


# -- the storefront's addresses --------------------------------------------------------------------------------
#: a parameter of a vue-router path: `:name`, or `:name(regex)` (vue-router's own default is one segment)
_PARAM = re.compile(r":(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<regex>[^()]*)\))?")
#: a slug as the products service makes and takes them (products.schemas.SLUG, lower-case once nginx matches
#: case-insensitively as vue-router does): a path segment with any other character names no product, and only
#: these characters are ever put into the URL of the gateway's question
_ASKABLE = "[a-z0-9][a-z0-9-]*"
#: seconds the gateway waits for a service's answer to "does this exist" before serving the page anyway
EXISTS_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class StorefrontPath:
    """One address of the storefront (frontend/src/router/paths.json)."""

    path: str  # vue-router's syntax: /products/:slug
    crawl: bool = True
    exists: str | None = None  # the API path, with the same parameters, that answers 404 for no such thing

    def regex(self, ask: bool = False) -> str:
        """The path as an nginx regular expression, anchored, with its trailing slash optional (as vue-router
        takes it). With `ask`, each parameter is captured as `$storefront_<name>`, in the characters a
        question to a service may carry."""
        out, at = [], 0
        for param in _PARAM.finditer(self.path):
            out.append(self._static(self.path[at:param.start()]))
            inner = f"?<storefront_{param['name']}>{_ASKABLE}" if ask else f"?:{param['regex'] or '[^/]+'}"
            out.append(f"({inner})")
            at = param.end()
        out.append(self._static(self.path[at:]))
        body = "".join(out).rstrip("/")
        return f"^{body}/?$"

    def _static(self, text: str) -> str:
        # a modifier after a parameter (`:id?`, `:id+`), a group or a wildcard is more than this reads
        if re.search(r"[^A-Za-z0-9/._~-]", text):
            raise ValueError(f"{STOREFRONT_PATHS}: {self.path!r}: only static segments and :param or "
                             ":param(regex) are understood here")
        return re.escape(text)

    @property
    def disallow(self) -> str:
        """What robots.txt disallows for it: the path up to its first parameter."""
        return self.path.split(":", 1)[0]

    def question(self) -> str:
        """The API path of `exists` with nginx's captures in place of the parameters."""
        return _PARAM.sub(lambda m: f"$storefront_{m['name']}", self.exists)


@dataclass(frozen=True)
class Storefront:
    """The storefront's addresses and what its public pages read of the API (for robots.txt)."""

    paths: tuple[StorefrontPath, ...]
    api: tuple[str, ...]

    def robots(self) -> list[str]:
        """The lines of robots.txt but the Sitemap line: every page allowed but those not to crawl, and no API
        path but what the public pages read (a crawler that renders a page needs it)."""
        hidden: list[str] = []
        for prefix in sorted({p.disallow for p in self.paths if not p.crawl}):
            if not any(prefix.startswith(shorter) for shorter in hidden):  # /checkout covers /checkout/thank-you/
                hidden.append(prefix)
        return ["User-agent: *", "Allow: /", *(f"Disallow: {p}" for p in hidden), "Disallow: /api/",
                *(f"Allow: {p}" for p in self.api)]


def load_storefront(path: Path = STOREFRONT_PATHS) -> Storefront:
    """The storefront's addresses from `path` (frontend/src/router/paths.json)."""
    data = json.loads(Path(path).read_text())
    paths = tuple(StorefrontPath(entry["path"], bool(entry.get("crawl", True)), entry.get("exists"))
                  for entry in data["paths"])
    for page in paths:
        page.regex()  # refuses a syntax it cannot turn into nginx's
        if not page.path.startswith("/") or '"' in page.path or "{" in page.path:
            raise ValueError(f"{path}: {page.path!r} is no path the gateway can take")
    return Storefront(paths, tuple(data.get("api", ())))


# -- finding nginx -------------------------------------------------------------------------------------------


def find_nginx(install: bool = True) -> str:
    """The nginx binary: on PATH, else in the usual sbin folders. When it is missing and we are root on a
    Debian-like system, install it with apt-get (if `install`); else raise `NginxMissing` saying what to do."""
    found = shutil.which("nginx") or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("nginx is missing; installing it with apt-get", file=sys.stderr, flush=True)
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
        for package in DEBIAN_PACKAGES:
            done = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                                  env=env, check=False, capture_output=True, text=True)
            if done.returncode == 0:
                return find_nginx(install=False)
        raise NginxMissing(f"apt-get could not install nginx ({done.stderr.strip()[-300:]}). {INSTALL_HINT}")
    raise NginxMissing(INSTALL_HINT)


def nginx_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out.stderr + out.stdout)
    return tuple(int(n) for n in found.groups()) if found else (0, 0, 0)


# -- rendering -----------------------------------------------------------------------------------------------


def _problem_body(status: int, code: str, detail: str) -> str:
    """The JSON of a problem with nginx variables in it (`$req_id`, `$route_service`), for `return`."""
    body = {"type": "about:blank", "title": http.HTTPStatus(status).phrase, "status": status, "code": code,
            "detail": detail, "request_id": "$req_id"}
    text = json.dumps(body)
    # it goes into a single-quoted nginx string; nothing in it may end the string or escape
    assert "'" not in text and "\\" not in text, text
    return text


def _seconds(value: float) -> str:
    return f"{round(value * 1000)}ms"


def _address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"an upstream address is host:port, got {value!r}")
    return value


def _vite(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"the Vite dev server URL is http://host:port, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _worker_user() -> str | None:
    # Run as root, nginx would start its workers as `nobody`, who can read neither a SPA in the invoking
    # user's folders nor the temp folders we make: the workers run as whoever runs the gateway. Started
    # unprivileged (a container's non-root user), nginx needs no `user` line and gets none.
    if os.geteuid() != 0:
        return None
    return f"{pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name}"


@dataclass
class Gateway:
    """A rendered config and the nginx process running it (once `start()`ed)."""

    directory: Path
    conf: Path
    host: str
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104 (a comparison)
        return f"http://{host}:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.directory / "logs" / "error.log"

    @property
    def pid_file(self) -> Path:
        return self.directory / "nginx.pid"

    def command(self, *extra: str) -> list[str]:
        """The nginx command line for this config (`extra` before the file arguments, e.g. `-t`)."""
        binary = find_nginx()
        early_log = ["-e", str(self.error_log)] if nginx_version(binary) >= (1, 19, 5) else []
        return [binary, *extra, "-p", str(self.directory), "-c", str(self.conf), *early_log]

    def check(self) -> None:
        """Let nginx test the config; raise RuntimeError with its complaint when it is wrong."""
        done = subprocess.run(self.command("-t", "-q"), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"nginx refuses {self.conf}:\n{done.stderr}{self._log_tail()}")

    def start(self, timeout: float = 10.0) -> Gateway:
        """Run nginx in the background (its own process group) and return once the port answers."""
        if self.process is not None and self.process.poll() is None:
            return self
        if _answers(self._probe_host, self.port):
            raise RuntimeError(f"port {self.port} is already in use; stop what listens there or pick another")
        self.check()
        self.pid_file.unlink(missing_ok=True)
        with open(self.directory / "logs" / "nginx.out", "ab") as out:
            self.process = subprocess.Popen([*self.command(), "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while not (self._pid_written() and _answers(self._probe_host, self.port)):
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}:{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not answer on port {self.port} within {timeout} s:{self._log_tail()}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop nginx (fast shutdown: SIGTERM); its whole process group is killed if it does not end."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)

    @property
    def _probe_host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    def _pid_written(self) -> bool:
        try:
            return self.pid_file.read_text().strip() == str(self.process.pid)
        except OSError:
            return False

    def _log_tail(self) -> str:
        try:
            return "\n" + "\n".join(self.error_log.read_text().splitlines()[-20:])
        except OSError:
            return ""


def _answers(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host.strip("[]"), port)) == 0


def render(
    directory: str | os.PathLike,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    upstreams: Mapping[str, str] | None = None,
    spa: str = "static",
    spa_dir: str | os.PathLike = SPA_DIR,
    vite_url: str = VITE_URL,
    connect_timeout: float = 2.0,
    read_timeout: float = 30.0,
    access_log: str | None = None,
    workers: int = 1,
    routes: Path = MANIFEST,
    api: bool = True,
    container: str | None = None,
    logins_per_minute: int | None = None,
    storefront: Path = STOREFRONT_PATHS,
) -> Gateway:
    """Render nginx.conf from the route table into `directory` (made if missing; the pid file, temp folders
    and logs go there too) and return the `Gateway` for it, not started.

    `upstreams` maps a service to its `host:port` (the route table's `local` address for any not given).
    `spa` is `static` (serve the built SPA in `spa_dir`, history fallback to index.html) or `dev` (pass
    everything outside /api/ to the Vite dev server at `vite_url`, WebSockets included). `access_log` is
    a file, `stdout` or `off` (default: DIRECTORY/logs/access.log), one JSON object a line.
    `logins_per_minute` replaces the route table's throttle rate, for a test stack whose every shopper
    signs in from 127.0.0.1 (the burst stays the table's).

    With `container` (a writable folder such as /tmp/gateway) the config is the gateway image's
    (gateway/Dockerfile), the same routes, headers and error pages for a container whose addresses are
    known only when it starts: nginx starts unprivileged (no `user` line), keeps its pid and temp files in
    that folder, logs errors to stderr, and includes from it what the image's entry script
    (gateway/entrypoint.sh) writes there from the environment: `listen.conf` (SHOP_HOST, SHOP_PORT),
    `upstreams/<service>.conf` (SHOP_<SERVICE>_URL), `real-ip.conf` and `trusted-proxies.conf`
    (SHOP_REAL_IP_FROM: the proxies in front whose X-Forwarded-For and X-Forwarded-Proto are believed).
    `upstreams`, `host` and `port` are then not used. `api=False` leaves out every route to a service.

    `storefront` is the storefront's addresses (frontend/src/router/paths.json): in static mode every other
    path is the app with 404, and a path with `exists` is asked of its service first (404 when it answers so);
    robots.txt is made from them.
    """
    table = load_routes(routes)
    if logins_per_minute is not None:  # a test stack, whose every shopper signs in from 127.0.0.1
        table = dataclasses.replace(table, rate_per_minute=logins_per_minute)
    unknown = set(upstreams or {}) - set(table.services)
    if unknown:
        raise ValueError(f"no service {', '.join(sorted(unknown))} in {routes}")
    if spa not in ("static", "dev"):
        raise ValueError(f"spa is static or dev, got {spa!r}")
    if not api and (upstreams or spa == "dev"):
        raise ValueError("without the API routes there are no upstreams, and the SPA is the built one")
    if container and (upstreams or spa == "dev"):
        raise ValueError("a container's upstreams come from its environment, and it serves the built SPA")
    directory = Path(directory).resolve()
    for sub in ("logs", "temp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    access = {None: str(directory / "logs" / "access.log"), "stdout": "/dev/stdout"}.get(access_log, access_log)
    throttled_for = -(-60 // table.rate_per_minute)  # seconds until the limit lets one more through
    problems = [{"status": status, "body": _problem_body(status, code, detail),
                 "retry_after": {429: throttled_for, 503: RETRY_AFTER_SECONDS, 504: RETRY_AFTER_SECONDS}.get(status),
                 "aliases": [alias for alias, same in ERROR_ALIASES.items() if same == status],
                 "page": f"/_gateway/problem/{status}" if status in EARLY_ERRORS else f"@problem_{status}"}
                for status, (code, detail) in ERRORS.items()]
    run_dir = container.rstrip("/") if container else str(directory)
    front = load_storefront(storefront)

    def routed(path: str) -> bool:
        try:
            return any(path.startswith(route) for route in table.shop.services[table.service_of(path)].routes)
        except KeyError:
            return False

    asked = [p.exists for p in front.paths if p.exists]
    if api and (unrouted := [p for p in [*front.api, *asked] if not routed(p)]):
        raise ValueError(f"{storefront}: {unrouted} are under no route of {routes}")
    pages = [{"path": p.path, "exists": p.exists, "regex": p.regex(),
              **({"ask": p.regex(ask=True), "question": p.question(), "service": table.service_of(p.exists)}
                 if p.exists and api else {"question": None})} for p in front.paths]
    robots = front.robots()
    if api and any(s.pages for s in table.services.values()):
        robots.append("Sitemap: $forwarded_proto://$forwarded_host/sitemap.xml")
    context = {
        "user": None if container else _worker_user(),
        "workers": workers,
        "directory": str(directory),
        "pid_file": f"{run_dir}/nginx.pid",
        "error_log": "stderr" if container else f"{directory}/logs/error.log",
        "temp_dir": run_dir if container else f"{directory}/temp",
        "access_log": access,
        "listen": f"{host}:{port}",
        "container": bool(container),
        "run_dir": run_dir,
        "services": [{"name": s.name, "upstream": _address((upstreams or {}).get(s.name, s.local)),
                      "routes": s.routes, "pages": s.pages} for s in table.services.values() if api],
        "storefront": pages,
        "robots": "".join(f"{line}\\n" for line in robots),
        "exists_timeout": _seconds(EXISTS_TIMEOUT_SECONDS),
        "spa_methods": SPA_METHODS,
        "throttled": [(path, table.service_of(path)) for path in table.throttled if api],
        "bodies": [{"path": body.path, "bytes": body.bytes, "service": s.name}
                   for s in table.services.values() if api for body in s.bodies],
        "rate_per_minute": table.rate_per_minute,
        "burst": table.burst,
        "problems": problems,
        "spa": spa,
        "spa_dir": str(Path(spa_dir).resolve()),
        "vite_url": _vite(vite_url),
        "app_csp": DEV_CSP if spa == "dev" else APP_CSP,
        "docs_csp": DOCS_CSP,
        "security_headers": SECURITY_HEADERS,
        "max_body": MAX_BODY_BYTES,
        "head": table.head_limits,
        "connect_timeout": _seconds(connect_timeout),
        "read_timeout": _seconds(read_timeout),
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)  # noqa: S701 (not HTML)
    conf = directory / "nginx.conf"
    conf.write_text(env.get_template(TEMPLATE).render(**context))
    if container:
        # the services whose addresses the entry script must be given, one a line
        (directory / "upstreams").write_text("".join(f"{s['name']}\n" for s in context["services"]))
    return Gateway(directory, conf, host, port)


# -- command line ----------------------------------------------------------------------------------------------


def _upstream(value: str) -> tuple[str, str]:
    name, sep, address = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected service=host:port, got {value!r}")
    return name, address


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway/nginx.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("find", help="print the nginx binary, installing nginx when it can")
    for name, text in (("render", "write DIR/nginx.conf"), ("check", "render, then nginx -t"),
                       ("run", "render, then run nginx in the foreground")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("directory", type=Path, help="where nginx.conf, the pid file, temp files and logs go")
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8000)
        sub.add_argument("--upstream", type=_upstream, action="append", default=[], metavar="SERVICE=HOST:PORT")
        mode = sub.add_mutually_exclusive_group()
        mode.add_argument("--spa-dir", type=Path, default=SPA_DIR, help="static mode: the built SPA")
        mode.add_argument("--vite", metavar="URL", help="dev mode: the Vite dev server, e.g. " + VITE_URL)
        sub.add_argument("--connect-timeout", type=float, default=2.0)
        sub.add_argument("--read-timeout", type=float, default=30.0)
        sub.add_argument("--access-log", help="a file, stdout or off (default: DIR/logs/access.log)")
        sub.add_argument("--workers", type=int, default=1)
        sub.add_argument("--no-api", dest="api", action="store_false", help="no route to any service: the SPA alone")
        sub.add_argument("--logins-per-minute", type=int, metavar="N",
                         help="instead of the route table's throttle rate (a test stack: every shopper at one address)")
        sub.add_argument("--container", metavar="RUN_DIR",
                         help="the gateway image's config: no `user` line, pid, temp files and the addresses the "
                              "entry script writes in RUN_DIR, errors to stderr")
    args = parser.parse_args(argv)
    try:
        if args.command == "find":
            print(find_nginx())
            return 0
        if args.container and args.command != "render":
            parser.error("--container renders the config of an image; its entry script runs it")
        gateway = render(args.directory, host=args.host, port=args.port, upstreams=dict(args.upstream),
                         spa="dev" if args.vite else "static", spa_dir=args.spa_dir,
                         vite_url=args.vite or VITE_URL, connect_timeout=args.connect_timeout,
                         read_timeout=args.read_timeout, access_log=args.access_log, workers=args.workers,
                         api=args.api, container=args.container, logins_per_minute=args.logins_per_minute)
        if args.command == "render":
            print(gateway.conf)
            return 0
        gateway.check()
        if args.command == "check":
            print(f"{gateway.conf}: ok")
            return 0
        if not args.vite and not (Path(args.spa_dir) / "index.html").exists():
            print(f"warning: no {args.spa_dir}/index.html yet; / answers 404 until the SPA is built",
                  file=sys.stderr)
        print(f"gateway: {gateway.url}", flush=True)
        command = [*gateway.command(), "-g", "daemon off;"]
        os.execv(command[0], command)  # noqa: S606 (nginx itself takes the signals, e.g. the stack supervisor's)
    except (NginxMissing, RuntimeError, ValueError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
