"""Login throttling in Redis (the `limits` library's moving windows), per account and per client address.

Only failures count. A throttled login is refused before the password is even checked, with 429 and
`Retry-After`. If Redis is down, throttling degrades open: logins still work, and the outage is logged.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from shop_common.errors import Problem
from shop_common.redis import REDIS_DOWN

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, app: Flask, redis_pool):
        s = app.config["SHOP"]
        self.per_account = s["LOGIN_LIMIT_PER_ACCOUNT"]
        self.per_address = s["LOGIN_LIMIT_PER_ADDRESS"]
        storage = RedisStorage("redis://", connection_pool=redis_pool, key_prefix="shop:login")
        self.limiter = MovingWindowRateLimiter(storage)

    def _checks(self, account: str, address: str):
        return ((self.per_account, "account", account), (self.per_address, "address", address))

    def check(self, account: str, address: str) -> None:
        """Raise 429 `login_throttled` if either the account or the address has failed too often."""
        try:
            for item, kind, key in self._checks(account, address):
                if not self.limiter.test(item, kind, key):
                    reset = self.limiter.get_window_stats(item, kind, key).reset_time
                    wait = max(1, math.ceil(reset - time.time()))
                    raise Problem(429, "login_throttled",
                                  f"Too many failed logins for this {kind}; try again in {wait} s.",
                                  headers={"Retry-After": str(wait)})
        except REDIS_DOWN:
            log.warning("login throttling skipped: Redis unreachable")

    def failed(self, account: str, address: str) -> None:
        try:
            for item, kind, key in self._checks(account, address):
                self.limiter.hit(item, kind, key)
        except REDIS_DOWN:
            log.warning("failed login not counted: Redis unreachable")

    def succeeded(self, account: str) -> None:
        try:
            self.limiter.clear(self.per_account, "account", account)
        except REDIS_DOWN:
            log.warning("login throttle not cleared: Redis unreachable")


def throttle() -> LoginThrottle:
    return current_app.extensions["users_throttle"]
