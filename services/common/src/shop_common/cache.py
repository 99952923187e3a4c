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


def encode(value: Any) -> str:
    """A value's JSON text, as the cache keeps it (compact; Decimals and dates as strings)."""
    return json.dumps(value, default=lambda o: str(o) if isinstance(o, Decimal) else o.isoformat(),
                      separators=(",", ":"))


def cached(key: str, ttl: int, compute: Callable[[], Any], unavailable: Callable[[], Any] | None = None) -> Any:
    """The value under `key`, computed by `compute()` and kept for `ttl` seconds on a miss.

    If Redis cannot be used the value is computed, or `unavailable()` is answered instead when given (for
    values only worth making when they can be kept).
    """
    return _read_through(key, ttl, compute, unavailable, raw=False)


def cached_json(key: str, ttl: int, compute: Callable[[], Any]) -> str:
    """As `cached`, but the value's JSON text, as Redis holds it: an answer sent as it is, never parsed and
    encoded again on its way out."""
    return _read_through(key, ttl, compute, None, raw=True)


def _read_through(key: str, ttl: int, compute: Callable[[], Any], unavailable: Callable[[], Any] | None,
                  raw: bool) -> Any:
    def made(value: Any) -> Any:
        return encode(value) if raw else value

    def hit_value(hit: str) -> Any:
        return hit if raw else json.loads(hit)

    try:
        redis = get_redis()
        if (hit := redis.get(key)) is not None:
            return hit_value(hit)
        token = uuid.uuid4().hex
        if not redis.set(f"{key}:lock", token, nx=True, ex=LOCK_SECONDS):
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:  # bounded: at most WAIT_SECONDS, then compute anyway
                time.sleep(0.02)
                if (hit := redis.get(key)) is not None:
                    return hit_value(hit)
            return made(compute())
    except REDIS_DOWN:
        log.warning("cache skipped: Redis unusable")
        return made(compute() if unavailable is None else unavailable())
    try:
        value = compute()
        text = encode(value)
        redis.set(key, text, ex=ttl)
        return text if raw else value
    except REDIS_DOWN:
        return text if raw else value
    finally:
        with contextlib.suppress(*REDIS_DOWN):
            redis.eval(_RELEASE, 1, f"{key}:lock", token)


def get_many(keys: list[str], *, raw: bool = False) -> list[Any | None]:
    """The values under `keys` (None where missing, or everywhere if Redis cannot be used); `raw`: their
    JSON text, unparsed."""
    if not keys:
        return []
    try:
        found = get_redis().mget(keys)
    except REDIS_DOWN:
        return [None] * len(keys)
    return found if raw else [None if text is None else json.loads(text) for text in found]


def set_many(values: dict[str, Any], ttl: int, *, raw: bool = False) -> None:
    """Keep `values` (key -> value; `raw`: key -> its JSON text already) for `ttl` seconds."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(key, value if raw else encode(value), ex=ttl)
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
