"""orders paid by card: the `awaiting_payment` status, and each order's payment

Orders placed before this revision were all to be paid on delivery: their payment is `due_on_delivery`, or
`paid` at their delivery for those delivered.

The answers checkouts keep for their Idempotency-Key gain the order's `payment` as of the answer (due on
delivery), so a repeat still answers what the document describes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_STATUSES = "('pending', 'confirmed', 'shipped', 'delivered', 'cancelled')"
NEW_STATUSES = "('pending', 'awaiting_payment', 'confirmed', 'shipped', 'delivered', 'cancelled')"


def upgrade():
    for table in ("orders", "order_history"):
        op.drop_constraint(op.f(f"ck_{table}_known_status"), table, type_="check")
        op.alter_column(table, "status", type_=sa.String(length=20), existing_nullable=False)
        op.create_check_constraint(op.f(f"ck_{table}_known_status"), table, f"status IN {NEW_STATUSES}")
    op.add_column('orders', sa.Column('payment_method', sa.String(length=20), server_default='cash_on_delivery',
                                      nullable=False))
    op.add_column('orders', sa.Column('payment_status', sa.String(length=20), server_default='due_on_delivery',
                                      nullable=False))
    op.add_column('orders', sa.Column('payment_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('orders', sa.Column('payment_url', sa.Text(), nullable=True))
    op.add_column('orders', sa.Column('payment_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('refund', sa.dialects.postgresql.JSONB(), nullable=True))
    op.add_column('orders', sa.Column('payment_settled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_orders_known_payment_method"), "orders",
                               "payment_method IN ('cash_on_delivery', 'card')")
    op.create_check_constraint(op.f("ck_orders_known_payment_status"), "orders",
                               "payment_status IN ('due_on_delivery', 'requires_action', 'paid', 'failed', "
                               "'expired', 'refunded')")
    op.create_index('ix_orders_payment_owed', 'orders', ['id'], unique=False, postgresql_where=sa.text(
        "status = 'cancelled' AND payment_method = 'card' AND payment_settled_at IS NULL"))
    op.execute("UPDATE orders SET payment_status = 'paid', paid_at = (SELECT max(at) FROM order_history "
               "WHERE order_history.order_id = orders.id AND order_history.status = 'delivered') "
               "WHERE status = 'delivered'")

    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT id, response_body::text FROM checkouts "
                                      "WHERE response_status = 201")).all()
    for checkout_id, text in kept:
        order = json.loads(text)
        if "payment" in order:
            continue
        answered = {}
        for key, value in order.items():  # in the order of OrderSchema's fields
            answered[key] = value
            if key == "comment":
                answered["payment"] = {
                    "method": "cash_on_delivery", "status": "due_on_delivery", "amount": order["total_price"],
                    "currency": order["currency"], "redirect_url": None, "expires_at": None, "paid_at": None,
                    "refunded_at": None, "refund": None}
        connection.execute(sa.text("UPDATE checkouts SET response_body = CAST(:body AS json) WHERE id = :id"),
                           {"body": json.dumps(answered), "id": checkout_id})


def downgrade():
    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT id, response_body::text FROM checkouts "
                                      "WHERE response_status = 201")).all()
    for checkout_id, text in kept:
        order = {key: value for key, value in json.loads(text).items() if key != "payment"}
        connection.execute(sa.text("UPDATE checkouts SET response_body = CAST(:body AS json) WHERE id = :id"),
                           {"body": json.dumps(order), "id": checkout_id})
    # a card order has no place in the revision before: it is cancelled, as its payment cannot be followed
    op.execute("UPDATE orders SET status = 'cancelled' WHERE status = 'awaiting_payment'")
    op.execute("UPDATE order_history SET status = 'cancelled' WHERE status = 'awaiting_payment'")
    op.drop_index('ix_orders_payment_owed', table_name='orders')
    op.drop_constraint(op.f("ck_orders_known_payment_status"), "orders", type_="check")
    op.drop_constraint(op.f("ck_orders_known_payment_method"), "orders", type_="check")
    for column in ('payment_settled_at', 'refund', 'refunded_at', 'paid_at', 'payment_expires_at', 'payment_url',
                   'payment_version', 'payment_status', 'payment_method'):
        op.drop_column('orders', column)
    for table in ("orders", "order_history"):
        op.drop_constraint(op.f(f"ck_{table}_known_status"), table, type_="check")
        op.alter_column(table, "status", type_=sa.String(length=10), existing_nullable=False)
        op.create_check_constraint(op.f(f"ck_{table}_known_status"), table, f"status IN {OLD_STATUSES}")
