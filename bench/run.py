"""`make bench`: how fast the shop answers through its gateway, next to the ceiling of its own stack.

    uv run python bench/run.py [--products 10000] [--seconds 10] [--warmup 2] [--connections 32]

1. starts the production-like local stack (dev/stack.py `up`: gunicorn, nginx, the mailer, the SMTP sink) with
   files of its own (bench/var/), databases of its own (`shop_bench_stack_*`), a Redis database of its own and
   ports moved by 10500 (gateway at http://127.0.0.1:18500), beside any stack a developer runs;
2. loads the synthetic catalogue up to `--products` (`shop-products load-synthetic N --up-to`, COPY);
3. measures, with wrk through the gateway, each scenario of bench/scenarios.py: `--warmup` seconds, then
   `--seconds` at `--connections` keep-alive connections;
4. measures the ceiling: a bare Flask JSON endpoint (bench/ceiling.py) under gunicorn with the same settings,
   behind the gateway's own nginx config rendered with every upstream pointing at it;
5. records the memory of every process of the stack, idle and under load (bench/procmem.py);
6. stops the stack, drops its databases (unless `--keep`) and frees its Redis database, whatever happened;
7. writes bench/results/bench-<N>.json and .md and the README's benchmark section (bench/report.py).

The storefront is not built (it is not measured): the gateway serves whatever frontend/dist holds.
SHOP_WORKERS and SHOP_THREADS (gunicorn, default 1 and 8, as `make up`) apply to the stack and the ceiling alike.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis as redis_lib
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import procmem  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
import wrkrun  # noqa: E402

from shop_common import localservers  # noqa: E402

VAR = BENCH / "var"
PREFIX = "shop_bench_stack_"  # not shop_bench_: bench/catalogue.py keeps shop_bench_products_<N>
#: the stack's ports plus this: gateway 18500, services 18501-18504, SMTP sink 11525, the ceiling 18520 and 18521;
#: clear of the other stacks of this repository (the cross-service tests' 19000 and up, the storefront's browser
#: tests' 20000, the load generator's smoke test's 17000) and of the ports the tests take (20000-29999)
OFFSET = 10500
CEILING_PORT, CEILING_GATEWAY_PORT = 8020 + OFFSET, 8021 + OFFSET
#: the test plugin's claim on a Redis database: test runs and benchmarks stay out of each other's
CLAIM_KEY = "shop:test:claimed"
#: settings a developer's shell may pass on to the benchmark's stack; every other SHOP_ one is dropped
PASSED_ON = ("SHOP_WORKERS", "SHOP_THREADS", "SHOP_POSTGRES_URL", "SHOP_REDIS_URL", "SHOP_LOG_LEVEL")


def _redis_db(url: str, index: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join([q for q in parts.query.split("&") if q and not q.startswith("db=")] + [f"db={index}"])
        return f"unix://{parts.path}?{query}"
    return urlunsplit(parts._replace(path=f"/{index}"))


def claim_redis(base: str) -> str:
    """A Redis database (1..15) nobody claimed; it is flushed (and so freed) at the end."""
    for index in range(1, 16):
        url = _redis_db(base, index)
        client = redis_lib.Redis.from_url(url)
        try:
            if client.set(CLAIM_KEY, f"bench-{os.getpid()}", nx=True, ex=6 * 3600):
                return url
        finally:
            client.close()
    raise RuntimeError("every Redis database 1..15 is claimed (by test runs?)")


def free_redis(url: str) -> None:
    client = redis_lib.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def drop_databases(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                                            (len(PREFIX), PREFIX))]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_stack_module() -> ModuleType:
    """dev/stack.py as a module, reading the SHOP_STACK_* settings set before; `up` builds no storefront."""
    spec = importlib.util.spec_from_file_location("shop_dev_stack", ROOT / "dev" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_spa = lambda: None
    return module


def prepare_environment() -> None:
    for name in [n for n in os.environ if n.startswith("SHOP_") and n not in PASSED_ON]:
        del os.environ[name]
    os.environ.update({"SHOP_STACK_VAR": str(VAR), "SHOP_STACK_DATABASE_PREFIX": PREFIX,
                       "SHOP_STACK_PORT_OFFSET": str(OFFSET)})
    # the stack's commands (shop-products & co.) from this interpreter's environment
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@contextlib.contextmanager
def ceiling(stack: ModuleType, settings: dict[str, str]):
    """The bare Flask app under gunicorn (the stack's settings) behind the gateway's config; yields its URL."""
    env = {**os.environ, **settings, "SHOP_HOST": "127.0.0.1", "SHOP_PORT": str(CEILING_PORT)}
    log = (VAR / "log" / "ceiling.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:shop_common.gunicorn_conf",
                               "--chdir", str(BENCH), "ceiling:create_app()"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    gateway = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{CEILING_PORT}/", timeout=1).ok:
                    break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the ceiling app did not start; see {log.name}") from None
                time.sleep(0.2)
        upstreams = {name: f"127.0.0.1:{CEILING_PORT}" for name in stack.SERVICES}
        gateway = stack.nginx.render(VAR / "ceiling-gateway", port=CEILING_GATEWAY_PORT, upstreams=upstreams,
                                     spa_dir=ROOT / "frontend" / "dist", access_log="off").start()
        yield gateway.url
    finally:
        if gateway is not None:
            gateway.stop()
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        log.close()


def load_catalogue(stack: ModuleType, postgres, redis_url: str, products: int) -> dict:
    env = stack.service_env("products", postgres, localservers.Server(redis_url, "bench"))
    print(f"loading the synthetic catalogue up to {products:,} products ...", flush=True)
    started = time.monotonic()
    done = subprocess.run(["shop-products", "load-synthetic", str(products), "--up-to"], env=env, check=True,
                          capture_output=True, text=True)
    seconds = time.monotonic() - started
    said = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"  {said} ({seconds:.0f} s in all)", flush=True)
    return {"seconds": round(seconds, 1), "loader": said}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (default 10000)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--shoppers", type=int, default=3000, help="minted shoppers for the cart (default 3000)")
    parser.add_argument("--keep", action="store_true", help="keep the databases for the next run")
    parser.add_argument("--no-readme", dest="readme", action="store_false", help="leave README.md alone")
    args = parser.parse_args()

    wrk = wrkrun.find_wrk()
    prepare_environment()
    VAR.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(VAR / "mail", ignore_errors=True)
    postgres = localservers.postgres("SHOP_POSTGRES_URL", VAR / "postgres")
    redis_server = localservers.redis("SHOP_REDIS_URL", VAR / "redis")
    os.environ["SHOP_POSTGRES_URL"] = postgres.url
    stack = load_stack_module()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the `finally` below stops everything
    stack.down()  # a previous run's stack, if it was killed before it could stop it
    if not args.keep:
        drop_databases(postgres.url)
    redis_url = claim_redis(redis_server.url)
    os.environ["SHOP_REDIS_URL"] = redis_url
    try:
        results: dict = {"products": args.products, "machine": report.machine(postgres.url, redis_url, wrk),
                         "servers": {"postgres": postgres.kind, "redis": redis_server.kind}}
        started = time.monotonic()
        failed = stack.up(timeout=300)
        if failed:
            raise RuntimeError(failed)
        results["startup_seconds"] = round(time.monotonic() - started, 1)
        results["load"] = load_catalogue(stack, postgres, redis_url, args.products)
        settings = {k: v for k, v in stack.service_env("products", postgres, localservers.Server(redis_url, ""))
                    .items() if k in ("SHOP_WORKERS", "SHOP_THREADS", "SHOP_LOG_LEVEL", "SHOP_LOG_FORMAT")}
        results["settings"] = {**settings, "connections": args.connections, "wrk_threads": args.threads,
                               "seconds": args.seconds, "warmup": args.warmup}
        bench = scenarios.Bench(url=f"http://127.0.0.1:{stack.GATEWAY_PORT}", var=VAR, admin_url=postgres.url,
                                prefix=PREFIX, args=args)
        supervisor = int((VAR / "stack.pid").read_text())
        servers = procmem.ServerProcesses(postgres.url, redis_url, PREFIX)
        time.sleep(3)  # the loader's VACUUM is over; let the stack settle
        results["memory"] = {"idle": procmem.as_mib(procmem.parts(supervisor, servers.parts()))}
        with procmem.Sampler(supervisor, servers.parts) as under_load, ceiling(stack, settings) as ceiling_url:
            results["ceiling"] = bench.measure_ceiling(ceiling_url)
            results["scenarios"] = bench.run_all()
            results["ceiling_end"] = bench.measure_ceiling(ceiling_url)
        results["memory"]["load"] = procmem.as_mib(under_load.peak)
        results["memory"]["after"] = procmem.as_mib(procmem.parts(supervisor, servers.parts()))
        results["checkout"] = bench.verify_checkout()
    finally:
        stopped = stack.down()
        if not args.keep:
            drop_databases(postgres.url)
        free_redis(redis_url)
    if stopped:
        print(f"warning: {stopped}", file=sys.stderr)
    results["machine"]["load_average_end"] = report.load_average()
    written = report.write(results, readme=args.readme)
    print(f"\nwritten: {', '.join(str(p.relative_to(ROOT)) for p in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
