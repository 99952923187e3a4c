"""Request ids, access logs, Prometheus metrics and the health endpoints every service has.

Metrics stay correct under several gunicorn workers: `shop_common.gunicorn_conf` points
`PROMETHEUS_MULTIPROC_DIR` at a fresh folder before any worker imports prometheus_client, each worker
writes its samples there, and `/metrics` aggregates them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable

import marshmallow as ma
from flask import Flask, Response, current_app, g, request
from flask_smorest import Blueprint as ApiBlueprint
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

from shop_common.errors import RETRY_AFTER_SECONDS, problem
from shop_common.logs import request_id_var
from shop_common.schemas import Schema

access_log = logging.getLogger("shop.access")

REQUEST_ID_HEADER = "X-Request-ID"
# what we accept from a client: short, printable, no spaces (it goes into logs and headers)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
#: endpoints probed every few seconds: counted, but not logged
_QUIET = {"/healthz", "/readyz", "/metrics"}


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
    g.request_token = request_id_var.set(g.request_id)
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    if 300 <= response.status_code < 400 and response.mimetype == "text/html":
        # werkzeug's redirects (a missing trailing slash) carry a little HTML page; no answer of ours is HTML
        response.set_data(b"")
        response.headers.pop("Content-Type")
    started = g.get("started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    service = current_app.name
    REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
    LATENCY.labels(service, request.method, route).observe(elapsed)
    if request.path not in _QUIET:
        access_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"method": request.method, "path": request.path, "status": response.status_code,
                   "duration_ms": round(elapsed * 1000, 2), "remote_addr": request.remote_addr},
        )
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id_var.reset(token)


def init_request_tracking(app: Flask) -> None:
    """Take or make `X-Request-ID`, return it, log each request and count it in the metrics."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def metrics_view() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class HealthSchema(Schema):
    status = ma.fields.String(metadata={"example": "ready"})
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"example": {"database": "ok", "redis": "ok"}})


def health_blueprint(checks: dict[str, Callable[[], None]]) -> ApiBlueprint:
    """`/healthz` (the process answers; no I/O), `/readyz` (every check passes), `/metrics`.

    A check raises when its dependency is unreachable; `/readyz` answers 503 problem+json naming them.
    """
    bp = ApiBlueprint("health", __name__, description="Liveness, readiness and Prometheus metrics.")

    @bp.route("/healthz", methods=["GET"])
    @bp.response(200, HealthSchema)
    def healthz():
        """Alive: the process answers. Touches nothing else."""
        return {"status": "ok"}

    @bp.route("/readyz", methods=["GET"])
    @bp.response(200, HealthSchema)
    @bp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def readyz():
        """Ready: this service's own database and Redis answer."""
        results = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # any failure means not ready; say which
                results[name] = f"unavailable: {type(exc).__name__}"
        failing = sorted(name for name, state in results.items() if state != "ok")
        if failing:
            return problem(503, "not_ready", f"Not ready: {', '.join(failing)} unreachable.",
                           headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, checks=results)
        return {"status": "ready", "checks": results}

    @bp.route("/metrics", methods=["GET"])
    @bp.doc(responses={200: {"description": "Prometheus text exposition",
                             "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
    def metrics():
        """Prometheus metrics of every worker process of this service."""
        return metrics_view()

    return bp


def database_check(db) -> Callable[[], None]:
    def check() -> None:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return check


def redis_check(get_redis: Callable) -> Callable[[], None]:
    def check() -> None:
        get_redis().ping()

    return check
