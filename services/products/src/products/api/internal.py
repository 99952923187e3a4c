"""`/internal/`: stock for the cart and orders services. Never routed by the gateway; every call needs the
service credential."""

from flask.views import MethodView

from products import stock
from products.schemas import ReservationSchema, ReserveSchema, StockQuerySchema, StockSchema
from shop_common.api import Blueprint, json_text
from shop_common.cache import encode
from shop_common.internal import service_only
from shop_common.language import localized

_STOCK = StockSchema()
blp = Blueprint("internal", __name__, url_prefix="/internal", description="Stock, for other services only.")
blp.after_request(localized)  # names and labels in the language of the caller's Accept-Language


@blp.route("/stock/")
class Stock(MethodView):
    @service_only(blp)
    @blp.arguments(StockQuerySchema)
    @blp.response(200, StockSchema)
    def post(self, query):
        """The named variants and every variant of the named products, with their stock (unknown ids are
        left out), names and labels in the language Accept-Language asks for. A read: safe to retry."""
        variants = stock.availability(query["variant_ids"], query["product_ids"])
        return json_text(encode(_STOCK.dump({"variants": variants})))


@blp.route("/reservations/")
class Reservations(MethodView):
    @service_only(blp)
    @blp.arguments(ReserveSchema)
    @blp.response(201, ReservationSchema)
    @blp.alt_response(200, schema=ReservationSchema, description="this key had reserved these lines already")
    @blp.alt_response(404, response="NOT_FOUND", description="variant_not_found")
    @blp.alt_response(409, response="CONFLICT", description="insufficient_stock (with `lines`) or "
                                                            "reservation_released")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field missing or malformed; "
                                                                         "idempotency_key_reused: other lines")
    def post(self, data):
        """Reserve every line for `ttl_seconds`, or none; idempotent per key."""
        reservation, created = stock.reserve(data["key"], data["lines"], data["ttl_seconds"])
        return reservation, 201 if created else 200


@blp.route("/reservations/<key>/")
class Reservation(MethodView):
    @service_only(blp)
    @blp.response(200, ReservationSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="reservation_not_found")
    def get(self, key):
        """A reservation and its state."""
        return stock.get(key)


@blp.route("/reservations/<key>/confirm/")
class Confirm(MethodView):
    @service_only(blp)
    @blp.response(200, ReservationSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="reservation_not_found")
    @blp.alt_response(409, response="CONFLICT", description="reservation_released")
    def post(self, key):
        """Keep the reserved stock for good; idempotent."""
        return stock.confirm(key)


@blp.route("/reservations/<key>/release/")
class Release(MethodView):
    @service_only(blp)
    @blp.response(200, ReservationSchema)
    def post(self, key):
        """Give the stock back; idempotent, and an unknown key is remembered as released."""
        return stock.release(key)
