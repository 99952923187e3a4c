"""What the users service does. The only module that writes, each time in a unit of work.

Tokens: a login starts a *family* (one session). Each refresh rotates the refresh token: the old one is
marked used and a new one of the same family is issued. The same old token again within the grace
(`users.grace`) gets the same new pair; later, or once the new token was used, it was stolen or replayed,
so the whole family is revoked: its refresh tokens in Postgres, and the session recorded as revoked
(`users.revocations`: Postgres, mirrored to the Redis every service checks access tokens against).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import func, select, update

from shop_common import outbox
from shop_common.auth import check_claims
from shop_common.db import unit_of_work
from shop_common.errors import Problem, field_problem
from users import grace, revocations
from users.models import RefreshToken, User, db
from users.passwords import hash_password, needs_rehash, verify_password
from users.schemas import email_key
from users.throttle import throttle

log = logging.getLogger(__name__)

Revoked = tuple[str, uuid.UUID | str, float]  # what `revocations.Mirror.push` takes


def _taken(field: str) -> Problem:
    return field_problem(409, f"{field}_taken", field, f"This {field} is already registered.")


# a unique index that lost a race becomes the same 409 as the check before it
_UNIQUE = {"uq_users_username_lower": lambda: _taken("username"),
           "uq_users_email_key": lambda: _taken("email")}


def _matches(field: str, value: str):
    # usernames are ASCII, which lower() folds alike in Python and Postgres; emails are compared by their
    # key, folded in Python (Postgres' lower() leaves "ß" as it is)
    if field == "email":
        return User.email_key == email_key(value)
    return func.lower(User.username) == func.lower(value)


def _find(field: str, value: str, exclude_id: int | None = None) -> bool:
    query = select(User.id).where(_matches(field, value))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.execute(query).first() is not None


def register(data: dict[str, Any], address: str | None = None, *, is_staff: bool = False) -> User:
    """Create an account; 409 `username_taken` / `email_taken` when either exists in any case; 429 when
    `address` (the client's, for the API) has registered too many. A shopper registering through the API
    (an `address`) is owed a welcome email, recorded with the account."""
    if address is not None:
        throttle().registration(address)
    for field in ("username", "email"):
        if _find(field, data[field]):
            raise _taken(field)
    user = User(username=data["username"], email=data["email"], password_hash=hash_password(data["password"]),
                first_name=data.get("first_name", ""), last_name=data.get("last_name", ""), is_staff=is_staff)
    with unit_of_work(db, _UNIQUE):
        db.session.add(user)
        if address is not None:
            db.session.flush()  # the id names the email
            outbox.owe(db, f"welcome:{user.id}", "welcome", {"email": user.email, "name": user.first_name},
                       {"username": user.username, "first_name": user.first_name})
    log.info("user registered", extra={"user_id": user.id})
    return user


def find_by_login(login: str) -> User | None:
    field = "email" if "@" in login else "username"
    return db.session.execute(select(User).where(_matches(field, login))).scalar_one_or_none()


def login(username: str, password: str, address: str) -> dict[str, Any]:
    """Check the credentials (username or email) and start a session; 401 or 429 otherwise."""
    user = find_by_login(username)
    # an unknown name is throttled too (by a digest: what was typed may be a password, never logged)
    account = f"user:{user.id}" if user else "name:" + hashlib.sha256(email_key(username).encode()).hexdigest()
    throttle().login_attempt(account, address)
    if not (verify_password(user.password_hash if user else None, password) and user.is_active):
        log.info("login failed", extra={"user_id": user.id if user else None})
        raise Problem(401, "invalid_credentials", "Wrong username or password.")
    throttle().login_succeeded(account, address)
    with unit_of_work(db):
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        pair, _ = _issue(user, family=uuid.uuid4())
    return pair


def _issue(user: User, family: uuid.UUID) -> tuple[dict[str, Any], uuid.UUID]:
    """A new access and refresh token of `family`, and the refresh token's jti; the refresh token is
    recorded (not committed)."""
    s = current_app.config["SHOP"]
    claims = {"staff": user.is_staff, "fam": str(family)}
    refresh_jti = uuid.uuid4()
    access = create_access_token(str(user.id), additional_claims=claims,
                                 expires_delta=timedelta(seconds=s["ACCESS_TOKEN_TTL"]))
    refresh = create_refresh_token(str(user.id), additional_claims={**claims, "jti": str(refresh_jti)},
                                   expires_delta=timedelta(seconds=s["REFRESH_TOKEN_TTL"]))
    db.session.add(RefreshToken(jti=refresh_jti, family=family, user_id=user.id,
                                expires_at=datetime.now(UTC) + timedelta(seconds=s["REFRESH_TOKEN_TTL"])))
    pair = {"access": access, "refresh": refresh, "token_type": "Bearer", "expires_in": s["ACCESS_TOKEN_TTL"]}
    return pair, refresh_jti


def _refresh_claims(token: str, *, allow_expired: bool = False) -> dict[str, Any]:
    # signature, algorithm, issuer, audience and (unless allowed) expiry: PyJWT's errors are 401s
    claims = decode_token(token, allow_expired=allow_expired)
    check_claims(claims, token_type="refresh")
    return claims


def _revoke_family(family: uuid.UUID) -> Revoked:
    """Revoke every refresh token of `family` and record the session revoked (committed by the caller);
    what to mirror to Redis once committed."""
    db.session.execute(update(RefreshToken).where(RefreshToken.family == family,
                                                  RefreshToken.revoked_at.is_(None))
                       .values(revoked_at=func.now()))
    # as long as a refresh token of it may live: one issued by a refresh racing this revocation is caught
    # by `revocations.is_family_revoked`, the UPDATE above not seeing its row
    until = datetime.now(UTC).timestamp() + current_app.config["SHOP"]["REFRESH_TOKEN_TTL"]
    revocations.record(revocations.FAMILY, family, until)
    return revocations.FAMILY, family, until


def _mirror(*revoked: Revoked) -> bool:
    return current_app.extensions["users_revocations"].push(revoked)


def refresh(token: str) -> dict[str, Any]:
    """Exchange a refresh token for a new pair; the same token again within the grace gets the same pair;
    any other reuse revokes its family (401). Needs Postgres only: Redis down, refreshing still works."""
    claims = _refresh_claims(token)
    with unit_of_work(db):
        # the lock makes concurrent refreshes of one token take turns: the first exchanges it, the others
        # find it used and get the answer it committed
        row = db.session.get(RefreshToken, uuid.UUID(claims["jti"]), with_for_update=True)
        if row is None or str(row.user_id) != claims["sub"]:
            raise Problem(401, "invalid_token", "Unknown refresh token.")
        if row.revoked_at is not None or revocations.is_family_revoked(row.family):
            raise Problem(401, "token_revoked", "This session has ended; log in again.")
        if row.used_at is None:
            return _exchange(row, token)
        if (pair := _repeat(row, token)) is not None:
            return pair
        log.warning("refresh token reused: revoking its family", extra={"user_id": row.user_id})
        revoked = _revoke_family(row.family)  # committed, then the answer given
    _mirror(revoked)
    raise Problem(401, "token_reused", "This refresh token was already used; the session is revoked.")


def _exchange(row: RefreshToken, token: str) -> dict[str, Any]:
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Problem(401, "invalid_token", "This account is disabled.")
    pair, successor = _issue(user, family=row.family)
    row.used_at, row.replaced_by, row.grace_answer = func.now(), successor, grace.seal(pair, token)
    return pair


def _repeat(row: RefreshToken, token: str) -> dict[str, Any] | None:
    """The pair `row` was exchanged for, if this is a repeat within the grace and that pair's refresh token
    is unused (an older generation never is: django-oauth-toolkit#1617); else None."""
    if row.grace_answer is None or row.replaced_by is None or not grace.within(row):
        return None
    successor = db.session.get(RefreshToken, row.replaced_by)
    if successor is None or successor.used_at is not None or successor.revoked_at is not None:
        return None
    return grace.unseal(row.grace_answer, token)


def logout(access_claims: dict[str, Any], refresh_token: str) -> None:
    """End the session: the refresh token's family and the access token are revoked at once.

    Both tokens must be of the same session (an expired refresh token still counts: it identifies it).
    Recorded in Postgres first; if Redis cannot be told, 503: the access token keeps working until Redis is
    back (the housekeeping then mirrors it), and a retry is harmless.
    """
    claims = _refresh_claims(refresh_token, allow_expired=True)
    if (claims["sub"], claims["fam"]) != (access_claims["sub"], access_claims["fam"]):
        raise Problem(401, "invalid_token", "The refresh token belongs to another session.")
    with unit_of_work(db):
        family = _revoke_family(uuid.UUID(claims["fam"]))
        revocations.record(revocations.JTI, access_claims["jti"], access_claims["exp"])
    if not _mirror(family, (revocations.JTI, access_claims["jti"], access_claims["exp"])):
        raise Problem(503, "revocation_unavailable",
                      "Logged out of this session's refresh token, but the access token could not be "
                      "revoked yet; try again.", headers={"Retry-After": "5"})


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise Problem(404, "user_not_found", "No such user.")
    return user


def update_profile(user_id: int, changes: dict[str, Any]) -> User:
    user = get_user(user_id)
    if "email" in changes and email_key(changes["email"]) != user.email_key and _find(
            "email", changes["email"], exclude_id=user_id):
        raise _taken("email")
    with unit_of_work(db, _UNIQUE):
        for field, value in changes.items():
            setattr(user, field, value)
    return user


def create_staff(data: dict[str, Any]) -> tuple[User, bool]:
    """Make a staff account, or give an existing one (same username) the staff flag and this password.

    Returns the user and whether it was created.
    """
    existing = find_by_login(data["username"])
    if existing is None:
        return register(data, is_staff=True), True
    if existing.email_key != email_key(data["email"]):
        raise Problem(409, "email_mismatch", f"{existing.username!r} exists with another email; nothing changed.")
    with unit_of_work(db):
        existing.is_staff = True
        existing.password_hash = hash_password(data["password"])
    return existing, False
