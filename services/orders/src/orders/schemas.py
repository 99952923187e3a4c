"""What the orders API accepts and answers (CONTRACT.md: orders)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import marshmallow as ma
from marshmallow import validate

from orders.models import ACTORS, ORDERINGS, PAYMENT_METHODS, PAYMENT_STATUSES, REFUND_STATUSES, STATUSES
from shop_common.pagination import PageQuerySchema, page_schema
from shop_common.schemas import MONEY_PATTERN, SHIPPING_EXAMPLE, Int64, Money, Schema, ShippingSchema, Text


class CreateSchema(Schema):
    shipping = ma.fields.Nested(ShippingSchema, required=True, metadata={"example": SHIPPING_EXAMPLE})
    comment = Text(max_length=1000, load_default="")
    payment_method = ma.fields.String(validate=validate.OneOf(PAYMENT_METHODS), load_default="cash_on_delivery",
                                      metadata={"description": "`cash_on_delivery` (the default): the order is "
                                                "confirmed at once and paid to the courier; `card`: the order "
                                                "awaits its payment on the provider's page "
                                                "(`payment.redirect_url`), its stock held, until the provider "
                                                "says it is paid (confirmed) or failed or expired (cancelled)"})


class StatusSchema(Schema):
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))


# -- the staff's list of every order ---------------------------------------------------------------------------

#: an order number as a customer reads it out: its digits, with or without dashes or spaces between them
NUMBER = validate.Regexp(r"^[0-9 \-]*[0-9][0-9 \-]*$", error="Use the order number's digits, with or without "
                                                             "dashes or spaces.")
#: an ISO 8601 date (`2026-12-03`) or date and time (`2026-12-03T10:00:00Z`, `...T10:00+03:00`)
MOMENT_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                  r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+\-][0-9]{2}:[0-9]{2})?)?$")
_MOMENT, _DATE = re.compile(MOMENT_PATTERN), re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Statuses(ma.fields.List):
    """Order statuses: the parameter given several times, or its values comma-separated (`pending,confirmed`)."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.String(validate=validate.OneOf(STATUSES)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple):
            value = [part for item in value for part in (item.split(",") if isinstance(item, str) else [item])]
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(ma.fields.Field):
    """An ISO 8601 date or date and time, as an aware datetime (without an offset: UTC). A date is its day's
    first instant, or with `end_of_day` its last, so that both ends of a range of days are inclusive."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(metadata={"type": "string", "pattern": MOMENT_PATTERN, **kwargs.pop("metadata", {})},
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str) or not _MOMENT.fullmatch(value):
            raise ma.ValidationError("Use an ISO 8601 date (2026-12-03) or date and time (2026-12-03T10:00:00Z).")
        try:
            if _DATE.fullmatch(value):
                return datetime.combine(date.fromisoformat(value), time.max if self.end_of_day else time.min, UTC)
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ma.ValidationError("Not a date that exists.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AllOrdersQuerySchema(PageQuerySchema):
    status = Statuses(validate=validate.Length(min=1), metadata={
        "description": "any of these statuses: the parameter repeated, or the statuses comma-separated"})
    number = Text(max_length=40, strip=False, validate=[NUMBER], metadata={
        "description": "the order number as a customer reads it out: `204-118-377`, `204118377` and "
                       "`204 118 377` find the same order", "example": "204-118-377"})
    user_id = Int64(strict=False, metadata={"description": "the customer's account id"})
    created_after = Moment(metadata={"description": "placed at or after this moment (a date: that day's start, "
                                                    "UTC; a time without an offset is UTC)"})
    created_before = Moment(end_of_day=True, metadata={"description": "placed at or before this moment (a date: "
                                                                      "up to that day's end, UTC)"})
    ordering = ma.fields.String(validate=validate.OneOf(tuple(ORDERINGS)), load_default="-created_at")

    @ma.validates_schema
    def _date_range(self, data, **_):
        if "created_after" in data and "created_before" in data and data["created_after"] > data["created_before"]:
            raise ma.ValidationError("Must not be after created_before.", "created_after")


# The presenter of an order (`orders.service.render`): its API answers, the answer a checkout keeps for its
# Idempotency-Key, and what its emails show are all this schema's output.

class OrderLineSchema(Schema):
    product_id = ma.fields.Integer()
    variant_id = ma.fields.Integer()
    name = ma.fields.String()
    label = ma.fields.String()
    unit_price = Money()
    quantity = ma.fields.Integer()
    line_total = ma.fields.Method("_line_total", metadata={"type": "string", "pattern": MONEY_PATTERN,
                                                           "example": "79.80"})

    def _line_total(self, line) -> str:
        return format(line.unit_price * line.quantity, "f")


class ShippingOutSchema(Schema):
    full_name = ma.fields.String()
    phone = ma.fields.String()
    address_line = ma.fields.String()
    city = ma.fields.String()
    postal_code = ma.fields.String()
    country = ma.fields.String()


class StatusChangeSchema(Schema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    at = ma.fields.DateTime()
    by = ma.fields.String(validate=validate.OneOf(ACTORS))


class RefundSchema(Schema):
    status = ma.fields.String(validate=validate.OneOf(REFUND_STATUSES), metadata={
        "description": "pending; failed: its last attempt failed, and it is tried again; succeeded"})
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    requested_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})


class PaymentSchema(Schema):
    method = ma.fields.String(attribute="payment_method", validate=validate.OneOf(PAYMENT_METHODS))
    status = ma.fields.String(attribute="payment_status", validate=validate.OneOf(PAYMENT_STATUSES), metadata={
        "description": "due_on_delivery; requires_action: pay at `redirect_url`; paid; failed; expired; refunded"})
    amount = Money(attribute="total_price")
    currency = ma.fields.String()
    redirect_url = ma.fields.Method("_redirect_url", allow_none=True, metadata={
        "type": "string", "format": "uri", "nullable": True,
        "description": "the payment provider's page, while the payment requires the shopper there"})
    expires_at = ma.fields.DateTime(attribute="payment_expires_at", allow_none=True, metadata={
        "description": "when the card payment's session ends: unpaid by then, the order is cancelled"})
    paid_at = ma.fields.DateTime(allow_none=True)
    refunded_at = ma.fields.DateTime(allow_none=True)
    refund = ma.fields.Nested(RefundSchema, allow_none=True, metadata={
        "description": "the refund of a cancelled paid order, once asked for"})

    def _redirect_url(self, order) -> str | None:
        return order.payment_url if order.payment_status == "requires_action" else None


class OrderSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "204-118-377"})
    user_id = ma.fields.Integer(metadata={"description": "the customer's account id"})
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    items = ma.fields.List(ma.fields.Nested(OrderLineSchema), attribute="lines")
    total_price = Money()
    currency = ma.fields.String(metadata={"example": "USD"})
    shipping = ma.fields.Nested(ShippingOutSchema)
    comment = ma.fields.String()
    payment = ma.fields.Nested(PaymentSchema, metadata={"description": "how the order is paid and where that "
                                                                       "stands"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    history = ma.fields.List(ma.fields.Nested(StatusChangeSchema), metadata={
        "description": "every status it has had, oldest first, starting with its creation"})
    next_statuses = ma.fields.List(ma.fields.String(validate=validate.OneOf(STATUSES)), metadata={
        "description": "the statuses staff may move it to from here (`POST /api/order/{id}/status/`)"})


OrderPageSchema = page_schema(OrderSchema, "OrderPage")


# -- what the payments service says of a payment (POST /internal/orders/{id}/payment/) --------------------------

class PaymentStateSchema(Schema):
    """A payment's state as the payments service holds it: its `version` grows with every change, so a state
    that arrives twice, or after a newer one, is known as old."""

    order_id = Int64(required=True)
    provider = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(PAYMENT_STATUSES[1:]))
    amount = Money(required=True)
    currency = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    redirect_url = ma.fields.String(allow_none=True, load_default=None)
    expires_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)
    paid_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)
    refunded_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)
    refund = ma.fields.Nested(RefundSchema, allow_none=True, load_default=None)
    version = ma.fields.Integer(required=True, validate=validate.Range(min=1))


class AppliedSchema(Schema):
    order_id = ma.fields.Integer()
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
