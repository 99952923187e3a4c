"""What the orders API accepts and answers (CONTRACT.md: orders)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from orders.models import STATUSES
from shop_common.pagination import page_schema
from shop_common.schemas import MONEY_PATTERN, Money, Schema, Text

# the text is stripped before it is matched: the patterns end in what no strip removes, so that the document's
# pattern (matched against the text as sent) and the check agree
PHONE = validate.Regexp(r"^\+?[0-9][0-9 ()\-]{3,29}[0-9()\-]$", error="Not a phone number.")
POSTAL_CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,10}[A-Za-z0-9\-]$", error="Not a postal code.")


#: an address as the API takes it (the OpenAPI example, and the tests')
SHIPPING_EXAMPLE = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
                    "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}


class ShippingSchema(Schema):
    full_name = Text(min_length=1, max_length=150, required=True)
    phone = Text(max_length=32, required=True, validate=[PHONE])
    address_line = Text(min_length=1, max_length=300, required=True)
    city = Text(min_length=1, max_length=100, required=True)
    postal_code = Text(max_length=12, required=True, validate=[POSTAL_CODE])
    country = Text(min_length=2, max_length=100, required=True)


class CreateSchema(Schema):
    shipping = ma.fields.Nested(ShippingSchema, required=True, metadata={"example": SHIPPING_EXAMPLE})
    comment = Text(max_length=1000, load_default="")


class StatusSchema(Schema):
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))


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


class OrderSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "204-118-377"})
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    items = ma.fields.List(ma.fields.Nested(OrderLineSchema), attribute="lines")
    total_price = Money()
    currency = ma.fields.String(metadata={"example": "USD"})
    shipping = ma.fields.Nested(ShippingOutSchema)
    comment = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


OrderPageSchema = page_schema(OrderSchema, "OrderPage")
