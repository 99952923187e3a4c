"""The refresh grace: a refresh token presented again within `REFRESH_REUSE_GRACE` seconds of its
exchange, while the token it was exchanged for is unused, gets the same new pair again (two tabs refreshing
at once), as Auth0's reuse interval and Okta's grace period do; after that it is reuse.

The pair is kept for the grace in the old token's row, encrypted (Fernet) with a key derived from the old
refresh token itself, which the shop never stores: the row alone opens nothing. The housekeeping clears it
once the grace is over.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import func, select, update

from shop_common.db import unit_of_work
from users.models import RefreshToken, db


def _fernet(refresh_token: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shop refresh grace").derive(
        refresh_token.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(pair: dict[str, Any], refresh_token: str) -> str:
    """`pair` encrypted so that only `refresh_token` (the one exchanged for it) opens it."""
    return _fernet(refresh_token).encrypt(json.dumps(pair).encode()).decode()


def unseal(sealed: str, refresh_token: str) -> dict[str, Any] | None:
    """The pair `seal` kept, or None when `refresh_token` does not open it."""
    try:
        return json.loads(_fernet(refresh_token).decrypt(sealed.encode()))
    except InvalidToken:
        return None


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["SHOP"]["REFRESH_REUSE_GRACE"])


def within(row: RefreshToken) -> bool:
    """Whether `row` (used) was exchanged less than the grace ago, by the database's clock (it set `used_at`)."""
    return bool(db.session.scalar(select(func.clock_timestamp() - row.used_at < grace())))


def prune() -> int:
    """Forget the answers whose grace is over; how many."""
    with unit_of_work(db):
        return db.session.execute(
            update(RefreshToken).where(RefreshToken.grace_answer.is_not(None),
                                       RefreshToken.used_at < func.now() - grace())
            .values(grace_answer=None)).rowcount


def init_grace(app: Flask, every: float = 5.0) -> None:
    app.extensions["shop_housekeeping"].add("refresh grace prune", prune, every)
