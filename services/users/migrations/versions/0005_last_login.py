"""accounts learn when they last logged in; staff lists are ordered by when accounts joined

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

`users.last_login` is set by each login (a refresh is not a login); accounts that logged in before this
migration have none until their next login. `ix_users_date_joined` serves the staff's list of accounts,
newest first by default, a page at a time.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("last_login", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_users_date_joined", "users", ["date_joined", "id"])


def downgrade():
    op.drop_index("ix_users_date_joined", table_name="users")
    op.drop_column("users", "last_login")
