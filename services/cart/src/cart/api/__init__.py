from cart.api.cart import blp as cart_blp
from cart.api.internal import blp as internal_blp

BLUEPRINTS = (cart_blp, internal_blp)
