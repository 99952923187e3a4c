"""Service-to-service endpoints under `/internal/`: never routed by the gateway, and guarded by a shared
service credential (`SHOP_SERVICE_TOKEN`) that callers send as `X-Service-Token`."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any

from shop_common.config import Setting

HEADER = "X-Service-Token"
SECURITY = [{"serviceToken": []}]

#: include in the settings of a service that serves or calls /internal/ endpoints
SERVICE_TOKEN = Setting(
    "SERVICE_TOKEN", "shared secret services present to each other's /internal/ endpoints", required=True,
    secret=True, dev_default=lambda s: _dev_token(s))


def _dev_token(settings: Mapping[str, Any]) -> str:
    from shop_common.keys import dev_secret

    return dev_secret(Path(settings["VAR_DIR"]) / "secrets", "service-token")


def service_headers(settings: Mapping[str, Any]) -> dict[str, str]:
    """The headers a caller sends to another service's /internal/ endpoints."""
    return {HEADER: settings["SERVICE_TOKEN"]}


def service_only(blp) -> Callable:
    """Decorator for an /internal/ view: 401 `invalid_service_token` unless the caller sends the credential."""
    # imported here, not above: the mailer's settings import SERVICE_TOKEN, and its liveness probe must not load Flask
    from flask import current_app, request

    from shop_common.errors import Problem

    def decorator(view: Callable) -> Callable:
        view = blp.doc(security=SECURITY)(view)
        view = blp.alt_response(401, response="UNAUTHORIZED", description="invalid_service_token")(view)

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            sent = request.headers.get(HEADER, "")
            expected = current_app.config["SHOP"]["SERVICE_TOKEN"]
            if not hmac.compare_digest(sent.encode(), expected.encode()):
                raise Problem(401, "invalid_service_token", f"Send the service credential as {HEADER}.")
            return view(*args, **kwargs)

        return wrapper

    return decorator
