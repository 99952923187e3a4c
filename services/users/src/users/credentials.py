"""Passwords and emails proved: a forgotten password reset by an emailed link, a password changed, an email
verified by its link, the link sent again.

A new password ends sessions as a deactivation does (`service.end_sessions`): recorded in Postgres,
mirrored to Redis after the commit, and by the housekeeping if Redis is down then. A reset ends every
session (whoever has them may be who made the reset necessary); a change ends every other one, and the
caller's session goes on with a new pair (its old refresh tokens are revoked).

The answer to a reset request never tells whether an account has the email: the same 202 for any email,
after the same least time, the same throttling per client address, and a silent limit on the emails per
email address, counted for unknown ones too.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from shop_common import outbox
from shop_common.db import unit_of_work
from shop_common.errors import Problem, field_problem
from shop_common.validation import CodedMessage
from users import links, service
from users.models import PASSWORD_RESET, VERIFY_EMAIL, User, db
from users.passwords import hash_password, verify_password
from users.schemas import email_key, password_problem
from users.throttle import throttle

log = logging.getLogger(__name__)


def _wrong_password() -> Problem:
    return field_problem(400, "wrong_password", "current_password", "The current password is wrong.")


def _check_new(password: str, user: User, field: str) -> None:
    if problem := password_problem(password, username=user.username, email=user.email):
        raise field_problem(422, "validation_error", field, problem)


def _owe_notice(user: User, how: str) -> None:
    # a user id: the mailer addresses it to `notify_email` in the account's language
    outbox.owe(db, f"password_changed:{user.id}:{uuid.uuid4()}", "password_changed", {"user_id": user.id},
               {"username": user.username, "first_name": user.first_name, "how": how,
                "at": datetime.now(UTC).isoformat()})


def ask_password_reset(email: str, address: str, arrived: float) -> None:
    """A reset link for whoever has `email`, if it is an active account's email and its emails are not over
    the limit; 429 `password_reset_throttled` when `address` asked too often. Returns no sooner than
    PASSWORD_RESET_ANSWER_SECONDS after `arrived` (a `time.perf_counter()`), whatever happened."""
    throttle().password_reset(address)
    try:
        key = email_key(email)
        allowed = throttle().reset_email(hashlib.sha256(key.encode()).hexdigest())
        with unit_of_work(db):
            user = db.session.execute(select(User).where(User.email_key == key, User.is_active)).scalar_one_or_none()
            if user is not None and allowed:
                links.owe_reset(user)
            # read before the commit: afterwards `user.id` would be loaded again, in a transaction of its own
            # that only a known email then holds until the request ends, a round trip its answer would show
            user_id = user.id if user is not None else None
        if user_id is not None:
            log.info("password reset asked" if allowed else "password reset email withheld: over the limit",
                     extra={"user_id": user_id})
    finally:
        time.sleep(max(0.0, arrived + current_app.config["SHOP"]["PASSWORD_RESET_ANSWER_SECONDS"]
                       - time.perf_counter()))


def reset_password(token: str, password: str) -> None:
    """Set the password of the reset link's account; 400 `invalid_token` (see `links`), then 422 if the
    password breaks the rules (the link still works). The link proved the email: it is verified."""
    with unit_of_work(db):
        _, user = links.redeem(token, PASSWORD_RESET)
        _check_new(password, user, "password")
        user.password_hash = hash_password(password)
        user.verified_email, user.email_verified_at = user.email, func.now()
        links.spend(user, PASSWORD_RESET)
        revoked = service.end_sessions(user.id)
        _owe_notice(user, "reset")
    service.mirror(*revoked)
    log.info("password reset", extra={"user_id": user.id, "sessions_ended": len(revoked)})


def verify_email(token: str, caller: int | None) -> None:
    """Mark the email the link was sent to verified; 400 `invalid_token` (see `links`), also when `caller`
    (the account whose access token came with it, if one did) is another account."""
    with unit_of_work(db):
        _, user = links.redeem(token, VERIFY_EMAIL)
        if caller is not None and caller != user.id:
            raise links.invalid_token()
        user.verified_email, user.email_verified_at = user.email, func.now()
        links.spend(user, VERIFY_EMAIL)
    log.info("email verified", extra={"user_id": user.id})


def resend_verification(user_id: int) -> str:
    """Owe a new verification link to the account's email; the email. 409 `email_already_verified`, 429
    `verification_throttled`."""
    user = service.get_user(user_id)
    if user.email_verified:
        raise Problem(409, "email_already_verified", "This email is verified already.")
    throttle().verification_resend(f"user:{user.id}")
    with unit_of_work(db):
        links.owe_verification(user)
    return user.email


def change_password(claims: dict[str, Any], current: str, new: str, address: str) -> dict[str, Any]:
    """Change the password of the access token's account, counted as a login attempt (429
    `login_throttled`); 400 `wrong_password`, 422 for a new password that breaks the rules or is the current
    one. Every other session ends; this one gets a new pair (its access token stays good until it expires)."""
    user = service.get_user(int(claims["sub"]))
    account = f"user:{user.id}"
    throttle().login_attempt(account, address)
    checked = user.password_hash
    if not verify_password(checked, current):
        log.info("password change refused: wrong password", extra={"user_id": user.id})
        raise _wrong_password()
    _check_new(new, user, "new_password")
    if verify_password(checked, new):
        raise field_problem(422, "validation_error", "new_password",
                            CodedMessage("same_password", "Choose a password other than the current one."))
    family = uuid.UUID(claims["fam"])
    with unit_of_work(db):
        db.session.refresh(user, with_for_update={"key_share": True})  # as `links.redeem` locks it
        if not user.is_active:
            raise service.user_not_found()
        if user.password_hash != checked:  # changed meanwhile: the current password may be another now
            raise _wrong_password()
        user.password_hash = hash_password(new)
        revoked = service.end_sessions(user.id, keep=family)
        service.retire_refresh_tokens(family)
        pair, _ = service.issue_pair(user, family)
        _owe_notice(user, "changed")
    throttle().login_succeeded(account, address)
    service.mirror(*revoked)
    log.info("password changed", extra={"user_id": user.id, "sessions_ended": len(revoked)})
    return pair
