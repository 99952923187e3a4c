"""`/internal/carts/`: what the orders service needs. Orders passes the user id from the shopper's token,
which it verified itself; the shopper's token never reaches this endpoint."""

from flask.views import MethodView

from cart import service
from cart.schemas import RemoveSchema, StoredCartSchema
from shop_common.api import Blueprint
from shop_common.internal import service_only

blp = Blueprint("internal", __name__, url_prefix="/internal/carts", description="Carts, for the orders service.")


@blp.route("/<id:user_id>/")
class StoredCart(MethodView):
    @service_only(blp)
    @blp.response(200, StoredCartSchema)
    def get(self, user_id):
        """The user's lines as stored."""
        return {"items": service.stored(user_id)}


@blp.route("/<id:user_id>/remove/")
class RemoveOrdered(MethodView):
    @service_only(blp)
    @blp.arguments(RemoveSchema)
    @blp.response(200, StoredCartSchema)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field missing or malformed; "
                                                                         "idempotency_key_reused: other lines")
    def post(self, data, user_id):
        """Take an order's lines out (the quantities ordered, not lines added since), once per key."""
        return {"items": service.remove_ordered(user_id, data["key"], data["lines"])}
