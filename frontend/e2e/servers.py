"""The Postgres and Redis of the Playwright run, claimed and given back the way the Python tests do it.

    python frontend/e2e/servers.py claim              print JSON {postgres_url, redis_url}: the tests' Postgres
                                                      (admin URL) and a Redis database no other run is using
    python frontend/e2e/servers.py release PREFIX REDIS_URL
                                                      drop every database named PREFIX* (shop_pw_...),
                                                      flush REDIS_URL

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
    print(json.dumps({"postgres_url": servers().postgres.url, "redis_url": claim_redis_db()}))
    return 0


def release(prefix: str, redis_url: str) -> int:
    if not prefix.startswith("shop_pw_"):  # never another stack's (make dev's shop_*, the pytest runs')
        sys.exit(f"refusing to drop databases named {prefix}*: only a Playwright run's (shop_pw_...)")
    with psycopg.connect(servers().postgres.url, autocommit=True) as conn:
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
    if len(sys.argv) == 4 and sys.argv[1] == "release":
        sys.exit(release(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
