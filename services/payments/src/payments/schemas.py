"""What payments takes and answers: the orders service's requests, the payment state it is told, the methods."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from shop_common.schemas import Int64, Money, Schema, Text


class OpenSchema(Schema):
    """Orders asking for a card payment of an order."""

    order_id = Int64(required=True)
    number = Text(required=True, min_length=1, max_length=20, metadata={"example": "204-118-377"})
    amount = Money(required=True, validate=validate.Range(min=Decimal("0.01"), error="A payment is of more than 0."))
    currency = ma.fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z]{3}$", error="An ISO 4217 code in upper case, such as USD."), metadata={"example": "USD"})


class RefundStateSchema(Schema):
    status = ma.fields.String(metadata={"description": "pending (asked, or due again), failed (its last attempt "
                                                       "failed: payments retries it), succeeded"})
    attempts = ma.fields.Integer(metadata={"description": "attempts made so far"})
    last_error = ma.fields.String(allow_none=True, metadata={"description": "why the last attempt failed"})
    requested_at = ma.fields.DateTime()


class PaymentStateSchema(Schema):
    """A payment as payments tells orders (each change with a `version` one higher)."""

    order_id = ma.fields.Integer()
    provider = ma.fields.String(metadata={"example": "sandbox"})
    status = ma.fields.String(metadata={"description": "requires_action, paid, failed, expired or refunded"})
    amount = Money()
    currency = ma.fields.String(metadata={"example": "USD"})
    redirect_url = ma.fields.String(allow_none=True, metadata={"description": "the provider's page, while "
                                                                              "requires_action"})
    expires_at = ma.fields.DateTime()
    paid_at = ma.fields.DateTime(allow_none=True)
    refunded_at = ma.fields.DateTime(allow_none=True)
    refund = ma.fields.Nested(RefundStateSchema, allow_none=True)
    version = ma.fields.Integer()


class MethodsSchema(Schema):
    methods = ma.fields.List(ma.fields.String(), metadata={"example": ["cash_on_delivery", "card"]})
    provider = ma.fields.String(allow_none=True, metadata={"example": "sandbox"})


class ReceivedSchema(Schema):
    received = ma.fields.Boolean(metadata={"example": True})
