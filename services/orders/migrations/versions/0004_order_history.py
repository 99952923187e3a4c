"""order history (every status an order has had, by whom), and the indexes of the staff's list of orders

Existing orders get their creation (`pending`, by the customer, at `created_at`) and, when they have moved
on, their current status at `updated_at`. Who made that move was not recorded before: the backfill names
the only one who could have (`confirmed`: the checkout, `system`; `shipped`, `delivered`: `staff`) and, for
a cancel (which the customer, staff or the checkout could have made), the customer.

The answers checkouts keep for their Idempotency-Key are orders as they were answered: those gain the
fields an order has now (`user_id`, `history`, `next_statuses`), as of the answer, so a repeat still
answers what the document describes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: orders.models.MOVES as of this revision (a migration does not follow the code that comes after it)
MOVES = {"pending": ["cancelled"], "confirmed": ["shipped", "cancelled"], "shipped": ["delivered"],
         "delivered": [], "cancelled": []}
ADDED = ("user_id", "history", "next_statuses")


def upgrade():
    op.create_table('order_history',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('by', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("by IN ('customer', 'staff', 'system')", name=op.f('ck_order_history_known_actor')),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'shipped', 'delivered', 'cancelled')",
                       name=op.f('ck_order_history_known_status')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_history_order_id_orders'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_history'))
    )
    op.create_index('ix_order_history_order_id_id', 'order_history', ['order_id', 'id'], unique=False)
    op.create_index('ix_orders_created_at_id', 'orders', ['created_at', 'id'], unique=False)
    op.create_index('ix_orders_total_price_id', 'orders', ['total_price', 'id'], unique=False)
    op.create_index('ix_orders_status_created_at', 'orders', ['status', 'created_at'], unique=False)
    op.create_index('ix_orders_user_id_created_at', 'orders', ['user_id', 'created_at'], unique=False)

    op.execute("INSERT INTO order_history (order_id, status, by, at) "
               "SELECT id, 'pending', 'customer', created_at FROM orders ORDER BY id")
    op.execute("INSERT INTO order_history (order_id, status, by, at) "
               "SELECT id, status, CASE status WHEN 'confirmed' THEN 'system' WHEN 'cancelled' THEN 'customer' "
               "ELSE 'staff' END, updated_at FROM orders WHERE status <> 'pending' ORDER BY id")

    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT id, user_id, response_body::text FROM checkouts "
                                      "WHERE response_status = 201")).all()
    for checkout_id, user_id, text in kept:
        order = json.loads(text)
        if "history" in order:
            continue
        answered = {}
        for key, value in order.items():  # in the order of OrderSchema's fields
            answered[key] = value
            if key == "number":
                answered["user_id"] = user_id
        answered["history"] = [{"status": "pending", "at": order["created_at"], "by": "customer"}]
        if order["status"] != "pending":  # what the checkout itself did: confirmed, or cancelled as stock was lost
            answered["history"].append({"status": order["status"], "at": order["updated_at"], "by": "system"})
        answered["next_statuses"] = MOVES[order["status"]]
        connection.execute(sa.text("UPDATE checkouts SET response_body = CAST(:body AS json) WHERE id = :id"),
                           {"body": json.dumps(answered), "id": checkout_id})


def downgrade():
    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT id, response_body::text FROM checkouts "
                                      "WHERE response_status = 201")).all()
    for checkout_id, text in kept:
        order = {key: value for key, value in json.loads(text).items() if key not in ADDED}
        connection.execute(sa.text("UPDATE checkouts SET response_body = CAST(:body AS json) WHERE id = :id"),
                           {"body": json.dumps(order), "id": checkout_id})
    op.drop_index('ix_orders_user_id_created_at', table_name='orders')
    op.drop_index('ix_orders_status_created_at', table_name='orders')
    op.drop_index('ix_orders_total_price_id', table_name='orders')
    op.drop_index('ix_orders_created_at_id', table_name='orders')
    op.drop_index('ix_order_history_order_id_id', table_name='order_history')
    op.drop_table('order_history')
