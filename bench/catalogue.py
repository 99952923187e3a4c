"""How fast the catalogue answers as it grows: list page 1, a deep page, filtered pages, a search, a
product detail and the categories, with the cache and without it (Postgres alone).

    uv run python bench/catalogue.py --products 1000000

Loads a synthetic catalogue of that size into its own database (`shop_bench_products_<N>`, kept for the
next run), starts the products service under gunicorn, and sends each request `--requests` times from
`--clients` threads over keep-alive connections. Writes `bench/results/catalogue-<N>.json` and `.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests

from shop_common import localservers

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("BENCH_PORT", "18001"))  # another with BENCH_PORT, beside a service on this one


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return {**os.environ, "SHOP_ENV": "development", "SHOP_VAR_DIR": str(ROOT / "var"),
            "SHOP_DATABASE_URL": database_url, "SHOP_REDIS_URL": redis_url, "SHOP_PORT": str(PORT),
            "SHOP_LOG_LEVEL": "ERROR", "SHOP_WORKERS": "2", "SHOP_THREADS": "4", "SHOP_HOST": "127.0.0.1"}


def _products_in(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM products").fetchone()[0]
    except psycopg.Error:
        return 0


def prepare(n: int) -> tuple[str, str]:
    postgres = localservers.postgres("SHOP_POSTGRES_URL", ROOT / "var" / "postgres")
    redis = localservers.redis("SHOP_REDIS_URL", ROOT / "var" / "redis")
    url = localservers.ensure_database(postgres.url, f"shop_bench_products_{n}")
    env = _env(url, redis.url)
    subprocess.run(["shop-products", "db", "upgrade"], env=env, check=True, capture_output=True)
    have = _products_in(url)
    if have < n:
        print(f"loading {n - have:,} synthetic products ...", flush=True)
        started = time.monotonic()
        subprocess.run(["shop-products", "load-synthetic", str(n - have)], env=env, check=True)
        print(f"loaded in {time.monotonic() - started:.0f} s", flush=True)
    return url, redis.url


def _serve(env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(["gunicorn", "-c", "python:shop_common.gunicorn_conf", "products:create_app()"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the products service did not start")


def _measure(paths: list[str], requests_total: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = requests_total // clients

    def run(seed: int) -> None:
        nonlocal errors
        session = requests.Session()
        rng = random.Random(seed)
        mine, bad = [], 0
        for _ in range(per_client):
            started = time.perf_counter()
            response = session.get(f"http://127.0.0.1:{PORT}{rng.choice(paths)}", timeout=30)
            mine.append(time.perf_counter() - started)
            bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2), "errors": errors}


def scenarios(url: str, n: int) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        category = conn.execute("SELECT slug FROM categories ORDER BY id LIMIT 1").fetchone()[0]
        slugs = [r[0] for r in conn.execute("SELECT slug FROM products TABLESAMPLE SYSTEM (1) LIMIT 200")]
    deep = max(1, n // 20 // 2)
    return {
        "page 1": ["/api/products/"],
        f"deep page ({deep:,})": [f"/api/products/?page={deep}"],
        "any of 200 deep pages": [f"/api/products/?page={p}" for p in random.Random(7).sample(
            range(deep // 2, deep * 3 // 2), min(200, deep))],
        "filtered page 1": [f"/api/products/?category={category}&in_stock=true&min_price=10&max_price=200"],
        "filtered deep page": [f"/api/products/?category={category}&in_stock=true&page={max(1, deep // 40)}"],
        "sorted by price, page 2": ["/api/products/?ordering=price&page=2"],
        "search": ["/api/products/?search=linen", "/api/products/?search=wool%20coat", "/api/products/?search=cash"],
        "product detail": [f"/api/products/{s}/" for s in slugs] or ["/api/products/"],
        "categories": ["/api/categories/"],
        # the facets of the catalogue and a category: from the count tables the triggers keep
        "facets (catalogue, category)": ["/api/products/facets/", f"/api/products/facets/?category={category}"],
        # any other filter: counted over the matching products
        "facets (size and price)": [f"/api/products/facets/?category={category}&size=M&max_price=200",
                                    "/api/products/facets/?size=M,L&color=Navy"],
        "facets (search)": ["/api/products/facets/?search=linen", "/api/products/facets/?search=wool%20coat"],
        # nothing matches exactly: pg_trgm's word similarity over the names, and a "did you mean"
        "typo search": ["/api/products/?search=lnen%20shrt", "/api/products/?search=wol%20coat",
                        "/api/products/?search=cashmre%20swetr"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--only", default="", help="comma list: only the scenarios whose names start so")
    parser.add_argument("--tag", default="", help="results in catalogue-<N>-<tag>.json and .md (with --only)")
    args = parser.parse_args()
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    url, redis_url = prepare(args.products)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for mode, redis in (("cached", redis_url), ("postgres only", "redis://127.0.0.1:1/0")):
        server = _serve(_env(url, redis))
        try:
            for name, paths in scenarios(url, args.products).items():
                if wanted and not any(name.startswith(w) for w in wanted):
                    continue
                _measure(paths, args.clients * 5, args.clients)  # warm up (and fill the cache)
                results.setdefault(name, {})[mode] = _measure(paths, args.requests, args.clients)
                print(f"{mode:>13} | {name:<28} {results[name][mode]}", flush=True)
        finally:
            server.terminate()
            server.wait(30)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = {"products": args.products, "clients": args.clients, "requests": args.requests, "machine": machine,
              "when": time.strftime("%Y-%m-%d %H:%M"), "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"catalogue-{args.products}{'-' + args.tag if args.tag else ''}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"Catalogue of {args.products:,} products; {args.clients} clients, {args.requests} requests each; "
             f"{machine}; {report['when']}.", "",
             "| request | cached: req/s | p50 ms | p99 ms | Postgres only: req/s | p50 ms | p99 ms | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, modes in results.items():
        c, p = modes["cached"], modes["postgres only"]
        lines.append(f"| {name} | {c['requests_per_s']} | {c['p50_ms']} | {c['p99_ms']} | {p['requests_per_s']} | "
                     f"{p['p50_ms']} | {p['p99_ms']} | {c['errors'] + p['errors']} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
