"""Throttling in Redis with the `limits` library's moving windows: logins per account and client address,
per account and per client address; registrations per client address; password-reset requests per client
address, and the reset emails per email address (silently: the answer must not tell whether an account has
it); verification emails asked again per account.

No stranger can lock a shopper out (OWASP's authentication cheat sheet warns against lockouts others can
trigger): the guesses that hold an account back for long are counted per account *and address*, in
windows that widen (by default 5 a minute, then 20 an hour: a progressive delay), so wrong passwords from
elsewhere never touch the owner's own allowance. What every address shares for an account is a short
window only (by default 30 a minute): it bounds guessing spread over many addresses, and holds the owner
off for at most that window once the guessing stops.

Every attempt is counted before it is tried, with one atomic step per limit, so parallel attempts
cannot slip past the limit together; a successful login forgets the count of its account and address. A
throttled attempt is refused before the password is even checked, with 429 and `Retry-After`. If Redis
cannot be used, throttling degrades open: logins, registrations, resets and resends still work, and that is
logged.
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

Check = tuple[RateLimitItem, str, str]  # the limit, whose attempts it counts (a key of WHOSE), its key
#: how a refusal names whose attempts ran out
WHOSE = {"account-address": "for this account from this address", "account": "for this account",
         "address": "from this address"}


class Throttle:
    def __init__(self, app: Flask, redis_pool):
        s = app.config["SHOP"]
        self.per_account_address = s["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"]
        self.per_account = s["LOGIN_LIMIT_PER_ACCOUNT"]
        self.per_address = s["LOGIN_LIMIT_PER_ADDRESS"]
        self.registrations = s["REGISTER_LIMIT_PER_ADDRESS"]
        self.resets_per_address = s["PASSWORD_RESET_LIMIT_PER_ADDRESS"]
        self.reset_emails = s["PASSWORD_RESET_LIMIT_PER_ACCOUNT"]
        self.resends = s["VERIFY_RESEND_LIMIT_PER_ACCOUNT"]
        # in the service's namespace (its database's): shops sharing a Redis never throttle each other
        storage = RedisStorage("redis://", connection_pool=redis_pool,
                               key_prefix=app.extensions["shop_cache_namespace"] + "throttle")
        self.limiter = MovingWindowRateLimiter(storage)

    def _take(self, code: str, what: str, checks: list[Check]) -> None:
        try:
            for item, whose, key in checks:
                if not self.limiter.hit(item, code, whose, key):
                    wait = self._wait(code, [c for c in checks if c[1:] == (whose, key)])
                    raise Problem(429, code, f"Too many {what} {WHOSE[whose]}; try again in {wait} s.",
                                  headers={"Retry-After": str(wait)})
        except REDIS_DOWN:
            log.warning("%s: throttling skipped, Redis unusable", code)

    def _wait(self, code: str, windows: list[Check]) -> int:
        # seconds until every exhausted window of this key has room again (the widest decides)
        stats = [self.limiter.get_window_stats(item, code, whose, key) for item, whose, key in windows]
        return max([1, *(math.ceil(s.reset_time - time.time()) for s in stats if s.remaining == 0)])

    def login_attempt(self, account: str, address: str) -> None:
        """Count a login attempt; 429 `login_throttled` when the account from this address, the account
        or the address has no more."""
        pair = f"{account}@{address}"
        self._take("login_throttled", "login attempts",
                   [*((item, "account-address", pair) for item in self.per_account_address),
                    *((item, "account", account) for item in self.per_account),
                    (self.per_address, "address", address)])

    def login_succeeded(self, account: str, address: str) -> None:
        """Forget the failures of `account` from `address` (not those from elsewhere: a stranger's guesses
        are not forgiven by the owner's success)."""
        try:
            for item in self.per_account_address:
                self.limiter.clear(item, "login_throttled", "account-address", f"{account}@{address}")
        except REDIS_DOWN:
            log.warning("login_throttled: account count not cleared, Redis unusable")

    def registration(self, address: str) -> None:
        """Count a registration; 429 `registration_throttled` when the address has no more."""
        self._take("registration_throttled", "registrations", [(self.registrations, "address", address)])

    def password_reset(self, address: str) -> None:
        """Count a password-reset request; 429 `password_reset_throttled` when the address has no more."""
        self._take("password_reset_throttled", "password-reset requests",
                   [(self.resets_per_address, "address", address)])

    def reset_email(self, account: str) -> bool:
        """Count a reset email to `account` (a digest of an email key, known or not); whether it may go.
        Never refused aloud: a 429 here would tell that the address had been asked for."""
        try:
            return self.limiter.hit(self.reset_emails, "password_reset_email", "account", account)
        except REDIS_DOWN:
            log.warning("password_reset_email: throttling skipped, Redis unusable")
            return True

    def verification_resend(self, account: str) -> None:
        """Count a verification email asked again; 429 `verification_throttled` when the account has no more."""
        self._take("verification_throttled", "verification emails",
                   [(item, "account", account) for item in self.resends])


def throttle() -> Throttle:
    return current_app.extensions["users_throttle"]
