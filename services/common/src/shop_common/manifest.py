"""The shop's floor plan: `services.toml` at the root of the tree, read and checked.

Standard library only: the gateway's image renders its nginx config with this module and nothing else of the
kit. The file sits four folders above this one, in the repository and in the services' images alike
(/app/services/common/src/shop_common/ -> /app/services.toml); `SHOP_MANIFEST` names another.

    from shop_common import manifest
    shop = manifest.load()
    shop.services["products"].port      # its port in the local stack
    shop.apis()                         # the services of kind api, in the file's order
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parents[4] / "services.toml"
KINDS = ("api", "worker", "web")
#: the keys a service's block may have (a typo is an error, not a silently ignored line)
KEYS = {"about", "kind", "port", "routes", "calls", "database", "signsTokens", "sendsMail", "setup", "chart",
        "throttle", "limits", "bodies", "pages"}

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_ROUTE = re.compile(r"^/api/[a-z0-9-]+(/[a-z0-9-]+)*/$")


@dataclass(frozen=True)
class Throttle:
    """POST requests to `paths` are limited per client address by the gateway."""

    paths: tuple[str, ...] = ()
    per_minute: int = 10
    burst: int = 5


#: gunicorn's own ceilings (gunicorn.http.message): a request line of at most 8190 bytes (its default for a
#: header line too), at most 32768 headers
GUNICORN_MAX_REQUEST_LINE = 8190
GUNICORN_MAX_HEADERS = 32768


@dataclass(frozen=True)
class HeadLimits:
    """The largest request head the gateway takes (nginx's `large_client_header_buffers`): the request line and
    each header line at most `buffer_bytes` with its CRLF, all the header lines together at most `buffers` such
    buffers (beyond nginx's first 1 KiB one). nginx counts no headers; their bytes bound how many there can be.

    The services' gunicorn is set from the same numbers, looser on every count (`gunicorn()`), so that a head
    the gateway lets through is never refused by gunicorn (whose refusals are HTML): whatever is too large is
    refused by the gateway, as problem+json.
    """

    buffer_bytes: int = 4096
    buffers: int = 8

    #: what nginx may add to a line it passes on (`X-Forwarded-For` gains ", <client address>")
    GROWTH = 64
    #: nginx's first buffer, which a head fills before the large ones
    FIRST_BUFFER = 1024

    @property
    def longest_line(self) -> int:
        """The longest request line or header line (CRLF included) the gateway passes on."""
        return self.buffer_bytes + self.GROWTH

    @property
    def most_headers(self) -> int:
        """The most header lines the gateway passes on (the shortest, `a:` and CRLF, is 4 bytes; nginx adds a
        few of its own)."""
        return (self.FIRST_BUFFER + self.buffers * self.buffer_bytes) // 4 + 16

    def gunicorn(self) -> dict[str, int]:
        """gunicorn's `limit_request_line`, `limit_request_field_size` and `limit_request_fields`: its ceilings
        for the line and the count, and for a header line its default or the longest the gateway passes on."""
        return {"limit_request_line": GUNICORN_MAX_REQUEST_LINE,
                "limit_request_field_size": max(GUNICORN_MAX_REQUEST_LINE, self.longest_line),
                "limit_request_fields": GUNICORN_MAX_HEADERS}


@dataclass(frozen=True)
class Body:
    """Request bodies of up to `bytes` to the paths that `path` (a regular expression, anchored, under one of the
    service's routes) matches, where every other path takes MAX_BODY_BYTES (1 MiB): the gateway lets them
    through there (its nginx `client_max_body_size` for that location) and the service takes them there
    (shop_common.app)."""

    path: str
    bytes: int


@dataclass(frozen=True)
class Service:
    name: str
    kind: str
    about: str = ""
    port: int | None = None
    routes: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    database: bool = False
    signs_tokens: bool = False
    sends_mail: bool = False
    setup: tuple[tuple[str, ...], ...] = ()
    chart: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    throttle: Throttle | None = None
    limits: HeadLimits | None = None
    bodies: tuple[Body, ...] = ()
    #: paths outside /api/ (anchored regular expressions) the gateway sends to it unchanged: the sitemap
    pages: tuple[str, ...] = ()

    @property
    def local(self) -> str:
        """Its address in the local stack (`host:port`)."""
        return f"127.0.0.1:{self.port}"

    @property
    def local_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def package(self) -> str:
        """Its Python package (and `shop-<name>` its command line)."""
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class Manifest:
    path: Path
    services: dict[str, Service]

    def of_kind(self, kind: str) -> list[Service]:
        return [s for s in self.services.values() if s.kind == kind]

    def apis(self) -> list[Service]:
        return self.of_kind("api")

    def python(self) -> list[Service]:
        """The services that are Python packages of services/ (every kind but the gateway)."""
        return [s for s in self.services.values() if s.kind != "web"]

    @property
    def gateway(self) -> Service:
        return self.of_kind("web")[0]

    @property
    def head_limits(self) -> HeadLimits:
        """The gateway's limits on a request head (its `limits`, else the defaults)."""
        return self.gateway.limits or HeadLimits()

    def routed(self) -> list[Service]:
        """The services the gateway routes to (those with routes): what the gateway calls."""
        return [s for s in self.services.values() if s.routes]

    def service_of(self, path: str) -> str:
        """The service whose route is the longest prefix of `path` (KeyError when none is)."""
        matches = [(len(r), s.name) for s in self.services.values() for r in s.routes if path.startswith(r)]
        if not matches:
            raise KeyError(path)
        return max(matches)[1]


class ManifestError(ValueError):
    """services.toml says something impossible; the message names the file, the service and what is wrong."""


def _service(path: Path, name: str, spec: dict[str, Any]) -> Service:
    def wrong(what: str) -> ManifestError:
        return ManifestError(f"{path}: service {name}: {what}")

    if not _NAME.match(name):
        raise wrong("a name is lowercase letters, digits and dashes, starting with a letter")
    if unknown := sorted(set(spec) - KEYS):
        raise wrong(f"unknown keys {unknown}; known: {sorted(KEYS)}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise wrong(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    port = spec.get("port")
    if kind != "worker" and not (isinstance(port, int) and 0 < port < 65536):
        raise wrong("an api or the web gateway needs `port`, its port in the local stack")
    routes = tuple(spec.get("routes", ()))
    if routes and kind != "api":
        raise wrong("only an api has routes")
    for route in routes:
        if not _ROUTE.match(route) or route.startswith(("/api/docs/", "/api/internal/")):
            raise wrong(f"route {route!r} must look like /api/<name>/ (with the slashes) and not be under /api/docs/ "
                        "or /api/internal/")
    throttle = spec.get("throttle")
    if throttle is not None and kind != "web":
        raise wrong("only the gateway throttles")
    limits = spec.get("limits")
    if limits is not None:
        if kind != "web":
            raise wrong("only the gateway limits request heads")
        limits = HeadLimits(int(limits.get("buffer_bytes", 4096)), int(limits.get("buffers", 8)))
        if limits.longest_line >= GUNICORN_MAX_REQUEST_LINE or limits.most_headers >= GUNICORN_MAX_HEADERS:
            raise wrong(f"limits: a head of {limits.buffers} buffers of {limits.buffer_bytes} bytes is more than the "
                        f"services' gunicorn can take (a line of {GUNICORN_MAX_REQUEST_LINE} bytes, "
                        f"{GUNICORN_MAX_HEADERS} headers)")
    bodies = []
    for body in spec.get("bodies", ()):
        path, size = body.get("path", ""), body.get("bytes")
        if kind != "api" or not any(path.startswith(f"^{route}") for route in routes) or not path.endswith("$"):
            raise wrong(f"bodies: {path!r} must be an anchored expression (^...$) under one of its routes")
        try:
            re.compile(path)
        except re.error as error:
            raise wrong(f"bodies: {path!r} is not a regular expression: {error}") from None
        if not re.fullmatch(r"[\^$/a-z0-9\[\]+*-]+", path):
            raise wrong(f"bodies: {path!r} may hold only letters, digits, / - and ^ $ [ ] + *, as nginx reads it")
        if not isinstance(size, int) or size <= 0:
            raise wrong(f"bodies: the bytes of {path!r} must be a positive integer")
        bodies.append(Body(path, size))
    pages = tuple(spec.get("pages", ()))
    for page in pages:
        if kind != "api" or not (page.startswith("^/") and page.endswith("$")) or page.startswith("^/api/"):
            raise wrong(f"pages: {page!r} must be an anchored expression (^/...$) outside /api/, of an api")
        try:
            re.compile(page)
        except re.error as error:
            raise wrong(f"pages: {page!r} is not a regular expression: {error}") from None
        if not re.fullmatch(r"[\^$/a-z0-9\[\]+*?().\\-]+", page):
            raise wrong(f"pages: {page!r} may hold only letters, digits, / - . \\ and ^ $ [ ] ( ) + * ?, as nginx "
                        "reads it")
    return Service(
        name=name, kind=kind, about=spec.get("about", ""), port=port, routes=routes,
        calls=tuple(spec.get("calls", ())), database=bool(spec.get("database", False)),
        signs_tokens=bool(spec.get("signsTokens", False)), sends_mail=bool(spec.get("sendsMail", False)),
        setup=tuple(tuple(command) for command in spec.get("setup", ())), chart=dict(spec.get("chart", {})),
        throttle=Throttle(tuple(throttle.get("paths", ())), int(throttle.get("per_minute", 10)),
                          int(throttle.get("burst", 5))) if throttle is not None else None,
        limits=limits, bodies=tuple(bodies), pages=pages,
    )


def parse(path: Path) -> Manifest:
    """Read and check a manifest: known keys and kinds, one gateway, every route owned by one service, every
    call to a service that answers HTTP, no two services on one local port."""
    path = Path(path)
    data = tomllib.loads(path.read_text())
    services = {name: _service(path, name, spec) for name, spec in data.get("services", {}).items()}
    shop = Manifest(path, services)
    if len(shop.of_kind("web")) != 1:
        raise ManifestError(f"{path}: exactly one service must be of kind web (the gateway)")
    owners: dict[str, str] = {}
    ports: dict[int, str] = {}
    for service in services.values():
        for route in service.routes:
            if route in owners:
                raise ManifestError(f"{path}: route {route} belongs to both {owners[route]} and {service.name}")
            owners[route] = service.name
        if service.port is not None:
            if service.port in ports:
                raise ManifestError(f"{path}: port {service.port} is both {ports[service.port]}'s and {service.name}'s")
            ports[service.port] = service.name
        for callee in service.calls:
            if callee not in services or services[callee].kind != "api":
                raise ManifestError(f"{path}: service {service.name} calls {callee!r}, which is no api of the shop")
    for throttled in (shop.gateway.throttle or Throttle()).paths:
        try:
            shop.service_of(throttled)
        except KeyError:
            raise ManifestError(f"{path}: the gateway throttles {throttled}, which no service answers") from None
    return shop


@functools.cache
def _cached(path: Path) -> Manifest:
    return parse(path)


def load(path: Path | str | None = None) -> Manifest:
    """The manifest at `path`, else at `SHOP_MANIFEST`, else the tree's services.toml (read once)."""
    return _cached(Path(path or os.environ.get("SHOP_MANIFEST") or DEFAULT_PATH).resolve())
