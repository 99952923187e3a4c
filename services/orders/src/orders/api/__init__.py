from orders.api.internal import blp as internal_blp
from orders.api.orders import blp as orders_blp

BLUEPRINTS = (orders_blp, internal_blp)
