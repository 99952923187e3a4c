"""The transactional outbox: email a service owes, kept in its own database until the mail queue has it.

A change that owes an email (an order placed, an account made) records the message with `owe()` in the
same transaction, so the two are stored together or not at all. The relay (`relay()`, run by the
service's background thread and by `shop-<service> housekeeping`) hands unsent rows to RQ and marks
them; while Redis is down the rows simply wait. A row handed over twice (the relay stopped between the
hand-over and the mark) is harmless: the mailer sends each message id once.

A message is `{"id", "template", "to", "context"}`: `id` is unique in the whole shop
(`<service>:<key>`), `to` is `{"email": ..., "name": ...}` or `{"user_id": ...}` (the mailer asks the
users service for the address when it sends), `context` is what the template shows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Text,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from shop_common.config import Setting, as_list
from shop_common.db import unit_of_work
from shop_common.mailqueue import QUEUE_SETTING, enqueue, queue_connection
from shop_common.redis import REDIS_DOWN

log = logging.getLogger(__name__)

def _seconds(raw: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in as_list(raw))
    if not values or any(v < 0 for v in values):
        raise ValueError(f"expected comma-separated seconds, got {raw!r}")
    return values


SETTINGS = (
    Setting("MAIL_RETRY_SECONDS", "waits between a failing email's retries; its length is the number of retries",
            "10,30,60,300,900,1800,3600", cast=_seconds),
    QUEUE_SETTING,
)


def outbox_model(db: SQLAlchemy) -> type:
    """The `outbox` table of a service's database (its migration creates it)."""

    class Outbox(db.Model):
        __tablename__ = "outbox"

        id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
        key: Mapped[str] = mapped_column(String(200), unique=True)
        message: Mapped[dict[str, Any]] = mapped_column(JSONB)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
        relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
        attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
        last_error: Mapped[str | None] = mapped_column(Text)

        __table_args__ = (Index("ix_outbox_unrelayed", "id", postgresql_where=text("relayed_at IS NULL")),)

    db.shop_outbox = Outbox
    return Outbox


def _model(db: SQLAlchemy) -> type:
    return db.shop_outbox


def owe(db: SQLAlchemy, key: str, template: str, to: dict[str, Any], context: dict[str, Any]) -> None:
    """Record an email in the current transaction (not committed). `key` is unique in the service: a
    second `owe` with it (a repeated step) records nothing."""
    service = current_app.name
    message = {"id": f"{service}:{key}", "template": template, "to": to, "context": context}
    outbox = _model(db)
    db.session.execute(insert(outbox).values(key=key, message=message).on_conflict_do_nothing(index_elements=["key"]))
    db.session.info["shop_outbox_owed"] = True


#: relayed rows are kept this long (to answer "was it sent?"), then pruned
KEEP_DAYS = 30


def init_outbox(app: Flask, db: SQLAlchemy, every: float = 5.0) -> None:
    """Relay the outbox in the background: every `every` seconds, and at once after a commit that owes mail;
    prune what was relayed more than `KEEP_DAYS` ago, hourly."""
    keeper = app.extensions["shop_housekeeping"]
    keeper.add("outbox relay", lambda: relay(db), every, wakeable=True)
    keeper.add("outbox prune", lambda: prune(db), 3600.0)

    @event.listens_for(db.session, "after_commit")
    def _owed(session) -> None:
        if session.info.pop("shop_outbox_owed", False):
            keeper.wake()

    @event.listens_for(db.session, "after_rollback")
    def _not_owed(session) -> None:
        session.info.pop("shop_outbox_owed", None)


def relay(db: SQLAlchemy, limit: int = 200) -> int:
    """Hand unsent outbox rows to the mail queue (committed); how many were handed over.

    Rows are taken with SKIP LOCKED, so several processes relaying at once share the work.
    """
    settings = current_app.config["SHOP"]
    outbox = _model(db)
    with unit_of_work(db):
        rows = db.session.scalars(select(outbox).where(outbox.relayed_at.is_(None)).order_by(outbox.id)
                                  .limit(limit).with_for_update(skip_locked=True)).all()
        if not rows:
            return 0
        connection = current_app.extensions.get("shop_queue")
        if connection is None:
            connection = current_app.extensions["shop_queue"] = queue_connection(settings["REDIS_URL"],
                                                                                 settings["REDIS_TIMEOUT"])
        handed: list[int] = []
        error = None
        for row in rows:
            try:
                enqueue(connection, row.message, settings["MAIL_RETRY_SECONDS"], settings["MAIL_QUEUE"])
            except REDIS_DOWN as exc:  # the rest wait for the next round
                error = f"{type(exc).__name__}: {exc}"
                break
            handed.append(row.id)
        if handed:
            db.session.execute(update(outbox).where(outbox.id.in_(handed)).values(relayed_at=func.now()))
        if error:
            waiting = [row.id for row in rows if row.id not in set(handed)]
            db.session.execute(update(outbox).where(outbox.id.in_(waiting))
                               .values(attempts=outbox.attempts + 1, last_error=error[:500]))
            log.warning("mail queue unavailable; %d email(s) wait in the outbox: %s", len(waiting), error)
    return len(handed)


def prune(db: SQLAlchemy, batch: int = 5000) -> int:
    """Delete rows relayed more than `KEEP_DAYS` ago, a batch at a time (committed); how many."""
    outbox = _model(db)
    old = select(outbox.id).where(outbox.relayed_at < func.now() - timedelta(days=KEEP_DAYS)).limit(batch)
    with unit_of_work(db):
        gone = db.session.execute(delete(outbox).where(outbox.id.in_(old.scalar_subquery()))).rowcount
    return gone


def waiting(db: SQLAlchemy) -> int:
    """How many emails wait in the outbox."""
    outbox = _model(db)
    return db.session.scalar(select(func.count()).select_from(outbox).where(outbox.relayed_at.is_(None)))
