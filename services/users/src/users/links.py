"""The single-use tokens of emailed links (a password reset, an email verification): issued, checked, spent
and pruned, and the emails that carry them.

A token is `secrets.token_urlsafe(32)`; the database keeps its SHA-256 digest only, and the raw token sits in
the outbox message (a `secret` of its context) only while the email is owed: `shop_common.outbox.report`
removes it once the email is sent. A token works once, before it expires, for its purpose, for an active
account whose email is still the one it was sent to; anything else is the same 400 `invalid_token`, so a
caller learns nothing about which of these it was.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from shop_common import outbox
from shop_common.db import unit_of_work
from shop_common.errors import Problem
from users.models import PASSWORD_RESET, VERIFY_EMAIL, AccountToken, User, db
from users.schemas import email_key

#: the context keys of a link's email that the outbox forgets once it is sent
SECRET = ("token",)
#: how long a spent or expired token is kept (to tell a spent link from a forged one in a support case)
KEEP = timedelta(days=1)
_TTL = {PASSWORD_RESET: "PASSWORD_RESET_TTL", VERIFY_EMAIL: "VERIFY_EMAIL_TTL"}


def invalid_token() -> Problem:
    return Problem(400, "invalid_token", "This link is invalid or has expired; ask for a new one.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ttl(purpose: str) -> int:
    """Seconds a token of `purpose` works."""
    return current_app.config["SHOP"][_TTL[purpose]]


def issue(user: User, purpose: str) -> tuple[AccountToken, str]:
    """A new token of `purpose` for `user`'s current email, recorded in the current unit of work (flushed:
    its id names the email that carries it); the row and the token, which nothing else keeps."""
    token = secrets.token_urlsafe(32)
    row = AccountToken(user_id=user.id, purpose=purpose, digest=_digest(token), email=user.email,
                       expires_at=func.now() + timedelta(seconds=ttl(purpose)))
    db.session.add(row)
    db.session.flush()
    return row, token


def redeem(token: str, purpose: str) -> tuple[AccountToken, User]:
    """The row of `token` and its account, locked for the caller's unit of work (which spends it with
    `spend`); 400 `invalid_token` unless the token is valid for `purpose` (see the module)."""
    row = db.session.execute(select(AccountToken).where(
        AccountToken.digest == _digest(token), AccountToken.purpose == purpose, AccountToken.used_at.is_(None),
        AccountToken.expires_at > func.now()).with_for_update()).scalar_one_or_none()
    if row is None:
        raise invalid_token()
    # FOR NO KEY UPDATE, as a deactivation takes it: a login racing this waits, or its session is found and
    # ended by the caller
    user = db.session.get(User, row.user_id, with_for_update={"key_share": True})
    if user is None or not user.is_active or email_key(row.email) != user.email_key:
        raise invalid_token()
    return row, user


def spend(user: User, purpose: str) -> None:
    """Spend every unspent token of `user` and `purpose` (in the current unit of work)."""
    db.session.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                                  AccountToken.used_at.is_(None)).values(used_at=func.now()))


def recipient(user: User) -> dict[str, str]:
    """`to` of an email to `user`'s current email, named as the mailer names a user id's."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return {"email": user.email, "name": name or user.username}


def verification(user: User) -> tuple[AccountToken, dict[str, Any]]:
    """A verification token of `user`'s current email (recorded) and the context of the email carrying it
    (the welcome or `verify_email`)."""
    row, token = issue(user, VERIFY_EMAIL)
    return row, {"username": user.username, "first_name": user.first_name, "token": token,
                 "hours": ttl(VERIFY_EMAIL) // 3600}


def owe_verification(user: User) -> None:
    """Owe `user` a `verify_email` email to the current email, with a new token (current unit of work)."""
    row, context = verification(user)
    outbox.owe(db, f"verify:{row.id}", "verify_email", recipient(user), context, language=user.language,
               secret=SECRET)


def owe_reset(user: User) -> None:
    """Owe `user` a `password_reset` email to the current email, with a new token (current unit of work)."""
    row, token = issue(user, PASSWORD_RESET)
    outbox.owe(db, f"password_reset:{row.id}", "password_reset", recipient(user),
               {"username": user.username, "first_name": user.first_name, "token": token,
                "minutes": ttl(PASSWORD_RESET) // 60}, language=user.language, secret=SECRET)


def prune() -> int:
    """Delete the tokens expired more than KEEP ago; how many."""
    with unit_of_work(db):
        return db.session.execute(delete(AccountToken).where(AccountToken.expires_at < func.now() - KEEP)).rowcount


def init_links(app: Flask) -> None:
    app.extensions["shop_housekeeping"].add("link tokens prune", prune, 3600.0)
