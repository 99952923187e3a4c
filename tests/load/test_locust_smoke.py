"""The load generator runs: `bench/locustfile.py`, headless, against a whole shop started as `make up` starts it,
sends its mix (browse, view, add to cart, view the cart, check out) and every answer is one it expects.

The stack is the cross-service tests' own (`running_stack` of tests/e2e/conftest.py), with a Redis database and
Postgres databases of its own, stopped and dropped at the end, on ports moved by 9000 (gateway at 17000, SMTP
sink at 10025): 13000 would put it on 21000-21004, which the services' own test servers (`ServiceServer`,
21000 and up) hold for the whole of a `make test` session.
Both ways the shoppers can be who they are are run: tokens minted with the stack's key (what `make load` does
on a developer's machine) and accounts registered and logged in through the gateway (the chart's load
generator, which has no key).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from shop_common.testing import load_module

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
PORT_OFFSET = 9000


def _e2e():
    """tests/e2e/conftest.py, for the stack it knows how to start and stop."""
    return load_module(ROOT / "tests" / "e2e" / "conftest.py", "shop_e2e_conftest")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator:
    e2e = _e2e()
    redis_url = e2e.claim_redis_db()
    try:
        with e2e.running_stack(tmp_path_factory.mktemp("load-stack"), PORT_OFFSET, redis_url) as running:
            yield running
    finally:
        client = redis_lib.Redis.from_url(redis_url)
        client.flushdb()
        client.close()


def run_locust(stack, tmp_path: Path, users: int, seconds: int, **env: str) -> tuple[dict[str, str], str]:
    """Run the load generator against `stack`; the aggregated row of its statistics, and what it said."""
    prefix = tmp_path / "load"
    command = [str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", stack.url,
               "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING"]
    done = subprocess.run(command, env={**os.environ, "SHOP_LOAD_WAIT": "0.05,0.3", **env}, capture_output=True,
                          text=True, timeout=seconds + 60, cwd=ROOT, check=False)
    said = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    rows = list(csv.DictReader((tmp_path / "load_stats.csv").open()))
    failures = (tmp_path / "load_failures.csv").read_text() if (tmp_path / "load_failures.csv").exists() else ""
    (aggregated,) = [row for row in rows if row["Name"] == "Aggregated"]
    return aggregated, f"{said}\n{failures}"


def test_minted_shoppers_run_the_whole_mix_without_a_failure(stack, tmp_path):
    total, said = run_locust(stack, tmp_path, users=5, seconds=12, SHOP_LOAD_KEYS=str(stack.var / "keys"))

    assert int(total["Request Count"]) >= 50, said
    assert int(total["Failure Count"]) == 0, said
    rows = {row["Name"] for row in csv.DictReader((tmp_path / "load_stats.csv").open())}
    assert {"/api/products/[slug]/", "/api/cart/add/", "/api/cart/", "/api/order/create/"} <= rows, rows


def test_shoppers_who_register_and_log_in_run_without_a_failure(stack, tmp_path):
    # five logins from one address: within the gateway's burst, so nobody waits for the throttle
    total, said = run_locust(stack, tmp_path, users=5, seconds=12)

    assert int(total["Request Count"]) >= 50, said
    assert int(total["Failure Count"]) == 0, said
    rows = {row["Name"] for row in csv.DictReader((tmp_path / "load_stats.csv").open())}
    assert {"/api/auth/register/", "/api/auth/login/", "/api/cart/add/"} <= rows, rows
