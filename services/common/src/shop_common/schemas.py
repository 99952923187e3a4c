"""Marshmallow building blocks that make bad input a 422 instead of a 500.

Postgres refuses NUL characters in text and integers beyond 64 bits; `Schema` and the fields below refuse
them first, at the edge, with a message that names the field. Unknown fields are refused, never ignored,
so a body that tries to set `id` or a staff flag fails loudly.

A shipping address (`ShippingSchema`) is here too: an order's and a saved one of the address book are one shape
with one validation, whichever service takes it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from marshmallow import validate

from shop_common.validation import CodedMessage, Length, Range

INT64_MAX = 2**63 - 1
BAD_TEXT = CodedMessage("invalid", "Must be text without NUL characters or lone surrogates.")
CENT = Decimal("0.01")
#: what text that is not blank holds: a character `str.strip()` keeps
NOT_BLANK = "[^\\s\\u001c-\\u001f\\u0085]"


def _bad_text(value: Any) -> bool:
    """Whether a string anywhere in `value` holds a NUL or a lone surrogate (which no database or hash
    function can take: JSON's `"\\ud800"` decodes to one)."""
    if isinstance(value, str):
        return "\x00" in value or (not value.isascii() and _unencodable(value))
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_bad_text(v) for v in value)
    return False


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _validators(validate: Any) -> list:
    # marshmallow takes one validator or a list of them
    if validate is None:
        return []
    return [validate] if callable(validate) else list(validate)


class Schema(ma.Schema):
    """Base schema: unknown fields are errors; no string anywhere in the input may hold a NUL or a lone
    surrogate."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load(pass_collection=True)
    def _refuse_nul(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            bad = {str(k).replace("\x00", "\\0"): [BAD_TEXT]
                   for k, v in data.items() if _bad_text(k) or _bad_text(v)}
            if bad:
                raise ma.ValidationError(bad)
        elif _bad_text(data):
            raise ma.ValidationError(BAD_TEXT)
        return data


class Text(ma.fields.String):
    """A string with a length range; leading and trailing whitespace is stripped when `strip` is set."""

    def __init__(self, *, min_length: int = 0, max_length: int, strip: bool = True, **kwargs: Any):
        self.strip = strip
        validators = _validators(kwargs.pop("validate", None))
        if strip and min_length and not any(isinstance(v, validate.Regexp) for v in validators):
            # blank text is refused once stripped: the document says so (Python's whitespace, in JSON Schema's terms)
            kwargs["metadata"] = {"pattern": NOT_BLANK, **kwargs.get("metadata", {})}
        validators.insert(0, Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.strip() if self.strip else text


class Int64(ma.fields.Integer):
    """An integer that fits a Postgres BIGINT (and is at least `minimum`, 1 by default).

    Strict by default: in JSON, `1.0`, `"1"` and `true` are not integers. A query string is all text, so
    query schemas pass `strict=False`, which still refuses `1.5`, `1e3` and `abc`.
    """

    def __init__(self, *, minimum: int = 1, maximum: int = INT64_MAX, strict: bool = True, **kwargs: Any):
        validators = _validators(kwargs.pop("validate", None))
        validators.insert(0, Range(min=minimum, max=maximum))
        super().__init__(strict=strict, validate=validators, **kwargs)


#: what an amount of money looks like in JSON, in every document: digits, then at most two decimal places
MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)


class Money(ma.fields.Decimal):
    """An amount of money: a string of digits with at most two decimal places (`"12.50"`), never negative,
    never a JSON number. Answered as a string; documented as `type: string` with `MONEY_PATTERN`.

    A JSON number is refused, since a float may already have lost the amount it meant; so is any text the
    pattern does not describe (`1e3`, `-1`, `12.345`), so what the document allows is exactly what is taken.
    """

    def __init__(self, *, maximum: int = 9_999_999_999, **kwargs: Any):
        validators = _validators(kwargs.pop("validate", None))
        # the largest amount the pattern allows (10 digits, 2 decimals) is within range
        validators.insert(0, Range(min=0, max=Decimal(maximum) + Decimal("0.99")))
        metadata = {"example": "39.90", **kwargs.pop("metadata", {})}
        super().__init__(as_string=True, allow_nan=False, validate=validators, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str):
            raise ma.ValidationError("Send money as a string, such as \"12.50\".")
        if not _MONEY.fullmatch(value):
            raise ma.ValidationError("Use digits with at most two decimal places, such as \"12.50\".")
        try:
            return super()._deserialize(value, attr, data, **kwargs).quantize(CENT)
        except InvalidOperation:  # not reachable through the pattern; kept as a refusal, never a 500
            raise ma.ValidationError(CodedMessage("too_large", "Too large.")) from None


#: Stripe's and the IETF draft's key: any printable ASCII, as a UUID usually is
IDEMPOTENCY_KEY = validate.Regexp(r"^[\x21-\x7e]{1,255}$", error="Use 1 to 255 printable ASCII characters.")


class IdempotencyHeaderSchema(ma.Schema):
    """The optional `Idempotency-Key` header of a POST that must not happen twice when it is sent again."""

    class Meta:
        unknown = ma.EXCLUDE  # every other header

    idempotency_key = ma.fields.String(data_key="Idempotency-Key", validate=IDEMPOTENCY_KEY, metadata={
        "description": "a key of the client's (a UUID): the same key and body answer the first result again"})


class Bool(ma.fields.Boolean):
    """A JSON boolean, `true` or `false` only: marshmallow's own takes `1`, `"yes"` and `"on"` too, which the
    document (`type: boolean`) does not allow."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# -- a shipping address: an order's, and those an account keeps (the users service's address book) --------------

# the text is stripped before it is matched: the patterns end in what no strip removes, so that the document's
# pattern (matched against the text as sent) and the check agree
PHONE_PATTERN = r"\+?[0-9][0-9 ()\-]{3,29}[0-9()\-]"
PHONE = validate.Regexp(f"^{PHONE_PATTERN}$", error="Not a phone number.")
#: a phone number or nothing (a profile's, which may be cleared)
PHONE_OR_EMPTY = validate.Regexp(f"^({PHONE_PATTERN})?$", error="Not a phone number.")
POSTAL_CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,10}[A-Za-z0-9\-]$", error="Not a postal code.")

#: an address as the API takes it (the OpenAPI examples, and the tests')
SHIPPING_EXAMPLE = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
                    "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}


class ShippingSchema(Schema):
    """Where an order goes: every field required."""

    full_name = Text(min_length=1, max_length=150, required=True)
    phone = Text(max_length=32, required=True, validate=[PHONE])
    address_line = Text(min_length=1, max_length=300, required=True)
    city = Text(min_length=1, max_length=100, required=True)
    postal_code = Text(max_length=12, required=True, validate=[POSTAL_CODE])
    country = Text(min_length=2, max_length=100, required=True)
