"""`/internal/orders/`: what the payments service tells orders. Never routed by the gateway."""

from flask.views import MethodView

from orders import service
from orders.schemas import AppliedSchema, PaymentStateSchema
from shop_common.api import Blueprint
from shop_common.errors import Problem
from shop_common.internal import service_only

blp = Blueprint("internal", __name__, url_prefix="/internal/orders", description="Orders, for the payments service.")


@blp.route("/<id:order_id>/payment/")
class Payment(MethodView):
    @service_only(blp)
    @blp.arguments(PaymentStateSchema)
    @blp.response(200, AppliedSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="order_not_found: no such order (a payment made "
                                                             "for it belongs to no order)")
    @blp.alt_response(409, response="CONFLICT", description="payment_mismatch: another amount or currency than "
                                                            "the order's, or an order paid on delivery")
    def post(self, data, order_id):
        """The payment of a card order as it now is (sent after every change, and again until answered): a
        state no newer than the order holds changes nothing."""
        if data["order_id"] != order_id:
            raise Problem(422, "validation_error", "The state is of another order than the path's.",
                          errors={"json": {"order_id": [f"Must be {order_id}, the order of the path."]}})
        return service.apply_payment(order_id, data)
