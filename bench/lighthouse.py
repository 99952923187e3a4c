"""`make bench-lighthouse`: Lighthouse 12's four scores, mobile, on the storefront's pages, with LCP, TBT and CLS.

    uv run python bench/lighthouse.py [--runs 3] [--url URL] [--port 9222] [--no-readme]

The pages and the way they are audited are frontend/scripts/lighthouse.mjs's (the ones the browser tests'
e2e/lighthouse.spec.js asserts): the catalogue, a category of it, a product page and the 404 page, each in
Debian's Chromium (CHROMIUM_PATH), Lighthouse's mobile settings and simulated throttling (a mid-range phone on
a slow 4G network: the figures are the model's, from the trace of one load, so they move less than a stopwatch
would, but a busy CPU still slows the trace it models). Each page is audited `--runs` times, one after the other,
and the median of each figure is kept (the way Lighthouse's own docs advise reading a noisy score).

Without `--url` it builds the storefront (npm run build), starts the benchmark's production-like stack (the one
`make bench` starts: bench/run.py's files, databases, Redis database and ports, the gateway at
http://127.0.0.1:18500) with the demo catalogue, measures, and stops it; with `--url` it measures the shop
there (`make up`'s http://localhost:8000, say). Performance is only measured here, on a quiet machine: the
browser tests assert the other three categories and the CLS, which a busy machine does not change.

Writes bench/results/lighthouse.json (every run's figures too) and lighthouse.md, and the README's section
between the lighthouse-bench markers; each target missed says why from bench/notes.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FRONTEND = ROOT / "frontend"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402

RESULTS = BENCH / "results"
START, END = "<!-- lighthouse-bench:start -->", "<!-- lighthouse-bench:end -->"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LEAST = 0.95  # every category, every page (issue 19)
MOST_CLS = 0.05
#: Chromium's debugging port for the bench's own stack: its gateway's 18500 ... moved like the stack's ports
DEFAULT_PORT = 9222 + 10500


def audit(url: str, port: int, out: Path) -> list[dict]:
    """One Lighthouse run over every page (scripts/lighthouse.mjs): one summary per page."""
    done = subprocess.run(["node", "scripts/lighthouse.mjs", url, "--port", str(port), "--out", str(out)],
                          cwd=FRONTEND, capture_output=True, text=True, check=False, timeout=900)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/lighthouse.mjs failed (exit {done.returncode})")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def median_of(runs: list[list[dict]]) -> list[dict]:
    """Per page, the median of each score and metric over the runs."""
    pages = []
    for i, first in enumerate(runs[0]):
        same = [run[i] for run in runs]
        pages.append({
            "name": first["name"], "path": first["path"], "status": first["status"],
            "scores": {c: statistics.median(r["scores"][c] for r in same) for c in CATEGORIES},
            **{m: round(statistics.median(r[m] for r in same), 4 if m == "cls" else 0) for m in ("lcp", "tbt", "cls")},
            "failed": first["failed"],  # the first run's failed audits (the same pages, the same audits)
        })
    return pages


def versions() -> dict[str, str]:
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    said = subprocess.run([chromium, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    package = json.loads((FRONTEND / "node_modules" / "lighthouse" / "package.json").read_text())
    return {"chromium": said, "lighthouse": package["version"]}


def targets(pages: list[dict]) -> list[dict]:
    found = []
    for page in pages:
        for category in CATEGORIES:
            score = round(page["scores"][category] * 100)
            met = page["scores"][category] >= LEAST
            note = ""
            if not met and category in page["failed"]:
                note = f"failed: {', '.join(page['failed'][category])}"
            if category == "seo" and "http-status-code" in page["failed"]["seo"]:
                met, note = None, "answered 404 as it must: Lighthouse's http-status-code audit fails it"
            found.append({"id": f"lighthouse_{category.replace('-', '_')}", "page": page["name"],
                          "target": f"{page['name']}: {category} at least {round(LEAST * 100)}", "shown": str(score),
                          "met": met, "note": note})
        found.append({"id": "lighthouse_cls", "page": page["name"], "target": f"{page['name']}: CLS under {MOST_CLS}",
                      "shown": f"{page['cls']:g}", "met": page["cls"] < MOST_CLS, "note": ""})
    return found


def table(pages: list[dict]) -> list[str]:
    rows = ["| page | performance | accessibility | best practices | SEO | LCP ms | TBT ms | CLS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for p in pages:
        s = p["scores"]
        status = ", status 404" if "http-status-code" in p["failed"]["seo"] else ""
        rows.append(f"| {p['name']} (`{p['path']}`{status}) | "
                    + " | ".join(str(round(s[c] * 100)) for c in CATEGORIES)
                    + f" | {p['lcp']:g} | {p['tbt']:g} | {p['cls']:g} |")
    return rows


def targets_table(results: dict) -> list[str]:
    notes = report._notes()
    rows = ["| target | measured | |", "| --- | ---: | --- |"]
    told = set()  # a why is given once, at the first target it explains
    for t in results["targets"]:
        note = t["note"]
        if t["met"] is False and (why := notes.get(t["id"])):
            why = "why: as above" if t["id"] in told else why
            told.add(t["id"])
            note = f"{note}. {why}" if note else why
        mark = {True: "met", False: "**missed**", None: ""}[t["met"]]
        rows.append(f"| {t['target']} | {t['shown']} | {' '.join(x for x in (mark, note) if x)} |")
    return rows


def machine_line(m: dict) -> str:
    return (f"{m['cpu']}, {m['cores']} cores; {m['chromium']}, Lighthouse {m['lighthouse']}; {m['when']}; load "
            f"average {m['load_average_start']} at the start, {m.get('load_average_end', '?')} at the end")


def section(results: dict) -> str:
    return "\n".join(report._wrapped([
        "### The storefront in Lighthouse (`make bench-lighthouse`)", "",
        "`bench/lighthouse.py` runs Lighthouse 12 (npm `lighthouse`, its Node API, in Debian's Chromium) with "
        "its mobile settings on the pages `make test` audits (`frontend/scripts/lighthouse.mjs`), "
        f"{'once' if results['runs'] == 1 else str(results['runs']) + ' times'} each, and keeps the median of "
        "every figure. The browser tests assert "
        "accessibility, best practices and SEO (at least 95) and the layout shift (under 0.05); performance is "
        "measured only here. The 404 page answers status 404, which Lighthouse's SEO counts as a failed audit "
        "(`http-status-code`): its SEO is at most 92 by construction.", "",
        f"Shop: {results['url']}. Machine: {machine_line(results['machine'])}.", "",
        *table(results["pages"]), "", *targets_table(results),
    ]))


def markdown(results: dict) -> str:
    shop = f"Shop: {results['url']}. Machine: {machine_line(results['machine'])}."
    return "\n".join(["## Lighthouse, mobile", "", shop, "", *table(results["pages"]), "", "Every run:", "",
                      *[f"- run {i + 1}: " + "; ".join(
                          f"{p['name']} " + "/".join(str(round(p['scores'][c] * 100)) for c in CATEGORIES)
                          + f", LCP {p['lcp']:.0f} ms, TBT {p['tbt']:.0f} ms, CLS {p['cls']:.3f}" for p in run)
                        for i, run in enumerate(results["every_run"])],
                      "", "Targets:", "", *targets_table(results), ""])


def write(results: dict, readme: bool) -> list[Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    paths = [RESULTS / "lighthouse.json", RESULTS / "lighthouse.md"]
    paths[0].write_text(json.dumps(results, indent=2) + "\n")
    paths[1].write_text(markdown(results))
    if readme:
        text = report.README.read_text()
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
        if pattern.search(text):
            report.README.write_text(pattern.sub(lambda _: f"{START}\n{section(results)}\n{END}", text, count=1))
            paths.append(report.README)
        else:
            print(f"README.md has no {START} ... {END} section; left alone", file=sys.stderr)
    return paths


def measure(url: str, port: int, runs: int) -> dict:
    machine = {"cpu": report._first("/proc/cpuinfo", "model name"), "cores": os.cpu_count(), **versions(),
               "when": time.strftime("%Y-%m-%d %H:%M %Z"), "load_average_start": report.load_average()}
    every = []
    for i in range(runs):
        print(f"Lighthouse run {i + 1} of {runs} on {url} ...", flush=True)
        every.append(audit(url, port, BENCH / "var" / "lighthouse" / f"run-{i + 1}"))
    machine["load_average_end"] = report.load_average()
    pages = median_of(every)
    return {"url": url, "runs": runs, "machine": machine, "pages": pages, "targets": targets(pages),
            "every_run": [[{k: v for k, v in p.items() if k != "failed"} for p in run] for run in every]}


def own_stack(port: int, runs: int) -> dict:
    """The benchmark's stack (bench/run.py's), with the demo catalogue and the storefront built now."""
    import run as bench_run

    from shop_common import localservers

    subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True)
    bench_run.prepare_environment()
    bench_run.VAR.mkdir(parents=True, exist_ok=True)
    postgres = localservers.postgres("SHOP_POSTGRES_URL", bench_run.VAR / "postgres")
    redis_server = localservers.redis("SHOP_REDIS_URL", bench_run.VAR / "redis")
    os.environ["SHOP_POSTGRES_URL"] = postgres.url
    stack = bench_run.load_stack_module()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack.down()
    bench_run.drop_databases(postgres.url)
    redis_url = bench_run.claim_redis(redis_server.url)
    os.environ["SHOP_REDIS_URL"] = redis_url
    try:
        failed = stack.up(timeout=300)
        if failed:
            raise RuntimeError(failed)
        return measure(f"http://127.0.0.1:{stack.GATEWAY_PORT}", port, runs)
    finally:
        stack.down()
        bench_run.drop_databases(postgres.url)
        bench_run.free_redis(redis_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="audits of each page; the median is kept (default 3)")
    parser.add_argument("--url", help="a running shop to measure (default: start the benchmark's own stack)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"Chromium's debugging port ({DEFAULT_PORT})")
    parser.add_argument("--no-readme", dest="readme", action="store_false", help="leave README.md alone")
    args = parser.parse_args()
    results = measure(args.url.rstrip("/"), args.port, args.runs) if args.url else own_stack(args.port, args.runs)
    print("\n".join(table(results["pages"])))
    written = write(results, args.readme)
    print(f"\nwritten: {', '.join(str(p.relative_to(ROOT)) for p in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
