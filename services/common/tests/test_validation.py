"""The codes of validation messages (`shop_common.validation`): every message a schema can raise has one, from
marshmallow's own texts or the shop's coded ones, so that a client can say it in its own language."""

from __future__ import annotations

import copy
import pickle

import marshmallow as ma
import pytest
from marshmallow import validate

from shop_common.schemas import Bool, Int64, Money, Schema, Text
from shop_common.validation import FIELD_CODES, CodedMessage, Length, Range, error_codes, message_code


class LineSchema(Schema):
    sku = Text(min_length=2, max_length=20, required=True)
    quantity = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=99))


class FormSchema(Schema):
    name = Text(min_length=2, max_length=10)
    email = ma.fields.Email()
    count = Int64(maximum=50)
    price = Money()
    gift = Bool()
    colour = ma.fields.String(validate=validate.OneOf(["red", "blue"]))
    at = ma.fields.DateTime()
    tags = ma.fields.List(Text(max_length=5), validate=validate.Length(max=2))
    lines = ma.fields.List(ma.fields.Nested(LineSchema), validate=validate.Length(min=1, max=3))
    code = ma.fields.String(validate=validate.Regexp(r"^[A-Z]+$", error="Capitals only."))
    zip = ma.fields.String(validate=Length(equal=5))
    coded = ma.fields.String(validate=validate.Regexp("^x$", error=CodedMessage("too_common", "Pick another.")))
    needed = ma.fields.String(required=True)


def codes_of(data: dict) -> dict:
    with pytest.raises(ma.ValidationError) as raised:
        FormSchema().load({"needed": "yes", **data})
    messages = raised.value.messages
    codes = error_codes(messages)
    # the same tree, a code in place of every message
    assert set(codes) == set(messages)
    return codes


@pytest.mark.parametrize("data, field, code", [
    ({"name": "x"}, "name", "too_short"),  # marshmallow says "Length must be between 2 and 10." either way
    ({"name": "x" * 11}, "name", "too_long"),
    ({"name": "  "}, "name", "too_short"),
    ({"name": 5}, "name", "invalid"),
    ({"name": None}, "name", "null"),
    ({"name": "a\x00b"}, "name", "invalid"),
    ({"email": "not-an-email"}, "email", "invalid"),
    ({"count": 0}, "count", "too_small"),
    ({"count": 51}, "count", "too_large"),
    ({"count": "3"}, "count", "invalid"),
    ({"price": 3.5}, "price", "invalid"),
    ({"price": "1.234"}, "price", "invalid"),
    ({"gift": "yes"}, "gift", "invalid"),
    ({"colour": "green"}, "colour", "not_one_of"),
    ({"at": "yesterday"}, "at", "invalid"),
    ({"tags": ["a", "b", "c"]}, "tags", "too_long"),
    ({"lines": []}, "lines", "out_of_range"),
    ({"code": "abc"}, "code", "invalid"),  # the shop's own words, without a code of their own
    ({"zip": "123"}, "zip", "wrong_length"),
    ({"coded": "y"}, "coded", "too_common"),
    ({"needed": None}, "needed", "null"),
    ({"is_staff": True}, "is_staff", "unknown"),
])
def test_every_message_has_a_code(data, field, code):
    assert codes_of(data)[field] == [code]


def test_a_missing_field_is_required():
    with pytest.raises(ma.ValidationError) as raised:
        FormSchema().load({})
    assert error_codes(raised.value.messages) == {"needed": ["required"]}


def test_nested_and_listed_fields_keep_their_place():
    lines = [{"sku": "AB", "quantity": 0}, {"sku": "A", "quantity": 100}]
    codes = codes_of({"tags": ["ok", "toolong"], "lines": lines})
    assert codes == {"tags": {1: ["too_long"]}, "lines": {
        0: {"quantity": ["out_of_range"]}, 1: {"sku": ["too_short"], "quantity": ["out_of_range"]}}}


def test_the_kits_range_and_length_say_which_bound_and_keep_marshmallows_text():
    with pytest.raises(ma.ValidationError) as raised:
        Range(min=1, max=5)(9)
    (message,) = raised.value.messages
    assert message == "Must be greater than or equal to 1 and less than or equal to 5." and message.code == "too_large"
    with pytest.raises(ma.ValidationError) as raised:
        Length(min=3, max=5)("ab")
    assert raised.value.messages[0].code == "too_short"


def test_a_coded_message_is_text_that_survives_copies_and_formatting():
    message = CodedMessage("too_short", "At least {min}.")
    formatted = message.format(min=3)
    assert formatted == "At least 3." and formatted.code == "too_short"
    pickled = pickle.loads(pickle.dumps(message))  # noqa: S301 (our own bytes)
    for copied in (copy.deepcopy(message), pickled):
        assert copied == message and copied.code == "too_short"
    assert message_code(formatted) == "too_short"


def test_a_code_outside_the_documented_list_is_refused():
    with pytest.raises(ValueError, match="FIELD_CODES"):
        CodedMessage("some_new_code", "What?")


def test_an_unknown_text_is_invalid_and_every_code_is_documented():
    assert message_code("Something the shop wrote.") == "invalid"
    assert message_code("Must be one of: a, b.") == "not_one_of"
    assert message_code("Must be greater than 0.") == "too_small"
    assert message_code("Must be greater than or equal to 1 and less than 7.") == "out_of_range"
    assert {"required", "null", "unknown", "invalid", "too_short", "too_long"} <= set(FIELD_CODES)
