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
from sqlalchemy import func, or_, select, update

from shop_common import outbox
from shop_common.auth import check_claims
from shop_common.db import unit_of_work
from shop_common.errors import Problem, field_problem
from shop_common.language import DEFAULT as DEFAULT_LANGUAGE
from shop_common.pagination import check_page
from users import grace, links, revocations
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
    (an `address`) is owed a welcome email carrying the link that verifies the email, recorded with the
    account."""
    if address is not None:
        throttle().registration(address)
    for field in ("username", "email"):
        if _find(field, data[field]):
            raise _taken(field)
    user = User(username=data["username"], email=data["email"], password_hash=hash_password(data["password"]),
                first_name=data.get("first_name", ""), last_name=data.get("last_name", ""), is_staff=is_staff,
                language=data.get("language", DEFAULT_LANGUAGE))
    with unit_of_work(db, _UNIQUE):
        db.session.add(user)
        if address is not None:
            db.session.flush()  # the id names the email
            _, context = links.verification(user)
            outbox.owe(db, f"welcome:{user.id}", "welcome", links.recipient(user), context, language=user.language,
                       secret=links.SECRET)
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
    checked = user.password_hash if user else None
    if not verify_password(checked, password):
        log.info("login failed", extra={"user_id": user.id if user else None})
        raise _invalid_credentials()
    with unit_of_work(db):
        # shared lock: a deactivation (`set_active`) or a new password (`credentials`) either waits for this
        # session to be recorded, then ends it, or has committed and is seen here
        db.session.refresh(user, with_for_update={"read": True})
        if not user.is_active:
            raise _inactive(user)
        if user.password_hash != checked:  # the password was changed while this one was checked
            raise _invalid_credentials()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login = func.now()
        pair, _ = issue_pair(user, family=uuid.uuid4())
    throttle().login_succeeded(account, address)
    return pair


def _invalid_credentials() -> Problem:
    return Problem(401, "invalid_credentials", "Wrong username or password.")


def _inactive(user: User) -> Problem:
    # said only to whoever typed the right password: they may know the account is closed, and why to call
    log.info("login refused: account deactivated", extra={"user_id": user.id})
    return Problem(403, "account_inactive", "This account has been deactivated; contact the shop.")


def issue_pair(user: User, family: uuid.UUID) -> tuple[dict[str, Any], uuid.UUID]:
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


def end_sessions(user_id: int, *, keep: uuid.UUID | None = None) -> list[Revoked]:
    """Revoke every session of the account with a live refresh token, but `keep` (in the caller's unit of
    work, which holds the account's row FOR NO KEY UPDATE: a login racing this waits, or its session is
    found here); what to `mirror` once committed."""
    return [_revoke_family(family) for family in db.session.execute(
        select(RefreshToken.family).distinct().where(RefreshToken.user_id == user_id, RefreshToken.family != keep,
                                                     RefreshToken.revoked_at.is_(None),
                                                     RefreshToken.expires_at > func.now())).scalars()]


def retire_refresh_tokens(family: uuid.UUID) -> None:
    """Revoke the refresh tokens of `family` but not the session: its access tokens stay good, and a pair
    issued in it afterwards works (in the caller's unit of work)."""
    live = (RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
    # locked first: a refresh exchanging one of them has committed its new token by the time the UPDATE (a
    # statement of its own, seeing what was committed before it) runs, or waits and then finds its token revoked
    db.session.execute(select(RefreshToken.jti).where(*live).with_for_update())
    db.session.execute(update(RefreshToken).where(*live).values(revoked_at=func.now()))


def mirror(*revoked: Revoked) -> bool:
    """Mirror just-committed revocations to Redis; False (the housekeeping mirrors them later) if it is down."""
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
    mirror(revoked)
    raise Problem(401, "token_reused", "This refresh token was already used; the session is revoked.")


def _exchange(row: RefreshToken, token: str) -> dict[str, Any]:
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Problem(401, "invalid_token", "This account is disabled.")
    pair, successor = issue_pair(user, family=row.family)
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
    if not mirror(family, (revocations.JTI, access_claims["jti"], access_claims["exp"])):
        raise Problem(503, "revocation_unavailable",
                      "Logged out of this session's refresh token, but the access token could not be "
                      "revoked yet; try again.", headers={"Retry-After": "5"})


def user_not_found() -> Problem:
    return Problem(404, "user_not_found", "No such user.")


def get_user(user_id: int) -> User:
    """An active account (its owner's profile); 404 `user_not_found` for a deactivated one too."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise user_not_found()
    return user


def get_account(user_id: int) -> User:
    """Any account, deactivated ones too (staff, and the mailer: order emails still reach a customer
    deactivated after ordering); 404 `user_not_found`."""
    user = db.session.get(User, user_id)
    if user is None:
        raise user_not_found()
    return user


def _search(text: str):
    # a substring of any of them, in any case (ILIKE; the email by its folded key, as emails are compared);
    # no trigram index: the embedded Postgres of development has no pg_trgm, so each search reads every row
    return or_(User.username.icontains(text, autoescape=True), User.first_name.icontains(text, autoescape=True),
               User.last_name.icontains(text, autoescape=True),
               User.email_key.contains(email_key(text), autoescape=True))


_ORDERINGS = {"-date_joined": (User.date_joined.desc(), User.id.desc()),
              "date_joined": (User.date_joined.asc(), User.id.asc()),
              # the unique index on lower(username) orders them, one account per name in any case
              "username": (func.lower(User.username).asc(),),
              "-username": (func.lower(User.username).desc(),)}


def list_accounts(query: dict[str, Any]) -> tuple[int, list[User]]:
    """How many accounts match `query` (AccountQuerySchema) and those of its page; 404 past the last page."""
    conditions = []
    if text := (query.get("search") or "").strip():
        conditions.append(_search(text))
    if "is_active" in query:
        conditions.append(User.is_active.is_(query["is_active"]))
    if "email_verified" in query:
        # `User.email_verified` in SQL: a verified email is kept as spelled (`update_profile`)
        same = User.verified_email.is_not_distinct_from(User.email)
        conditions.append(same if query["email_verified"] else ~same)
    count = db.session.execute(select(func.count()).select_from(User).where(*conditions)).scalar_one()
    check_page(query, count)
    size = query["page_size"]
    users = db.session.execute(select(User).where(*conditions).order_by(*_ORDERINGS[query["ordering"]])
                               .limit(size).offset((query["page"] - 1) * size)).scalars().all()
    return count, list(users)


def set_active(user_id: int, active: bool, by: int) -> User:
    """Activate or deactivate an account (staff member `by`); doing it again changes nothing.

    Deactivating ends every session of it at once: each family with a live refresh token is revoked (its
    refresh tokens refused, and its access tokens by every service once mirrored to Redis), and its login
    is refused while it is inactive. 409 `cannot_deactivate_self`, 404 `user_not_found`. With Redis down
    the account is deactivated all the same; its access tokens are refused once Redis is back (the
    housekeeping mirrors what was recorded), every service trusting tokens unchecked meanwhile.
    """
    if not active and user_id == by:
        raise Problem(409, "cannot_deactivate_self", "You cannot deactivate your own account.")
    with unit_of_work(db):
        # FOR NO KEY UPDATE: a login racing this (FOR SHARE) waits, or is done and its session is found
        # below; a refresh's new token (whose foreign key takes FOR KEY SHARE) does not wait, so a refresh
        # holding a token this revokes cannot deadlock with it, and its family is revoked all the same
        user = db.session.get(User, user_id, with_for_update={"key_share": True})
        if user is None:
            raise user_not_found()
        user.is_active = active
        revoked = [] if active else end_sessions(user_id)
    if revoked:
        mirror(*revoked)
    log.info("account activated" if active else "account deactivated",
             extra={"user_id": user_id, "by": by, "sessions_ended": len(revoked)})
    return user


def update_profile(user_id: int, changes: dict[str, Any]) -> User:
    """Change the fields of ProfileUpdateSchema; 409 `email_taken`.

    Another email (by key) is owed a `verify_email` email with its link; the verified address stays where
    order emails go until it is followed. Back to the verified address, the email is verified again, no
    email owed. A verified email is kept as it is spelled now (`verified_email` = `email` exactly), so that
    SQL can tell a verified account (`list_accounts`).
    """
    user = get_user(user_id)
    if "email" in changes and email_key(changes["email"]) != user.email_key and _find(
            "email", changes["email"], exclude_id=user_id):
        raise _taken("email")
    with unit_of_work(db, _UNIQUE):
        before = user.email_key
        for field, value in changes.items():
            setattr(user, field, value)
        if "email" in changes and user.email_verified:
            user.verified_email = user.email
        elif user.email_key != before:
            links.owe_verification(user)
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
