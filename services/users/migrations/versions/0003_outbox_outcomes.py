"""outbox: a row stays owed until the mailer reports the email sent, dropped or failed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op

from shop_common.outbox import add_outcomes, drop_outcomes

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    add_outcomes(op)


def downgrade():
    drop_outcomes(op)
