"""`/api/order/`: the caller's orders (CONTRACT.md), and the staff's list of every order and status moves.

Orders are what OrderSchema dumps (`service.render`), once: the views send that output as it is, as the
checkout sends the answer it kept."""

from flask import Response, json
from flask.views import MethodView

from orders import checkout, service
from orders.schemas import AllOrdersQuerySchema, CreateSchema, OrderPageSchema, OrderSchema, StatusSchema
from shop_common.api import REVOCATIONS_UNAVAILABLE, Blueprint, json_text
from shop_common.auth import authenticated, current_user_id, is_staff
from shop_common.cache import encode
from shop_common.errors import PROBLEM_JSON
from shop_common.pagination import PageQuerySchema, envelope
from shop_common.schemas import IdempotencyHeaderSchema

blp = Blueprint("orders", __name__, url_prefix="/api/order",
                description="The caller's orders; for staff, every order and its status moves.")
UNAVAILABLE = ("cart_unavailable, products_unavailable or payments_unavailable (a card order, while payments or its "
               "provider cannot be reached): nothing was reserved, stored or taken from the cart; "
               "database_unavailable: send it again with the same Idempotency-Key (its detail says when the order "
               f"is placed already: the repeat answers it); {REVOCATIONS_UNAVAILABLE}. Each with Retry-After")


def _owner() -> int | None:
    """Whose orders the caller may see: their own, or (staff) anyone's."""
    return None if is_staff() else current_user_id()


@blp.route("/create/")
class Create(MethodView):
    @authenticated(blp)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(CreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(409, response="CONFLICT", description="cart_empty; insufficient_stock (with `lines`); "
                                                            "idempotency_key_in_use or checkout_in_progress "
                                                            "(with Retry-After)")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a shipping field missing or malformed; "
                                                                         "idempotency_key_reused; "
                                                                         "payment_method_unavailable: the shop "
                                                                         "takes no cards")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description=UNAVAILABLE)
    def post(self, data, idempotency_key=None):
        """Order what is in the cart. Send an `Idempotency-Key`: a repeat answers the first result again.

        Paid on delivery, the order is confirmed at once. By card, it is `awaiting_payment` (its stock held)
        and `payment.redirect_url` is the provider's page to pay on; the provider's webhook, not the shopper's
        return, confirms it (or cancels it when the payment fails or expires)."""
        answer = checkout.checkout(current_user_id(), data, idempotency_key)
        mimetype = PROBLEM_JSON if answer.status >= 400 else "application/json"
        response = Response(json.dumps(answer.body), status=answer.status, mimetype=mimetype)
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response


@blp.route("/list/")
class History(MethodView):
    @authenticated(blp)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, OrderPageSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="page_not_found: past the last page")
    def get(self, query):
        """The caller's orders, newest first."""
        count, orders = service.history(current_user_id(), query)
        return json_text(encode(envelope(query, count, orders)))


@blp.route("/all/")
class Every(MethodView):
    @authenticated(blp, staff=True)
    @blp.arguments(AllOrdersQuerySchema, location="query")
    @blp.response(200, OrderPageSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="page_not_found: past the last page")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="validation_error: a parameter is "
                                                                         "malformed (`errors` names it): an unknown "
                                                                         "status or ordering, a number with other "
                                                                         "than digits, dashes and spaces, a date "
                                                                         "that does not exist, created_after later "
                                                                         "than created_before, page or page_size "
                                                                         "out of range")
    def get(self, query):
        """Staff: every customer's orders, newest first unless `ordering` says otherwise.

        The filters combine: an order is listed when it matches every one given."""
        count, orders = service.every_order(query)
        return json_text(encode(envelope(query, count, orders)))


@blp.route("/<id:order_id>/")
class Detail(MethodView):
    @authenticated(blp)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="order_not_found (also another user's order)")
    def get(self, order_id):
        """One of the caller's orders (staff: any order)."""
        return json_text(encode(service.get(order_id, _owner())))


@blp.route("/<id:order_id>/cancel/")
class Cancel(MethodView):
    @authenticated(blp)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="order_not_found (also another user's order)")
    @blp.alt_response(409, response="CONFLICT", description="not_cancellable: shipped or delivered")
    def post(self, order_id):
        """Cancel an order not shipped yet (staff: any order); its stock goes back on sale, an open card payment
        is closed and a paid one refunded. Cancelling again changes nothing."""
        return json_text(encode(service.cancel(order_id, _owner())))


@blp.route("/<id:order_id>/status/")
class Status(MethodView):
    @authenticated(blp, staff=True)
    @blp.arguments(StatusSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="order_not_found")
    @blp.alt_response(409, response="CONFLICT", description="invalid_status_move")
    def post(self, data, order_id):
        """Staff: move an order to one of its `next_statuses` (confirmed -> shipped -> delivered, or cancelled;
        pending -> confirmed is the checkout's own, once the stock is confirmed); the customer gets an email for
        each move. Its status as it is changes nothing."""
        return json_text(encode(service.move(order_id, data["status"])))
