"""`service_app()`: everything a Shop service is besides its own resources, in one call."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_cors import CORS
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from shop_common import manifest
from shop_common.api import init_api
from shop_common.auth import init_auth
from shop_common.config import COMMON, Setting, load_settings
from shop_common.db import init_db, sqlalchemy_url
from shop_common.errors import Problem, init_errors
from shop_common.housekeeping import init_housekeeping
from shop_common.logs import setup_logging
from shop_common.observability import (
    database_check,
    health_blueprint,
    init_request_tracking,
    redis_check,
)
from shop_common.redis import get_redis, init_redis
from shop_common.schemas import BAD_TEXT, INT64_MAX


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive integer that fits a BIGINT; anything else is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=INT64_MAX)


def _refuse_nul() -> None:
    # Postgres cannot store NUL; no path or query value of ours may hold one.
    if "\x00" in request.path:
        raise Problem(404, "not_found", "No such resource.")
    bad = {name: [BAD_TEXT] for name, value in request.args.items(multi=True)
           if "\x00" in name or "\x00" in value}
    if bad:
        raise Problem(422, "validation_error", "The query has invalid parameters; see errors.",
                      errors={"query": bad})


#: app.extensions key: [(a compiled path expression, the largest body it takes)], the service's `bodies` in the
#: shop's manifest: the paths that take more than MAX_BODY_BYTES (an upload), as the gateway does
BODY_LIMITS = "shop_body_limits"


def _body_limits(name: str) -> list[tuple[re.Pattern[str], int]]:
    service = manifest.load().services.get(name)
    return [(re.compile(body.path), body.bytes) for body in (service.bodies if service else ())]


def _limit_unsized_body() -> None:
    larger = next((size for path, size in current_app.extensions[BODY_LIMITS] if path.match(request.path)), None)
    # the larger limit is for a request that carries a token (its view still checks it): an anonymous one is
    # refused at the common limit, before megabytes of its chunked body are read
    if larger is not None and "Authorization" in request.headers:
        request.max_content_length = larger
    # MAX_CONTENT_LENGTH catches a body whose Content-Length is too large; a chunked body has none, and
    # would otherwise be cut short silently. Read at most one byte more than the limit to know.
    if request.content_length is not None or "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    limit = request.max_content_length
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise Problem(413, "payload_too_large", f"The body is over {limit} bytes.")
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)


class PublicOrigin:
    """WSGI middleware: every request is seen as made to the shop's public URL (`SHOP_URL`), whatever `Host`,
    `X-Forwarded-Host` or `X-Forwarded-Proto` it came with, so that no link the service builds (a page's
    `next`, a redirect's `Location`, `url_for(_external=True)`) names a host a client chose, and no cached
    answer carries one to the next client."""

    def __init__(self, app, url: str):
        parts = urlsplit(url)
        self.app, self.scheme, self.host = app, parts.scheme, parts.netloc

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        return self.app(environ, start_response)


def service_app(
    name: str,
    *,
    settings: Iterable[Setting] = (),
    overrides: Mapping[str, Any] | None = None,
    db: SQLAlchemy,
    migrations: Path,
    blueprints: Iterable = (),
    description: str = "",
    checks: Mapping[str, Callable[[], None]] | None = None,
) -> Flask:
    """Build a service's Flask app around the kit.

    Reads the kit's and the service's settings (`overrides` win over the environment; a missing required
    setting stops start-up naming it), then wires JSON logs, request ids, problem+json errors, the
    database and its migrations, Redis, JWT verification, CORS, health and metrics endpoints, OpenAPI with
    Swagger UI, and finally the service's `blueprints`. `checks` are readiness checks of the service's own,
    beside its database and Redis (each raises when not ready).
    """
    app = Flask(name)
    app.config["SHOP"] = s = load_settings(name, [*COMMON, *settings], overrides=overrides)
    setup_logging(name, s["LOG_LEVEL"], s["LOG_FORMAT"])
    app.config["MAX_CONTENT_LENGTH"] = s["MAX_BODY_BYTES"]
    app.extensions[BODY_LIMITS] = _body_limits(name)
    app.json.sort_keys = False
    app.url_map.converters["id"] = IdConverter
    if s["TRUSTED_PROXIES"] > 0:  # the client's address, from the proxies' X-Forwarded-For; host and scheme below
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=s["TRUSTED_PROXIES"], x_proto=0, x_host=0, x_prefix=0)
    app.wsgi_app = PublicOrigin(app.wsgi_app, s["SHOP_URL"])

    init_request_tracking(app)
    app.before_request(_refuse_nul)
    app.before_request(_limit_unsized_body)
    init_errors(app)
    init_db(app, db, migrations)
    init_redis(app)
    # cache keys live in the namespace of the service's own database: two stacks sharing a Redis never mix
    app.extensions["shop_cache_namespace"] = f"shop:{name}:{make_url(sqlalchemy_url(s['DATABASE_URL'])).database}:"
    init_auth(app, private_key=s.get("JWT_PRIVATE_KEY"))
    init_housekeeping(app, enabled=s["BACKGROUND"])
    if s["CORS_ORIGINS"]:
        CORS(app, origins=list(s["CORS_ORIGINS"]), expose_headers=["X-Request-ID", "Retry-After", "ETag"],
             max_age=600)

    api = app.extensions["shop_api"] = init_api(app, title=f"Shop {name}", description=description)
    api.register_converter(IdConverter, lambda _: {"type": "integer", "format": "int64", "minimum": 1})
    api.register_blueprint(health_blueprint({"database": database_check(db), "redis": redis_check(get_redis),
                                             **(checks or {})}))
    for blp in blueprints:
        api.register_blueprint(blp)
    return app
