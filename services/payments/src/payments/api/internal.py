"""`/internal/payments/`: the orders service's calls (DESIGN.md, "orders <-> payments"). Every call is safe to
repeat; every refusal is problem+json."""

from flask import Response, json
from flask.views import MethodView

from payments import service
from payments.schemas import OpenSchema, PaymentStateSchema
from shop_common.api import Blueprint
from shop_common.internal import service_only

blp = Blueprint("internal", __name__, url_prefix="/internal/payments", description="Payments, for the orders service.")
PROVIDER_DOWN = ("provider_unavailable: the provider could not be asked (nothing is stored as open); "
                 "database_unavailable. Each with Retry-After")


def _answer(status: int, state: dict) -> Response:
    return Response(json.dumps(state), status=status, mimetype="application/json")


@blp.route("/")
class Open(MethodView):
    @service_only(blp)
    @blp.arguments(OpenSchema)
    @blp.response(201, PaymentStateSchema)
    @blp.alt_response(200, schema=PaymentStateSchema, description="the order's payment, opened before")
    @blp.alt_response(409, response="CONFLICT", description="payment_mismatch: the order has a payment of another "
                                                            "amount or currency; card_payments_disabled: no provider")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field missing or malformed")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=PROVIDER_DOWN)
    def post(self, data):
        """Open the order's card session at the provider (once per order: a repeat answers the same state)."""
        return _answer(*service.open_payment(data))


@blp.route("/<id:order_id>/")
class State(MethodView):
    @service_only(blp)
    @blp.response(200, PaymentStateSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="payment_not_found")
    def get(self, order_id):
        """The order's payment as it is now."""
        return _answer(200, service.get(order_id))


@blp.route("/<id:order_id>/cancel/")
class Cancel(MethodView):
    @service_only(blp)
    @blp.response(200, PaymentStateSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="payment_not_found (the caller treats it as done)")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=PROVIDER_DOWN)
    def post(self, order_id):
        """Close an open session at the provider (`expired`, or `paid` when the shopper paid first); a settled
        payment is left as it is."""
        return _answer(200, service.cancel(order_id))


@blp.route("/<id:order_id>/refund/")
class Refund(MethodView):
    @service_only(blp)
    @blp.response(202, PaymentStateSchema)
    @blp.alt_response(200, schema=PaymentStateSchema, description="refunded already")
    @blp.alt_response(404, response="NOT_FOUND", description="payment_not_found")
    @blp.alt_response(409, response="CONFLICT", description="not_paid (with `payment_status`)")
    def post(self, order_id):
        """Refund a paid payment (Idempotency-Key `refund-order-{order_id}` at the provider); payments retries a
        refund that fails, and its state's `refund` shows how it goes."""
        return _answer(*service.refund(order_id))
