"""`/api/users/addresses/`: the caller's address book."""

from flask.views import MethodView

from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id
from shop_common.schemas import SHIPPING_EXAMPLE
from users import addresses
from users.address_schemas import AddressChangeSchema, AddressInSchema, AddressSchema

blp = Blueprint("addresses", __name__, url_prefix="/api/users/addresses",
                description="The caller's saved shipping addresses.")

NOT_FOUND = "address_not_found (another account's address too); user_not_found: the caller's account is gone"


@blp.route("/")
class Addresses(MethodView):
    @authenticated(blp)
    @blp.response(200, AddressSchema(many=True))
    def get(self):
        """The caller's addresses: the default first, then the newest first."""
        return addresses.list_addresses(current_user_id())

    @authenticated(blp)
    @blp.arguments(AddressInSchema, example={**SHIPPING_EXAMPLE, "is_default": True})
    @blp.response(201, AddressSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="user_not_found: the caller's account is gone")
    @blp.alt_response(409, response="CONFLICT", description="address_limit: the account keeps as many as it may")
    def post(self, data):
        """Save an address; the account's first one is its default."""
        return addresses.create(current_user_id(), data)


@blp.route("/<id:address_id>/")
class Address(MethodView):
    @authenticated(blp)
    @blp.arguments(AddressChangeSchema(partial=True), example={"is_default": True})
    @blp.response(200, AddressSchema)
    @blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field malformed; `is_default` false "
                                                                         "on the default address")
    def patch(self, changes, address_id):
        """Change some of an address's fields, or make it the default."""
        return addresses.update_address(current_user_id(), address_id, changes)

    @authenticated(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)
    def delete(self, address_id):
        """Delete an address; if it was the default, the most recently updated one left becomes the default."""
        addresses.delete(current_user_id(), address_id)
