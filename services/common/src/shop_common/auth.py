"""JWT verification for every service (flask-jwt-extended), with the public key only.

One algorithm is accepted (ES256 or RS256, `SHOP_JWT_ALGORITHM`); issuer and audience are checked, with no
leeway; `sub` is the user id as a string; `staff` is a boolean claim; `fam` names the login session (the
refresh-token family) a token belongs to. A token is refused when its `jti` or its family was revoked in
Redis. Every failure is a 401 problem+json, never flask-jwt-extended's default 422 or `{"msg": ...}`.

Revocations are kept by the users service in its Postgres and mirrored here in Redis, where every service
looks them up. The marker `loaded_key()` (`shop:revoked:loaded:<fingerprint of the JWT public key>`, so
shops sharing one Redis have one each) is what users writes once Redis holds all of them: while it is
missing (Redis restarted empty, or was flushed) no token is trusted, 503 `revocations_unavailable` with
`Retry-After`, until users has restored them (its housekeeping looks every second). A fresh Redis has no
marker either, but no token exists before users has started, and users writes the marker first thing.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from flask_jwt_extended import JWTManager, get_jwt, verify_jwt_in_request
from jwt import MissingRequiredClaimError

from shop_common.config import SettingsError
from shop_common.errors import Problem, problem
from shop_common.keys import check_key
from shop_common.redis import REDIS_DOWN, get_redis
from shop_common.schemas import INT64_MAX

log = logging.getLogger(__name__)

REVOKED_JTI = "shop:revoked:jti:{}"
REVOKED_FAMILY = "shop:revoked:fam:{}"
#: present while Redis holds every revocation of the shop whose key fingerprint ends it; its value is when
#: they were loaded (epoch seconds)
LOADED = "shop:revoked:loaded:{}"
#: set when a restore begins; the marker is written only if it survived the restore (no wipe meanwhile)
RESTORING = "shop:revoked:restoring:{}"
#: seconds a client is told to wait while the revocations are restored
RESTORE_RETRY_AFTER = 2
_CHUNK = 1000
# atomic: a wipe between the restore's writes and the marker leaves the marker unwritten
_FINISH_RESTORE = """
if redis.call('del', KEYS[1]) == 1 then
  redis.call('set', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
#: claims every token we issue carries; a token without them is refused even if the signature holds
REQUIRED_CLAIMS = ("sub", "iat", "nbf", "exp", "jti", "type", "fam", "iss", "aud")
#: OpenAPI security requirement of the views that need a token
BEARER = [{"bearerAuth": []}]


def _challenge(code: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{code}"'}


def _unauthorized(code: str, detail: str):
    return problem(401, code, detail, headers=_challenge(code))


def _verification_key(_header: dict, unverified: dict) -> str:
    # flask-jwt-extended fills in a missing `type` or `jti` after decoding; refuse such tokens here,
    # while the claims are still as sent (the signature is verified right after, with this key)
    missing = [name for name in REQUIRED_CLAIMS if unverified.get(name) is None]
    if missing:
        raise MissingRequiredClaimError(missing[0])
    # the key object, loaded once: from the PEM text PyJWT would parse the key again for every request
    return current_app.extensions["shop_jwt_public_key"]


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _well_formed(_header: dict, claims: dict) -> bool:
    if any(claims.get(name) is None for name in REQUIRED_CLAIMS):
        return False
    sub = claims["sub"]
    return (isinstance(sub, str) and sub.isascii() and sub.isdigit() and 0 < int(sub) <= INT64_MAX
            and claims["type"] in ("access", "refresh") and isinstance(claims.get("staff", False), bool)
            and _is_uuid(claims["jti"]) and _is_uuid(claims["fam"]))


def check_claims(claims: dict, token_type: str = "access") -> None:
    """Raise 401 `invalid_token` unless `claims` (already signature-checked) are a well-formed token of
    `token_type`. For tokens that arrive in a body, such as the refresh token."""
    if not _well_formed({}, claims) or claims["type"] != token_type:
        raise Problem(401, "invalid_token", f"Not a valid {token_type} token.", headers=_challenge("invalid_token"))


def is_revoked(claims: dict) -> bool:
    """Whether this token's `jti` or family was revoked, in one Redis round trip.

    Raises 503 `revocations_unavailable` (with `Retry-After`) while the marker `loaded_key()` is missing: Redis
    has lost the revocations and users has not restored them yet. Redis down: not revoked, and it is
    logged. Failing open is deliberate: a shop whose every request fails while Redis is away is worse
    than a logged-out token living out the rest of its 15 minutes; when Redis comes back empty, the
    marker is gone and tokens wait for the restore.
    """
    if not _well_formed({}, claims):
        return False  # refused right after by the claims check, with the right message
    try:
        loaded, *revoked = get_redis().mget(_marker(), REVOKED_JTI.format(claims["jti"]),
                                            REVOKED_FAMILY.format(claims["fam"]))
    except REDIS_DOWN:
        log.warning("revocation check skipped: Redis unreachable")
        return False
    if loaded is None:
        raise Problem(503, "revocations_unavailable",
                      "Token revocations are being restored; try again in a moment.",
                      headers={"Retry-After": str(RESTORE_RETRY_AFTER)})
    return any(value is not None for value in revoked)


def revocations_loaded() -> bool:
    """Whether Redis holds the marker of loaded revocations (raises a Redis error if Redis is down)."""
    return bool(get_redis().exists(_marker()))


def loaded_key(public_key_pem: str) -> str:
    """The marker of loaded revocations of the shop whose tokens `public_key_pem` verifies."""
    der = serialization.load_pem_public_key(public_key_pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return LOADED.format(hashlib.sha256(der).hexdigest()[:16])


def _marker() -> str:
    return current_app.extensions["shop_revocations_marker"]


def revoke(*, jti: str | None = None, family: str | None = None, until: float) -> None:
    """Revoke one token (`jti`) and/or a whole family until the epoch time `until` (the longest expiry).

    Raises a Redis error if Redis is down; callers decide whether that is fatal.
    """
    pipe = get_redis().pipeline(transaction=False)
    if jti:
        _set_revoked(pipe, REVOKED_JTI.format(jti), until)
    if family:
        _set_revoked(pipe, REVOKED_FAMILY.format(family), until)
    pipe.execute()


def _set_revoked(pipe, key: str, until: float) -> None:
    pipe.set(key, 1, ex=max(1, int(until - time.time()) + 1))


def restore(revocations: Iterable[tuple[str, str, float]]) -> bool:
    """Write every `(kind, value, until)` (kind `"jti"` or `"family"`) to Redis, then the marker.

    Safe to run in several processes at once. Returns False, the marker unwritten, when Redis lost its data
    again while this ran (the caller tries again); raises a Redis error if Redis is down.
    """
    redis = get_redis()
    restoring = RESTORING.format(uuid.uuid4().hex)
    redis.set(restoring, 1, ex=300)
    keys = {"jti": REVOKED_JTI, "family": REVOKED_FAMILY}
    pipe = redis.pipeline(transaction=False)
    for n, (kind, value, until) in enumerate(revocations, 1):
        _set_revoked(pipe, keys[kind].format(value), until)
        if n % _CHUNK == 0:
            pipe.execute()
    pipe.execute()
    return bool(redis.eval(_FINISH_RESTORE, 2, restoring, _marker(), str(int(time.time()))))


def init_auth(app: Flask, *, private_key: str | None = None) -> JWTManager:
    """Configure JWT verification (and signing, for the one service given `private_key`)."""
    s = app.config["SHOP"]
    algorithm = s["JWT_ALGORITHM"]
    try:
        public_key = check_key(s["JWT_PUBLIC_KEY"], algorithm, private=False)
        if private_key is not None:
            check_key(private_key, algorithm, private=True)
    except ValueError as exc:
        raise SettingsError(app.name, [f"JWT key: {exc}"]) from None
    app.config.update(
        JWT_ALGORITHM=algorithm,
        JWT_DECODE_ALGORITHMS=[algorithm],
        JWT_PUBLIC_KEY=public_key,
        JWT_PRIVATE_KEY=private_key,
        JWT_SECRET_KEY=None,
        JWT_COOKIE_CSRF_PROTECT=False,
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ENCODE_ISSUER=s["JWT_ISSUER"],
        JWT_DECODE_ISSUER=s["JWT_ISSUER"],
        JWT_ENCODE_AUDIENCE=s["JWT_AUDIENCE"],
        JWT_DECODE_AUDIENCE=s["JWT_AUDIENCE"],
        JWT_DECODE_LEEWAY=0,
        JWT_IDENTITY_CLAIM="sub",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=7),
    )
    app.extensions["shop_jwt_public_key"] = serialization.load_pem_public_key(public_key.encode())
    app.extensions["shop_revocations_marker"] = loaded_key(public_key)
    jwt = JWTManager(app)
    jwt.decode_key_loader(_verification_key)
    jwt.token_verification_loader(_well_formed)
    jwt.token_in_blocklist_loader(lambda _header, claims: is_revoked(claims))
    jwt.unauthorized_loader(lambda reason: _unauthorized("not_authenticated", f"Log in first: {reason}."))
    jwt.invalid_token_loader(lambda reason: _unauthorized("invalid_token", f"The token is invalid: {reason}."))
    jwt.expired_token_loader(lambda *_: _unauthorized("token_expired", "The token has expired."))
    jwt.revoked_token_loader(lambda *_: _unauthorized("token_revoked", "The token has been revoked."))
    jwt.token_verification_failed_loader(
        lambda *_: _unauthorized("invalid_token", "The token is missing required claims."))
    jwt.user_lookup_error_loader(lambda *_: _unauthorized("invalid_token", "The token's user is unknown."))
    jwt.needs_fresh_token_loader(lambda *_: _unauthorized("fresh_token_required", "Log in again."))
    return jwt


def current_user_id() -> int:
    """The id of the user whose access token authenticated this request."""
    return int(get_jwt()["sub"])


def is_staff() -> bool:
    return bool(get_jwt().get("staff", False))


def require_staff() -> None:
    """Refuse this request unless it carries a staff member's valid access token: 401 without one (or with a
    bad one), 403 `staff_only` with a shopper's. For a public operation with a staff-only option; a view that
    is staff-only altogether uses `authenticated(blp, staff=True)`."""
    verify_jwt_in_request()
    if not is_staff():
        raise Problem(403, "staff_only", "Only staff may do this.")


def authenticated(blp, *, staff: bool = False, optional: bool = False) -> Callable:
    """Decorator for a view that needs an access token (and the staff claim when `staff`).

    Put it above the blueprint's `arguments`/`response` decorators: the token is checked before the body,
    so an anonymous request is 401 whatever it sends. It documents the security requirement and the
    401 (and 403) answers in the OpenAPI document, and the 503 `revocations_unavailable` (the kit's
    blueprint's `unavailable`, unless the view's `response` documented it already).

    `optional`: a request without a token is taken too (`get_jwt()` is then `{}`); one with a token that is
    not valid is still 401.
    """

    def decorator(view: Callable) -> Callable:
        view = blp.doc(security=[{}, *BEARER] if optional else BEARER)(view)
        view = blp.alt_response(401, response="UNAUTHORIZED")(view)
        view = blp.unavailable(view)
        if staff:
            view = blp.alt_response(403, response="FORBIDDEN")(view)

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if staff:
                require_staff()
            else:
                verify_jwt_in_request(optional=optional)
            return view(*args, **kwargs)

        return wrapper

    return decorator
