"""`/api/payments/`: which methods the shop offers, and the provider's webhook (public, through the gateway)."""

import logging

from flask import request
from flask.views import MethodView

from payments import providers, service
from payments.schemas import MethodsSchema, ReceivedSchema
from shop_common.api import Blueprint
from shop_common.errors import Problem

log = logging.getLogger(__name__)
blp = Blueprint("payments", __name__, url_prefix="/api/payments",
                description="The payment methods the shop offers, and the payment provider's webhook.")


@blp.route("/methods/")
class Methods(MethodView):
    @blp.response(200, MethodsSchema)
    def get(self):
        """The ways to pay: on delivery always, and `card` when a provider takes cards (`provider`: which)."""
        provider = providers.provider()
        return {"methods": ["cash_on_delivery", *(["card"] if provider else [])],
                "provider": provider.name if provider else None}


@blp.route("/webhooks/<string(maxlength=40):provider>/")
class Webhook(MethodView):
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(400, response="BAD_REQUEST", description="invalid_signature: the Stripe-Signature is missing, "
                                                               "wrong or older than 300 s; malformed_event. Nothing "
                                                               "changed")
    @blp.alt_response(404, response="NOT_FOUND", description="provider_not_configured: the shop takes no payments "
                                                             "from this provider")
    def post(self, provider):
        """An event of the payment provider, signed as Stripe signs (`Stripe-Signature`). Each event id is handled
        once: a duplicate is 200 and changes nothing, as is an event for an unknown session, for a payment settled
        another way, or whose amount or currency differ from the payment's (logged)."""
        configured = providers.provider()
        if configured is None or configured.name != provider:
            raise Problem(404, "provider_not_configured", f"The shop takes no payments through {provider}.")
        payload = request.get_data(cache=False)
        try:
            event = configured.verify(payload, request.headers.get("Stripe-Signature"))
        except providers.BadSignature as exc:
            log.warning("webhook %s: refused: %s", provider, exc)
            raise Problem(400, "invalid_signature", "The Stripe-Signature header does not verify this body.") from None
        except ValueError:
            raise Problem(400, "malformed_event", "The signed body is not a JSON event.") from None
        try:
            service.handle_event(provider, event)
        except service.MalformedEvent as exc:
            raise Problem(400, "malformed_event", str(exc)) from None
        return {"received": True}
