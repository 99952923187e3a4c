"""`shop-serve`: what an image of the shop runs (services/Dockerfile's entrypoint).

The service is named by `SHOP_SERVICE` (the image sets it from its build argument). An API, a package with a
`create_app()`, becomes gunicorn with the kit's settings (`shop_common.gunicorn_conf`); a worker becomes its
command line's `worker` command (`shop-mailer worker`). Either way the process is replaced (exec), so the
container's stop signal reaches the server itself.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys


def command(service: str) -> list[str]:
    """The command line that serves `service`."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", service):
        raise SystemExit(f"shop-serve: SHOP_SERVICE must name a service (users, products, ...), got {service!r}")
    try:
        package = importlib.import_module(service)
    except ModuleNotFoundError:
        raise SystemExit(f"shop-serve: SHOP_SERVICE={service}, but no such service is installed here") from None
    if hasattr(package, "create_app"):
        return ["gunicorn", "-c", "python:shop_common.gunicorn_conf", f"{service}:create_app()"]
    return [f"shop-{service}", "worker"]


def main() -> None:
    """`shop-serve`: serve SHOP_SERVICE; `shop-serve COMMAND [ARG ...]` runs that command instead (so
    `docker run shop-users shop-users db upgrade` does what it says, as with any image)."""
    service = os.environ.get("SHOP_SERVICE", "")
    if len(sys.argv) > 1:
        argv = sys.argv[1:]
    elif not service:
        raise SystemExit("shop-serve: SHOP_SERVICE is required (the service to run, e.g. users)")
    else:
        argv = command(service)
    binary = shutil.which(argv[0]) or sys.exit(f"shop-serve: {argv[0]} is not installed")
    os.execv(binary, argv)  # noqa: S606 (our own command line)
