"""`/api/cart/`: the caller's own cart."""

from flask.views import MethodView

from cart import service
from cart.schemas import AddSchema, CartSchema, UpdateSchema
from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id

blp = Blueprint("cart", __name__, url_prefix="/api/cart", description="The shopper's cart.")
UNAVAILABLE = "products_unavailable: stock could not be checked; nothing changed"


@blp.route("/")
class Cart(MethodView):
    @authenticated(blp)
    @blp.response(200, CartSchema)
    def get(self):
        """The cart, with current prices and stock (stored ones, marked `stale`, while products is down)."""
        return service.view(current_user_id())


@blp.route("/add/")
class Add(MethodView):
    @authenticated(blp)
    @blp.arguments(AddSchema)
    @blp.response(201, CartSchema, description="a new line was made")
    @blp.alt_response(200, schema=CartSchema, description="the variant's line grew")
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.alt_response(409, response="CONFLICT", description="insufficient_stock, saying how many are left")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=UNAVAILABLE)
    def post(self, data):
        """Add a variant (a product's only one when `variant_id` is left out)."""
        user = current_user_id()
        created = service.add(user, data["product_id"], data.get("variant_id"), data["quantity"])
        return service.view(user), 201 if created else 200


@blp.route("/update/<id:item_id>/")
class Update(MethodView):
    @authenticated(blp)
    @blp.arguments(UpdateSchema)
    @blp.response(200, CartSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="item_not_found (also another user's line)")
    @blp.alt_response(409, response="CONFLICT", description="insufficient_stock")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=UNAVAILABLE)
    def patch(self, data, item_id):
        """Set a line's quantity."""
        user = current_user_id()
        service.update_quantity(user, item_id, data["quantity"])
        return service.view(user)


@blp.route("/delete/<id:item_id>/")
class Delete(MethodView):
    @authenticated(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND", description="item_not_found (also another user's line)")
    def delete(self, item_id):
        """Take a line out."""
        service.remove_item(current_user_id(), item_id)


@blp.route("/clear/")
class Clear(MethodView):
    @authenticated(blp)
    @blp.response(204)
    def post(self):
        """Empty the cart."""
        service.clear(current_user_id())
