"""`Schema`, `Text`, `Int64` and `Bool`: bad input is a ValidationError naming the field, never something Postgres
chokes on later."""

from __future__ import annotations

import marshmallow as ma
import pytest
from marshmallow import validate

from shop_common.schemas import INT64_MAX, Bool, Int64, Schema, Text


class LineSchema(Schema):
    sku = Text(max_length=20, required=True)
    quantity = Int64()


class OrderSchema(Schema):
    name = Text(min_length=2, max_length=10)
    quantity = Int64()
    offset = Int64(minimum=0)
    tags = ma.fields.List(ma.fields.String())
    extra = ma.fields.Dict()
    lines = ma.fields.List(ma.fields.Nested(LineSchema))


def errors_of(data, schema: ma.Schema | None = None) -> dict:
    with pytest.raises(ma.ValidationError) as raised:
        (schema or OrderSchema()).load(data)
    return raised.value.messages


def test_a_valid_body_loads():
    data = {"name": "Alice", "quantity": 3, "offset": 0, "tags": ["a"], "extra": {"k": ["v"]},
            "lines": [{"sku": "A-1", "quantity": INT64_MAX}]}

    assert OrderSchema().load(data) == data


def test_an_unknown_field_is_refused_not_ignored():
    assert errors_of({"name": "Alice", "is_staff": True}) == {"is_staff": ["Unknown field."]}


def test_an_unknown_field_of_a_nested_object_is_refused():
    assert errors_of({"lines": [{"sku": "A-1", "id": 7}]}) == {"lines": {0: {"id": ["Unknown field."]}}}


@pytest.mark.parametrize("data", [
    {"name": "Al\x00ice"},
    {"tags": ["ok", "b\x00d"]},
    {"extra": {"deep": {"deeper": ["\x00"]}}},
    {"extra": {"k\x00ey": 1}},
    {"lines": [{"sku": "A\x00"}]},
    {"na\x00me": "Alice"},
], ids=["field", "list", "nested-dict", "dict-key", "nested-schema", "field-name"])
def test_a_nul_anywhere_in_the_input_is_refused(data):
    messages = errors_of(data)

    (field,) = messages
    assert field.replace("\\0", "\x00") in data
    assert "NUL" in str(messages)


def test_a_nul_in_a_list_of_bodies_is_refused():
    with pytest.raises(ma.ValidationError, match="NUL"):
        OrderSchema(many=True).load([{"name": "Alice"}, {"name": "B\x00b"}])


@pytest.mark.parametrize("value", [2**63, 0, -1, 1.5, 2.0, "5", True, False, None, [1]],
                         ids=["2**63", "0", "-1", "1.5", "2.0", "string", "true", "false", "null", "list"])
def test_int64_refuses_what_is_not_a_whole_number_from_1_to_2_63_minus_1(value):
    assert "quantity" in errors_of({"quantity": value})


@pytest.mark.parametrize("value", [1, 42, INT64_MAX])
def test_int64_accepts_whole_numbers_in_range(value):
    assert OrderSchema().load({"quantity": value}) == {"quantity": value}


def test_int64_minimum_can_be_lowered():
    assert OrderSchema().load({"offset": 0}) == {"offset": 0}
    assert "offset" in errors_of({"offset": -1})


def test_text_is_stripped_before_its_length_is_checked():
    assert OrderSchema().load({"name": "  Alice \n"}) == {"name": "Alice"}
    assert OrderSchema().load({"name": "  " + "x" * 10 + "  "}) == {"name": "x" * 10}
    assert "name" in errors_of({"name": "   a   "})  # one character once stripped
    assert "name" in errors_of({"name": "x" * 11})


def test_text_refuses_what_is_not_a_string():
    for value in (12, ["Alice"], {"first": "Alice"}, None):
        assert "name" in errors_of({"name": value})


def test_text_can_keep_its_whitespace():
    class PasswordSchema(Schema):
        password = Text(min_length=4, max_length=8, strip=False)

    assert PasswordSchema().load({"password": " pw  "}) == {"password": " pw  "}
    assert "password" in errors_of({"password": "  pw    x"}, PasswordSchema())


@pytest.mark.parametrize("wrap", [lambda v: v, lambda v: [v]], ids=["one", "list"])
def test_extra_validators_apply_on_top_of_the_built_in_ones(wrap):
    class SizeSchema(Schema):
        size = Text(max_length=5, validate=wrap(validate.OneOf(["small", "larger"])))
        count = Int64(validate=wrap(validate.Range(max=10)))

    assert SizeSchema().load({"size": "small", "count": 10}) == {"size": "small", "count": 10}
    assert set(errors_of({"size": "tiny", "count": 11}, SizeSchema())) == {"size", "count"}
    assert set(errors_of({"size": "larger", "count": 0}, SizeSchema())) == {"size", "count"}  # length, minimum


class FlagSchema(Schema):
    flag = Bool()


@pytest.mark.parametrize("value", [1, 0, "true", "false", "yes", "on", "1", None, [], {}])
def test_bool_takes_only_json_true_and_false(value):
    assert list(errors_of({"flag": value}, FlagSchema())) == ["flag"]
    assert FlagSchema().load({"flag": True}) == {"flag": True} and FlagSchema().load({"flag": False}) == {"flag": False}
