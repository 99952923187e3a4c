"""`/api/cart/`: the caller's own cart."""

from flask.views import MethodView

from cart import service
from cart.schemas import AddSchema, CartSchema, UpdateSchema
from shop_common.api import REVOCATIONS_UNAVAILABLE, Blueprint
from shop_common.auth import authenticated, current_user_id
from shop_common.language import localized
from shop_common.schemas import IdempotencyHeaderSchema

blp = Blueprint("cart", __name__, url_prefix="/api/cart",
                description="The shopper's cart; its lines' names in the language Accept-Language asks for.")
blp.after_request(localized)  # the lines' names and labels are the products service's, in the asked language
UNAVAILABLE = ("products_unavailable: stock could not be checked, nothing changed; database_unavailable: the change "
               "may have been made, and sending it again is safe (an add with the same Idempotency-Key, an update "
               f"as it sets a quantity); {REVOCATIONS_UNAVAILABLE}. Each with Retry-After")


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
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(AddSchema)
    @blp.response(201, CartSchema, description="a new line was made")
    @blp.alt_response(200, schema=CartSchema, description="the variant's line grew")
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.alt_response(409, response="CONFLICT", description="insufficient_stock, saying how many are left")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field missing or malformed; "
                                                                         "idempotency_key_reused")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=UNAVAILABLE)
    def post(self, data, idempotency_key=None):
        """Add a variant (a product's only one when `variant_id` is left out). Send an `Idempotency-Key`: the
        same add sent again (after a lost answer, or a 503 that came after the add was made) adds nothing
        twice, and answers as the first did with `Idempotent-Replayed: true`."""
        user = current_user_id()
        created, repeated = service.add(user, data["product_id"], data.get("variant_id"), data["quantity"],
                                        idempotency_key)
        return service.view(user), 201 if created else 200, {"Idempotent-Replayed": "true"} if repeated else {}


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
