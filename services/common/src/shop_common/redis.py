"""The service's Redis client: short timeouts and no silent retries, so a Redis outage is noticed fast."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

#: what "Redis cannot serve us" looks like to callers that degrade instead of failing: down, slow, or
#: answering errors (out of memory, read-only after a failover, ...)
REDIS_DOWN = (RedisError, OSError)


def make_redis(url: str, timeout: float) -> Redis:
    """A client that fails within `timeout` seconds instead of hanging when Redis is away."""
    return Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
        decode_responses=True,
    )


def init_redis(app: Flask) -> None:
    settings = app.config["SHOP"]
    app.extensions["shop_redis"] = make_redis(settings["REDIS_URL"], settings["REDIS_TIMEOUT"])


def get_redis() -> Redis:
    """The current app's Redis client."""
    return current_app.extensions["shop_redis"]
