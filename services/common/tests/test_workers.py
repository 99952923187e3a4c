"""The users service under gunicorn with several workers: metrics count every worker's requests, and
SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shop_common.testing import servers

GUNICORN = ["gunicorn", "-c", "python:shop_common.gunicorn_conf", "users:create_app()"]
GRACEFUL_TIMEOUT = 5
REQUESTS = 60


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh, empty database on the test Postgres server, dropped afterwards."""
    admin = servers().postgres.url
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(admin)._replace(path="/" + name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def users_service(database_url, redis_url, start, uv_run, clean_env, free_port, wait_until, tmp_path):
    """The users service under gunicorn with 3 workers, migrated and ready to answer: (process, base URL).

    Ready means its background work has restored the token revocations (none) to Redis, which reads them
    from its database."""
    port = free_port()
    env = {**clean_env, "SHOP_ENV": "development", "SHOP_VAR_DIR": str(tmp_path / "var"),
           "SHOP_DATABASE_URL": database_url, "SHOP_REDIS_URL": redis_url, "SHOP_HOST": "127.0.0.1",
           "SHOP_PORT": str(port), "SHOP_WORKERS": "3", "SHOP_THREADS": "2",
           "SHOP_GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT), "SHOP_LOG_LEVEL": "WARNING"}
    migrated = start([*uv_run, "shop-users", "migrate"], env, name="migrate")
    assert migrated.proc.wait(120) == 0, migrated.stderr()
    process = start([*uv_run, *GUNICORN], env, name="gunicorn")
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.proc.returncode}:\n{process.stderr()}")
        try:
            # not /healthz: every request to it is counted below
            return requests.get(f"{url}/readyz", timeout=1).status_code == 200
        except requests.RequestException:  # not listening yet, or no worker up yet
            return False

    wait_until(ready, timeout=30, interval=0.1, message="the users service being ready")
    return process, url


def samples(metrics: str, name: str, **labels: str) -> list[float]:
    return [sample.value for family in text_string_to_metric_families(metrics) for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()]


def test_metrics_count_the_requests_of_every_worker_and_sigterm_stops_cleanly(users_service):
    process, url = users_service

    def call(_: int) -> int:
        # a connection of its own each time, so the requests spread over the workers
        return requests.get(f"{url}/healthz", headers={"Connection": "close"}, timeout=5).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(call, range(REQUESTS))) == [200] * REQUESTS

    scrape = requests.get(f"{url}/metrics", timeout=5)
    assert scrape.status_code == 200
    assert scrape.headers["Content-Type"].startswith("text/plain")
    counted = samples(scrape.text, "http_requests_total", service="users", method="GET", route="/healthz")
    assert counted == [REQUESTS]

    process.proc.send_signal(signal.SIGTERM)
    assert process.proc.wait(timeout=GRACEFUL_TIMEOUT + 5) == 0
