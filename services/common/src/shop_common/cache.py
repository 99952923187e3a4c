"""A read-through cache in Redis that protects the database when a hot key expires, and steps aside when
Redis cannot be used.

`cached(key, ttl, compute)` answers from Redis, or computes, stores and answers. When many requests miss
the same key at once, one of them (the holder of a short lock) computes; the others wait a moment for its
answer instead of all querying the database (the "stampede"). Values are JSON.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from shop_common.redis import REDIS_DOWN, get_redis

log = logging.getLogger(__name__)

LOCK_SECONDS = 5  # longer than any computation should take; the lock frees itself after that
WAIT_SECONDS = 1.0  # how long a request waits for another one's computation before doing its own
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _encode(value: Any) -> str:
    return json.dumps(value, default=lambda o: str(o) if isinstance(o, Decimal) else o.isoformat(),
                      separators=(",", ":"))


def cached(key: str, ttl: int, compute: Callable[[], Any], unavailable: Callable[[], Any] | None = None) -> Any:
    """The value under `key`, computed by `compute()` and kept for `ttl` seconds on a miss.

    If Redis cannot be used the value is computed, or `unavailable()` is answered instead when given (for
    values only worth making when they can be kept).
    """
    try:
        redis = get_redis()
        if (hit := redis.get(key)) is not None:
            return json.loads(hit)
        token = uuid.uuid4().hex
        if not redis.set(f"{key}:lock", token, nx=True, ex=LOCK_SECONDS):
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:  # bounded: at most WAIT_SECONDS, then compute anyway
                time.sleep(0.02)
                if (hit := redis.get(key)) is not None:
                    return json.loads(hit)
            return compute()
    except REDIS_DOWN:
        log.warning("cache skipped: Redis unusable")
        return compute() if unavailable is None else unavailable()
    try:
        value = compute()
        redis.set(key, _encode(value), ex=ttl)
        return value
    except REDIS_DOWN:
        return value
    finally:
        with contextlib.suppress(*REDIS_DOWN):
            redis.eval(_RELEASE, 1, f"{key}:lock", token)


def get_many(keys: list[str]) -> list[Any | None]:
    """The values under `keys` (None where missing, or everywhere if Redis cannot be used)."""
    if not keys:
        return []
    try:
        return [None if raw is None else json.loads(raw) for raw in get_redis().mget(keys)]
    except REDIS_DOWN:
        return [None] * len(keys)


def set_many(values: dict[str, Any], ttl: int) -> None:
    try:
        pipe = get_redis().pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(key, _encode(value), ex=ttl)
        pipe.execute()
    except REDIS_DOWN:
        pass


def forget(keys: Iterable[str], counters: Iterable[str] = ()) -> None:
    """Delete `keys` and increment the version `counters`; a failure is logged, and the TTL bounds how
    long a stale value can live."""
    keys, counters = list(keys), list(counters)
    try:
        pipe = get_redis().pipeline(transaction=True)
        if keys:
            pipe.delete(*keys)
        for counter in counters:
            pipe.incr(counter)
        pipe.execute()
    except REDIS_DOWN:
        log.error("cache not invalidated (Redis unusable): stale for up to the TTL: %s", keys[:5])
