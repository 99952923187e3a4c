"""payments, events, the sandbox's sessions and events

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_events_provider_event_id')
    )
    op.create_index('ix_events_received_at', 'events', ['received_at'], unique=False)
    op.create_table('payments',
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('session_id', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='opening', nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('redirect_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_intent', sa.String(length=255), nullable=True),
    sa.Column('charge_id', sa.String(length=255), nullable=True),
    sa.Column('refund_status', sa.String(length=10), nullable=True),
    sa.Column('refund_id', sa.String(length=255), nullable=True),
    sa.Column('refund_attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('refund_last_error', sa.Text(), nullable=True),
    sa.Column('refund_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refund_next_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('synced_version', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox', 'stripe')", name=op.f('ck_payments_known_provider')),
    sa.CheckConstraint("refund_status IN ('pending', 'failed', 'succeeded')", name=op.f('ck_payments_known_refund_status')),
    sa.CheckConstraint("status IN ('opening', 'requires_action', 'paid', 'failed', 'expired', 'refunded')", name=op.f('ck_payments_known_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_not_negative')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_payments')),
    sa.UniqueConstraint('provider', 'session_id', name='uq_payments_provider_session_id')
    )
    op.create_index('ix_payments_open_expires_at', 'payments', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'requires_action'"))
    op.create_index('ix_payments_opening', 'payments', ['created_at'], unique=False, postgresql_where=sa.text("status = 'opening'"))
    op.create_index('ix_payments_payment_intent', 'payments', ['provider', 'payment_intent'], unique=False, postgresql_where=sa.text('payment_intent IS NOT NULL'))
    op.create_index('ix_payments_refund_due', 'payments', ['refund_next_at'], unique=False, postgresql_where=sa.text("refund_status IN ('pending', 'failed') AND status = 'paid'"))
    op.create_index('ix_payments_unsynced', 'payments', ['order_id'], unique=False, postgresql_where=sa.text('synced_version < version'))
    op.create_table('sandbox_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_sandbox_events_event_id'))
    )
    op.create_index('ix_sandbox_events_undelivered', 'sandbox_events', ['next_attempt_at'], unique=False, postgresql_where=sa.text('delivered_at IS NULL'))
    op.create_table('sandbox_sessions',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('success_url', sa.Text(), nullable=False),
    sa.Column('cancel_url', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('payment_status', sa.String(length=10), server_default='unpaid', nullable=False),
    sa.Column('payment_intent', sa.String(length=80), nullable=True),
    sa.Column('charge_id', sa.String(length=80), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("payment_status IN ('unpaid', 'paid', 'declined')", name=op.f('ck_sandbox_sessions_known_payment_status')),
    sa.CheckConstraint("status IN ('open', 'complete', 'expired')", name=op.f('ck_sandbox_sessions_known_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_sessions')),
    sa.UniqueConstraint('order_id', name=op.f('uq_sandbox_sessions_order_id'))
    )
    op.create_index('ix_sandbox_sessions_open_expires_at', 'sandbox_sessions', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'open'"))


def downgrade():
    op.drop_index('ix_sandbox_sessions_open_expires_at', table_name='sandbox_sessions', postgresql_where=sa.text("status = 'open'"))
    op.drop_table('sandbox_sessions')
    op.drop_index('ix_sandbox_events_undelivered', table_name='sandbox_events', postgresql_where=sa.text('delivered_at IS NULL'))
    op.drop_table('sandbox_events')
    op.drop_index('ix_payments_unsynced', table_name='payments', postgresql_where=sa.text('synced_version < version'))
    op.drop_index('ix_payments_refund_due', table_name='payments', postgresql_where=sa.text("refund_status IN ('pending', 'failed') AND status = 'paid'"))
    op.drop_index('ix_payments_payment_intent', table_name='payments', postgresql_where=sa.text('payment_intent IS NOT NULL'))
    op.drop_index('ix_payments_opening', table_name='payments', postgresql_where=sa.text("status = 'opening'"))
    op.drop_index('ix_payments_open_expires_at', table_name='payments', postgresql_where=sa.text("status = 'requires_action'"))
    op.drop_table('payments')
    op.drop_index('ix_events_received_at', table_name='events')
    op.drop_table('events')
