"""Throttling in Redis with the `limits` library's moving windows: logins per account and per client
address, registrations per client address.

Every attempt is counted before it is tried, with one atomic step per limit, so parallel attempts
cannot slip past the limit together; a successful login forgets its account's count. A throttled attempt
is refused before the password is even checked, with 429 and `Retry-After`. If Redis cannot be used,
throttling degrades open: logins and registrations still work, and that is logged.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from shop_common.errors import Problem
from shop_common.redis import REDIS_DOWN

log = logging.getLogger(__name__)

Check = tuple[RateLimitItem, str, str]  # the limit, what is limited ("account", "address"), its key


class Throttle:
    def __init__(self, app: Flask, redis_pool):
        s = app.config["SHOP"]
        self.per_account = s["LOGIN_LIMIT_PER_ACCOUNT"]
        self.per_address = s["LOGIN_LIMIT_PER_ADDRESS"]
        self.registrations = s["REGISTER_LIMIT_PER_ADDRESS"]
        # in the service's namespace (its database's): shops sharing a Redis never throttle each other
        storage = RedisStorage("redis://", connection_pool=redis_pool,
                               key_prefix=app.extensions["shop_cache_namespace"] + "throttle")
        self.limiter = MovingWindowRateLimiter(storage)

    def _take(self, code: str, what: str, checks: list[Check]) -> None:
        try:
            for item, kind, key in checks:
                if not self.limiter.hit(item, code, kind, key):
                    reset = self.limiter.get_window_stats(item, code, kind, key).reset_time
                    wait = max(1, math.ceil(reset - time.time()))
                    raise Problem(429, code, f"Too many {what} from this {kind}; try again in {wait} s.",
                                  headers={"Retry-After": str(wait)})
        except REDIS_DOWN:
            log.warning("%s: throttling skipped, Redis unusable", code)

    def login_attempt(self, account: str, address: str) -> None:
        """Count a login attempt; 429 `login_throttled` when the account or the address has no more."""
        self._take("login_throttled", "login attempts",
                   [(self.per_account, "account", account), (self.per_address, "address", address)])

    def login_succeeded(self, account: str) -> None:
        try:
            self.limiter.clear(self.per_account, "login_throttled", "account", account)
        except REDIS_DOWN:
            log.warning("login_throttled: account count not cleared, Redis unusable")

    def registration(self, address: str) -> None:
        """Count a registration; 429 `registration_throttled` when the address has no more."""
        self._take("registration_throttled", "registrations", [(self.registrations, "address", address)])


def throttle() -> Throttle:
    return current_app.extensions["users_throttle"]
