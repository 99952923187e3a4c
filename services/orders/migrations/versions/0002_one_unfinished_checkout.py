"""one unfinished checkout per user: `started` and `ordered` alike

A checkout is exclusive until its ordered lines have left the cart (`ordered` -> `done`), not only until its
order is stored: another checkout reading the cart in between would order the same lines again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("uq_checkouts_user_started", table_name="checkouts", postgresql_where=sa.text("state = 'started'"))
    op.create_index("uq_checkouts_user_unfinished", "checkouts", ["user_id"], unique=True,
                    postgresql_where=sa.text("state IN ('started', 'ordered')"))


def downgrade():
    op.drop_index("uq_checkouts_user_unfinished", table_name="checkouts",
                  postgresql_where=sa.text("state IN ('started', 'ordered')"))
    op.create_index("uq_checkouts_user_started", "checkouts", ["user_id"], unique=True,
                    postgresql_where=sa.text("state = 'started'"))
