"""What the address book takes and answers: the fields of an order's `shipping`, from the one schema that
validates both (`shop_common.schemas.ShippingSchema`), and whether the address is the account's default."""

from __future__ import annotations

import marshmallow as ma

from shop_common.schemas import Bool, ShippingSchema

IS_DEFAULT = "true: make it the account's default (the default before is one no longer)"


class AddressInSchema(ShippingSchema):
    is_default = Bool(load_default=False, metadata={
        "description": f"{IS_DEFAULT}; an account's first address is its default whatever this says"})


class AddressChangeSchema(ShippingSchema):
    """Any of the fields, each validated as when the address was made (the schema is loaded partial)."""

    is_default = Bool(metadata={"description": f"{IS_DEFAULT}; false on the default is refused (422): make "
                                               "another address the default instead"})


class AddressSchema(ShippingSchema):
    id = ma.fields.Integer(dump_only=True)
    is_default = ma.fields.Boolean(dump_only=True, metadata={
        "description": "the account's default address: exactly one while it has any"})
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)
