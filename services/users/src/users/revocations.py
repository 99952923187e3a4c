"""Revocations of access tokens and sessions: recorded in Postgres (the truth), mirrored to Redis (where
every service looks them up, `shop_common.auth.is_revoked`).

A revocation is recorded in the caller's unit of work and mirrored after the commit. Redis losing its data
takes the marker `shop_common.auth.LOADED` with it, and every service then refuses tokens (503) until the
housekeeping of this service (`keep_mirrored`, every second) has written every unexpired revocation back
and the marker with them; it also does so when the process starts, and after a mirroring that failed
while Redis was down. Expired records are pruned.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from shop_common import auth
from shop_common.db import end_read, unit_of_work
from shop_common.redis import REDIS_DOWN
from users.models import Revocation, db

log = logging.getLogger(__name__)

JTI, FAMILY = "jti", "family"


def record(kind: str, value: uuid.UUID | str, until: float) -> None:
    """Record in the current unit of work that `value` (a jti or a family) is revoked until epoch `until`."""
    when = datetime.fromtimestamp(until, UTC)
    statement = insert(Revocation).values(kind=kind, value=uuid.UUID(str(value)), until=when)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[Revocation.kind, Revocation.value],
        set_={"until": func.greatest(Revocation.until, statement.excluded.until)}))


def is_family_revoked(family: uuid.UUID) -> bool:
    """Whether the session `family` is recorded as revoked (Postgres, not Redis: refresh needs no Redis)."""
    return db.session.execute(select(Revocation.value).where(
        Revocation.kind == FAMILY, Revocation.value == family, Revocation.until > func.now())).first() is not None


class Mirror:
    """Keeps Redis' copy of the revocations whole, for one process (its housekeeping thread)."""

    def __init__(self) -> None:
        self.behind = True  # a process starts by writing everything: Redis may have missed a mirroring

    def push(self, items: Iterable[tuple[str, uuid.UUID | str, float]]) -> bool:
        """Mirror just-committed revocations to Redis; False (and the next turn restores all) if Redis is down."""
        try:
            for kind, value, until in items:
                auth.revoke(**{"jti" if kind == JTI else "family": str(value)}, until=until)
        except REDIS_DOWN:
            log.error("revocation recorded in Postgres only, Redis unreachable; restored when it is back")
            self.behind = True
            return False
        return True

    def keep(self) -> None:
        """Restore every unexpired revocation to Redis when the marker is missing or this process is behind."""
        try:
            if not self.behind and auth.revocations_loaded():
                return
            self.behind = True
            rows = db.session.execute(select(Revocation.kind, Revocation.value, Revocation.until)
                                      .where(Revocation.until > func.now())).all()
            end_read(db)  # nothing held open while Redis is written
            if auth.restore((kind, str(value), until.timestamp()) for kind, value, until in rows):
                self.behind = False
                log.info("token revocations restored to Redis", extra={"count": len(rows)})
        except REDIS_DOWN:
            self.behind = True  # tokens are trusted unchecked meanwhile (`is_revoked`); tried again next turn


def prune() -> int:
    """Delete the revocations that have expired; how many."""
    with unit_of_work(db):
        return db.session.execute(delete(Revocation).where(Revocation.until <= func.now())).rowcount


def init_revocations(app: Flask, every: float = 1.0) -> Mirror:
    """Keep the mirror whole in the background (every `every` seconds) and prune hourly."""
    mirror = app.extensions["users_revocations"] = Mirror()
    keeper = app.extensions["shop_housekeeping"]
    keeper.add("revocations restore", mirror.keep, every)
    keeper.add("revocations prune", prune, 3600.0)
    return mirror
