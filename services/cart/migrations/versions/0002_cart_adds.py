"""cart adds with an Idempotency-Key

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cart_adds',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_cart_adds'))
    )
    op.create_index(op.f('ix_cart_adds_created_at'), 'cart_adds', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_cart_adds_created_at'), table_name='cart_adds')
    op.drop_table('cart_adds')
