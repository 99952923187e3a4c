from orders.api.orders import blp as orders_blp

BLUEPRINTS = (orders_blp,)
