"""What the cart API accepts and answers (CONTRACT.md: cart)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from cart.models import MAX_QUANTITY
from shop_common.schemas import Int64, Money, Schema
from shop_common.validation import CodedMessage

QUANTITY = validate.Range(min=1, max=MAX_QUANTITY,
                          error=CodedMessage("out_of_range", f"Must be from 1 to {MAX_QUANTITY}."))
KEY = validate.Regexp(r"^[A-Za-z0-9._:\-]{1,100}$", error="Use 1 to 100 letters, digits and . _ : -.")


class AddSchema(Schema):
    product_id = Int64(required=True)
    variant_id = Int64(metadata={"description": "needed when the product has several variants"})
    quantity = ma.fields.Integer(strict=True, load_default=1, validate=QUANTITY)


class UpdateSchema(Schema):
    quantity = ma.fields.Integer(strict=True, required=True, validate=QUANTITY)


class LineSchema(Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    variant_id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    label = ma.fields.String()
    image = ma.fields.String(allow_none=True)
    unit_price = Money()
    quantity = ma.fields.Integer()
    line_total = Money()
    stock = ma.fields.Integer()


class CartSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(LineSchema))
    total_quantity = ma.fields.Integer()
    total_price = Money()
    currency = ma.fields.String(metadata={"example": "USD"})
    stale = ma.fields.Boolean(metadata={"description": "true when products could not be asked: names, prices "
                                                       "and stock are as they were when each line was saved"})


class RemovedLineSchema(Schema):
    variant_id = Int64(required=True)
    quantity = ma.fields.Integer(strict=True, required=True, validate=QUANTITY)


class RemoveSchema(Schema):
    key = ma.fields.String(required=True, validate=KEY, metadata={"description": "the order's key"})
    lines = ma.fields.List(ma.fields.Nested(RemovedLineSchema), required=True, validate=validate.Length(min=1))


class StoredLineSchema(Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    variant_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    name = ma.fields.String()
    label = ma.fields.String()
    unit_price = Money()


class StoredCartSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(StoredLineSchema))
