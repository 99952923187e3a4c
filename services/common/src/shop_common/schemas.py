"""Marshmallow building blocks that make bad input a 422 instead of a 500.

Postgres refuses NUL characters in text and integers beyond 64 bits; `Schema` and the fields below refuse
them first, at the edge, with a message that names the field. Unknown fields are refused, never ignored,
so a body that tries to set `id` or a staff flag fails loudly.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from marshmallow import validate

INT64_MAX = 2**63 - 1
BAD_TEXT = "Must be text without NUL characters or lone surrogates."
CENT = Decimal("0.01")


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
        validators.insert(0, validate.Length(min=min_length, max=max_length))
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
        validators.insert(0, validate.Range(min=minimum, max=maximum))
        super().__init__(strict=strict, validate=validators, **kwargs)


class Money(ma.fields.Decimal):
    """An amount of money: at most two decimal places, never negative, never a float.

    Accepted as a string (`"12.50"`) or a whole number; answered as a string. A JSON float (`12.5`) is
    refused, since it may already have lost the amount it meant.
    """

    def __init__(self, *, maximum: int = 9_999_999_999, **kwargs: Any):
        validators = _validators(kwargs.pop("validate", None))
        # whole numbers as bounds, so the OpenAPI document shows numbers (a Decimal would be a string there)
        validators.insert(0, validate.Range(min=0, max=maximum))
        super().__init__(as_string=True, allow_nan=False, validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool | float):
            raise ma.ValidationError("Send money as a string, such as \"12.50\".")
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount.is_finite() and amount.as_tuple().exponent < -2:
            raise ma.ValidationError("At most two decimal places.")
        try:
            return amount.quantize(CENT) if amount.is_finite() else amount
        except InvalidOperation:  # more digits than any price has: the range check would refuse it too
            raise ma.ValidationError("Too large.") from None
