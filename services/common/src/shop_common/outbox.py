"""The transactional outbox: email a service owes, kept in its own database until the mailer has sent it.

A change that owes an email (an order placed, an account made) records the message with `owe()` in the
same transaction, so the two are stored together or not at all. The row stays the record of the debt until
the mailer reports the message's outcome through `/internal/outbox/<key>/` (`shop_common.outbox_api`):
`sent` (the SMTP server accepted it), `dropped` (its recipient's account is gone) or `failed` (it can never
be sent as it is: a bad template or message). Redis (RQ) is only the way there, never the record:

- `relay()` (the service's background thread, and `shop-<service> housekeeping`) hands rows not handed over
  yet to RQ, under a job id made from the message id, and notes `relayed_at`. While Redis is down the rows
  simply wait.
- `recheck()` looks for the RQ job of each row handed over but not reported (EXISTS, in batches). A job can
  vanish only with Redis's data (a restart without persistence, a failover, a flush); a row whose job has been
  gone for MAIL_REHAND_SECONDS is handed over again. The wait lets a send that was running when Redis lost
  its data finish and report first (a send takes at most `mailqueue.JOB_TIMEOUT`), so that it is not sent
  twice; a queue that loses nothing never gets a copy. A job in RQ's failed registry still exists: it waits
  there for `shop-mailer retry-failed`, and is not handed over again (until RQ forgets it, 30 days on).
- A row handed over twice (the relay stopped between the hand-over and its commit, or a copy re-handed) is
  harmless: the mailer sends each message id once (see `mailer.jobs`).
- `prune()` deletes reported rows after `KEEP_DAYS`; a row not reported is never pruned.

A message is `{"id", "template", "to", "context"}`, and `language` and `secret` when they are given: `id` is
unique in the whole shop (`<service>:<key>`: the mailer reports to `<service>`), `to` is
`{"email": ..., "name": ...}` or `{"user_id": ...}` (the mailer asks the users service for the address when it
sends), `context` is what the template shows, `language` the language to write it in (else the account's, for
a `user_id`), `secret` the keys of `context` that must not outlive the debt (the token of an emailed link):
`report()` removes them from the row once the message is `sent` or `dropped`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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

from shop_common.config import Setting, as_list, positive_float
from shop_common.db import end_read, unit_of_work
from shop_common.mailqueue import JOB_TIMEOUT, QUEUE_SETTING, enqueue, jobs_exist, queue_connection
from shop_common.redis import REDIS_DOWN

log = logging.getLogger(__name__)

#: what the mailer may report of a message; each ends the debt (`failed` can still turn `sent`, when an
#: operator retries the job once the cause is fixed)
SENT, DROPPED, FAILED = "sent", "dropped", "failed"
OUTCOMES = (SENT, DROPPED, FAILED)

def _seconds(raw: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in as_list(raw))
    if not values or any(v < 0 for v in values):
        raise ValueError(f"expected comma-separated seconds, got {raw!r}")
    return values


SETTINGS = (
    Setting("MAIL_RETRY_SECONDS", "waits between a failing email's retries; its length is the number of retries",
            "10,30,60,300,900,1800,3600", cast=_seconds),
    QUEUE_SETTING,
    Setting("MAIL_REHAND_SECONDS", "seconds an email's queue job must stay gone from Redis (Redis lost its data) "
            f"before the outbox hands the email over again; longer than a send may take ({JOB_TIMEOUT} s)",
            str(JOB_TIMEOUT + 30), cast=positive_float),
)


def outbox_model(db: SQLAlchemy) -> type:
    """The `outbox` table of a service's database (its migrations create it, then `add_outcomes`)."""

    class Outbox(db.Model):
        __tablename__ = "outbox"

        id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
        key: Mapped[str] = mapped_column(String(200), unique=True)
        message: Mapped[dict[str, Any]] = mapped_column(JSONB)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
        #: when it was last handed to the mail queue (NULL: to be handed over)
        relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
        attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
        last_error: Mapped[str | None] = mapped_column(Text)
        #: when `recheck` first found its queue job gone from Redis
        lost_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
        #: what the mailer reported (NULL: still owed) and when
        outcome: Mapped[str | None] = mapped_column(String(20))
        done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

        __table_args__ = (
            Index("ix_outbox_unrelayed", "id", postgresql_where=text("relayed_at IS NULL")),
            Index("ix_outbox_in_flight", "id", postgresql_where=text(IN_FLIGHT)),
            CheckConstraint(KNOWN_OUTCOME, name="known_outcome"),
        )

    db.shop_outbox = Outbox
    return Outbox


IN_FLIGHT = "relayed_at IS NOT NULL AND outcome IS NULL"
KNOWN_OUTCOME = f"outcome IN {OUTCOMES}"


def add_outcomes(op: Any) -> None:
    """The migration step (of every service with an outbox) that keeps a row until the mailer reports it:
    `op` is Alembic's. Rows relayed before it count as sent (the old outbox forgot them once relayed)."""
    import sqlalchemy as sa

    op.add_column("outbox", sa.Column("lost_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("outcome", sa.String(length=20), nullable=True))
    op.add_column("outbox", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_outbox_known_outcome"), "outbox", KNOWN_OUTCOME)
    op.execute(sa.text("UPDATE outbox SET outcome = :sent, done_at = relayed_at WHERE relayed_at IS NOT NULL")
               .bindparams(sent=SENT))
    op.create_index("ix_outbox_in_flight", "outbox", ["id"], postgresql_where=sa.text(IN_FLIGHT))


def drop_outcomes(op: Any) -> None:
    """`add_outcomes` undone (an unreported row then looks relayed, as the old outbox had it)."""
    op.drop_index("ix_outbox_in_flight", table_name="outbox")
    op.drop_constraint(op.f("ck_outbox_known_outcome"), "outbox", type_="check")
    for column in ("done_at", "outcome", "lost_at"):
        op.drop_column("outbox", column)


def _model(db: SQLAlchemy) -> type:
    return db.shop_outbox


def owe(db: SQLAlchemy, key: str, template: str, to: dict[str, Any], context: dict[str, Any], *,
        language: str | None = None, secret: Iterable[str] = ()) -> None:
    """Record an email in the current transaction (not committed). `key` is unique in the service: a
    second `owe` with it (a repeated step) records nothing. `language` is the one to write it in (None: the
    mailer's rule picks one); `secret` names the keys of `context` the row keeps only while it is owed."""
    service = current_app.name
    message = {"id": f"{service}:{key}", "template": template, "to": to, "context": context}
    if language is not None:
        message["language"] = language
    if secret := sorted(set(secret)):
        message["secret"] = secret
    outbox = _model(db)
    db.session.execute(insert(outbox).values(key=key, message=message).on_conflict_do_nothing(index_elements=["key"]))
    db.session.info["shop_outbox_owed"] = True


#: reported rows are kept this long (to answer "was it sent?"), then pruned; RQ keeps a failed job as long
KEEP_DAYS = 30


def init_outbox(app: Flask, db: SQLAlchemy, every: float = 5.0, recheck_every: float = 10.0) -> None:
    """Serve `/internal/outbox/` (the mailer's reports) and run the outbox in the background: the relay every
    `every` seconds, and at once after a commit that owes mail or a recheck that hands mail over again; the
    recheck every `recheck_every` seconds; the prune of rows reported more than `KEEP_DAYS` ago, hourly."""
    from shop_common.outbox_api import blp

    app.extensions["shop_api"].register_blueprint(blp)
    keeper = app.extensions["shop_housekeeping"]
    keeper.add("outbox relay", lambda: relay(db), every, wakeable=True)
    keeper.add("outbox recheck", lambda: recheck(db) and keeper.wake(), recheck_every)
    keeper.add("outbox prune", lambda: prune(db), 3600.0)

    @event.listens_for(db.session, "after_commit")
    def _owed(session) -> None:
        if session.info.pop("shop_outbox_owed", False):
            keeper.wake()

    @event.listens_for(db.session, "after_rollback")
    def _not_owed(session) -> None:
        session.info.pop("shop_outbox_owed", None)


def _queue() -> Any:
    """This process's Redis client for the mail queue (RQ's: bytes)."""
    connection = current_app.extensions.get("shop_queue")
    if connection is None:
        settings = current_app.config["SHOP"]
        connection = current_app.extensions["shop_queue"] = queue_connection(settings["REDIS_URL"],
                                                                             settings["REDIS_TIMEOUT"])
    return connection


def relay(db: SQLAlchemy, limit: int = 200) -> int:
    """Hand the rows not handed over yet (nor reported) to the mail queue (committed); how many were handed over.

    Rows are taken with SKIP LOCKED, so several processes relaying at once share the work.
    """
    settings = current_app.config["SHOP"]
    outbox = _model(db)
    with unit_of_work(db):
        rows = db.session.scalars(select(outbox).where(outbox.relayed_at.is_(None), outbox.outcome.is_(None))
                                  .order_by(outbox.id).limit(limit).with_for_update(skip_locked=True)).all()
        if not rows:
            return 0
        connection = _queue()
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
            db.session.execute(update(outbox).where(outbox.id.in_(handed)).values(relayed_at=func.now(), lost_at=None))
        if error:
            waiting = [row.id for row in rows if row.id not in set(handed)]
            db.session.execute(update(outbox).where(outbox.id.in_(waiting))
                               .values(attempts=outbox.attempts + 1, last_error=error[:500]))
            log.warning("mail queue unavailable; %d email(s) wait in the outbox: %s", len(waiting), error)
    return len(handed)


def recheck(db: SQLAlchemy, batch: int = 500) -> int:
    """Find the rows handed over but not reported whose queue job Redis no longer holds (committed): note
    when each was first found gone, and give those gone for MAIL_REHAND_SECONDS back to the relay. Returns
    how many were given back. While Redis is down nothing can be known, and nothing changes."""
    grace = timedelta(seconds=current_app.config["SHOP"]["MAIL_REHAND_SECONDS"])
    outbox = _model(db)
    after, given_back = 0, 0
    while True:
        rows = db.session.execute(select(outbox.id, outbox.message["id"].astext.label("mail_id"), outbox.lost_at)
                                  .where(text(IN_FLIGHT), outbox.id > after).order_by(outbox.id).limit(batch)).all()
        end_read(db)  # no transaction held while Redis answers
        if not rows:
            break
        after = rows[-1].id
        try:
            present = jobs_exist(_queue(), [row.mail_id for row in rows])
        except REDIS_DOWN as exc:
            log.warning("mail queue unavailable; cannot recheck the emails handed over: %s: %s",
                        type(exc).__name__, exc)
            break
        gone = [row.id for row, there in zip(rows, present, strict=True) if not there]
        back = [row.id for row, there in zip(rows, present, strict=True) if there and row.lost_at is not None]
        if gone or back:
            given_back += _note_gone(db, gone, back, grace)
    return given_back


def _note_gone(db: SQLAlchemy, gone: list[int], back: list[int], grace: timedelta) -> int:
    outbox = _model(db)
    owed = outbox.outcome.is_(None)  # reported meanwhile: nothing more to do
    with unit_of_work(db):
        db.session.execute(update(outbox).where(outbox.id.in_(back)).values(lost_at=None))
        db.session.execute(update(outbox).where(outbox.id.in_(gone), owed, outbox.lost_at.is_(None))
                           .values(lost_at=func.now()))
        keys = db.session.scalars(update(outbox).where(outbox.id.in_(gone), owed, outbox.lost_at < func.now() - grace)
                                  .values(relayed_at=None, lost_at=None).returning(outbox.key)).all()
    if keys:
        log.warning("Redis lost the queue jobs of %d email(s); handing them over again: %s", len(keys),
                    ", ".join(keys[:20]) + (" ..." if len(keys) > 20 else ""))
    return len(keys)


def report(db: SQLAlchemy, key: str, outcome: str, error: str | None = None) -> Any | None:
    """Record what the mailer did with message `key` (committed); the row as it is now, None if there is none.

    The first `sent` or `dropped` stands (a copy reported later changes nothing); `failed` becomes `sent` or
    `dropped` when an operator's retry sends it, never the other way round. Once `sent` or `dropped`, the
    message's `secret` context keys are removed from the row (a `failed` one keeps them: a retry needs them).
    """
    outbox = _model(db)
    with unit_of_work(db):
        row = db.session.scalars(select(outbox).where(outbox.key == key).with_for_update()).one_or_none()
        if row is not None and row.outcome in (None, FAILED):
            row.outcome, row.done_at = outcome, func.now()
            if error:
                row.last_error = error[:500]
            if outcome != FAILED and row.message.get("secret"):
                row.message = _without_secrets(row.message)
    return row


def _without_secrets(message: dict[str, Any]) -> dict[str, Any]:
    # a new dict: the JSONB column is not tracked for changes inside it
    secret = set(message["secret"])
    return {**message, "context": {k: v for k, v in message.get("context", {}).items() if k not in secret}}


def lookup(db: SQLAlchemy, key: str) -> Any | None:
    """The row of message `key`, None if there is none."""
    outbox = _model(db)
    return db.session.scalars(select(outbox).where(outbox.key == key)).one_or_none()


def prune(db: SQLAlchemy, batch: int = 5000) -> int:
    """Delete rows reported more than `KEEP_DAYS` ago, a batch at a time (committed); how many."""
    outbox = _model(db)
    old = select(outbox.id).where(outbox.done_at < func.now() - timedelta(days=KEEP_DAYS)).limit(batch)
    with unit_of_work(db):
        gone = db.session.execute(delete(outbox).where(outbox.id.in_(old.scalar_subquery()))).rowcount
    return gone


def waiting(db: SQLAlchemy) -> int:
    """How many emails wait in the outbox for the mail queue (not handed over yet, nor reported)."""
    outbox = _model(db)
    return db.session.scalar(select(func.count()).select_from(outbox)
                             .where(outbox.relayed_at.is_(None), outbox.outcome.is_(None)))


def unsent(db: SQLAlchemy) -> int:
    """How many emails are owed and not sent: waiting for the queue, on it, or being sent (no outcome reported)."""
    outbox = _model(db)
    return db.session.scalar(select(func.count()).select_from(outbox).where(outbox.outcome.is_(None)))
