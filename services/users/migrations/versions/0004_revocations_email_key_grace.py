"""revocations kept in Postgres, emails compared case-folded, the refresh grace

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

`revocations` is the record Redis' copy of revoked tokens and sessions is restored from. `users.email_key`
is the email as compared (NFKC, case-folded: see `users.schemas.email_key`), computed in Python because
Postgres' lower() does not fold "ß"; it replaces the unique index on lower(email). Accounts that lower()
kept apart but folding makes one ("straße@x" and "STRASSE@x") are all kept: the oldest has the key, each
later one a key no address can have (`duplicate <id>: <key>`, an address has no space), and a warning
names them; they still log in by username. `refresh_tokens` learn which token replaced them and the
answer a repeat within the grace gets.
"""
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _key(email: str) -> str:
    # users.schemas.email_key as it is today: a migration does not follow later changes of the code
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def _backfill() -> None:
    users = sa.table("users", sa.column("id", sa.BigInteger), sa.column("email", sa.String),
                     sa.column("email_key", sa.Text))
    connection = op.get_bind()
    taken: dict[str, int] = {}
    for user_id, email in connection.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)):
        key = _key(email)
        if key in taken:
            log.warning("users %s and %s have one email once case-folded; %s keeps it, %s logs in by username",
                        taken[key], user_id, taken[key], user_id)
            key = f"duplicate {user_id}: {key}"
        else:
            taken[key] = user_id
        connection.execute(users.update().where(users.c.id == user_id).values(email_key=key))


def upgrade():
    op.create_table(
        "revocations",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Uuid(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_revocations")),
    )
    op.create_index(op.f("ix_revocations_until"), "revocations", ["until"])

    op.add_column("users", sa.Column("email_key", sa.Text(), nullable=True))
    _backfill()
    op.alter_column("users", "email_key", nullable=False)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    op.drop_index("uq_users_email_lower", table_name="users")

    op.add_column("refresh_tokens", sa.Column("replaced_by", sa.Uuid(), nullable=True))
    op.add_column("refresh_tokens", sa.Column("grace_answer", sa.Text(), nullable=True))
    op.create_index("ix_refresh_tokens_grace", "refresh_tokens", ["used_at"],
                    postgresql_where=sa.text("grace_answer IS NOT NULL"))


def downgrade():
    op.drop_index("ix_refresh_tokens_grace", table_name="refresh_tokens")
    op.drop_column("refresh_tokens", "grace_answer")
    op.drop_column("refresh_tokens", "replaced_by")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_column("users", "email_key")
    op.drop_table("revocations")
