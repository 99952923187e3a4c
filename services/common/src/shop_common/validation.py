"""Machine codes for validation messages, so that a client can say them in its own language.

A 422's `errors` are marshmallow's messages, written in English for a developer ("Not a valid email address.").
Beside them every problem with `errors` carries `error_codes`: the same tree (location -> field -> list), a
stable code in place of each message (`FIELD_CODES`), which a storefront maps to its own texts per field.

A message gets its code in one of two ways:

- it says it itself: a `CodedMessage` (a `str` that also has a `code`), raised by the shop's own validators
  and the kit's `Length` and `Range`;
- it is one of marshmallow's own messages (a field's `default_error_messages`, a validator's default), found by
  its text in `_MARSHMALLOW` (built from marshmallow's classes, never copied out of them).

Anything else is `invalid`: a message the shop wrote without a code is still a value the field does not take.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import validate

#: every code `error_codes` answers, and what it means (the OpenAPI problem schema lists them)
FIELD_CODES: dict[str, str] = {
    "required": "the field is missing",
    "null": "the field is null",
    "unknown": "the field is not one the call takes",
    "invalid": "not a value of the field's type or format (an email, a phone number, a postal code, a date, ...)",
    "not_one_of": "not one of the values the field takes",
    "too_short": "text (or a list) shorter than the field's least length",
    "too_long": "text (or a list) longer than the field's greatest length",
    "wrong_length": "not of the one length the field takes",
    "too_small": "a number below the field's least value",
    "too_large": "a number above the field's greatest value",
    "out_of_range": "a number (or a length) outside the field's range",
    "too_common": "a password among the commonest ones",
    "too_simple": "a password of fewer than three different characters",
    "contains_username": "a password holding the account's username or the name of its email",
    "same_password": "a new password that is the current one",
}


class CodedMessage(str):
    """A validation message that carries its code: `CodedMessage("too_common", "This password is too common.")`.

    It is the message everywhere a `str` is (marshmallow stores it, JSON writes it as text); `format()` keeps
    the code, so marshmallow's validators, which format their message with the value, hand it on.
    """

    code: str

    def __new__(cls, code: str, message: str) -> CodedMessage:
        if code not in FIELD_CODES:
            raise ValueError(f"unknown field code {code!r}: add it to FIELD_CODES")
        self = super().__new__(cls, message)
        self.code = code
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # copy.deepcopy of a schema's fields, and pickle
        return self.code, str(self)

    def format(self, *args: Any, **kwargs: Any) -> CodedMessage:
        return CodedMessage(self.code, str.format(self, *args, **kwargs))


class Length(validate.Length):
    """marshmallow's `Length`, its messages coded. Given both bounds marshmallow says "Length must be between
    0 and 150." whichever was missed; the code says which: `too_short` or `too_long` (the text is unchanged)."""

    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ma.ValidationError as error:
            if isinstance(self.error, CodedMessage):
                raise
            code = ("wrong_length" if self.equal is not None
                    else "too_short" if self.min is not None and len(value) < self.min else "too_long")
            raise ma.ValidationError(CodedMessage(code, error.messages[0])) from None


class Range(validate.Range):
    """marshmallow's `Range`, its messages coded `too_small` or `too_large`, whichever bound was missed."""

    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ma.ValidationError as error:
            if isinstance(self.error, CodedMessage):
                raise
            below = self.min is not None and (value < self.min if self.min_inclusive else value <= self.min)
            raise ma.ValidationError(CodedMessage("too_small" if below else "too_large", error.messages[0])) from None


# marshmallow's error keys that are already one of the codes; every other key of a field is `invalid`
_KEY_CODES = {"required": "required", "null": "null", "too_large": "too_large"}


@cache
def _marshmallow() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """marshmallow's own messages and their codes: exact texts, and patterns for those with placeholders."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []

    def add(template: str, code: str) -> None:
        if "{" not in template:
            exact.setdefault(template, code)
            return
        parts = re.split(r"\{[^{}]*\}", template.replace("{{", "{").replace("}}", "}"))
        patterns.append((re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z", re.S), code))

    for cls in vars(ma.fields).values():
        if inspect.isclass(cls) and issubclass(cls, ma.fields.Field):
            for key, template in cls.__dict__.get("default_error_messages", {}).items():
                add(template, "not_one_of" if cls is ma.fields.Enum else _KEY_CODES.get(key, "invalid"))
    add(ma.Schema._default_error_messages["unknown"], "unknown")
    add(ma.Schema._default_error_messages["type"], "invalid")
    length = validate.Length
    add(length.message_min, "too_short")
    add(length.message_max, "too_long")
    add(length.message_all, "out_of_range")
    add(length.message_equal, "wrong_length")
    ops = (validate.Range.message_gte, validate.Range.message_gt, validate.Range.message_lte, validate.Range.message_lt)
    # each of Range's templates with each of its comparisons; both bounds first, which "at least" would match too
    for op in ops:
        for other in ops:
            add(validate.Range.message_all.format(min_op=op, max_op=other), "out_of_range")
    for op in ops:
        add(validate.Range.message_min.format(min_op=op), "too_small")
        add(validate.Range.message_max.format(max_op=op), "too_large")
    add(validate.OneOf.default_message, "not_one_of")
    for validator in (validate.URL, validate.Email, validate.Regexp, validate.Equal, validate.Predicate,
                      validate.NoneOf):
        add(validator.default_message, "invalid")
    return exact, patterns


def message_code(message: str) -> str:
    """The code of one validation message (see the module's docstring)."""
    if isinstance(message, CodedMessage):
        return message.code
    exact, patterns = _marshmallow()
    if message in exact:
        return exact[message]
    for pattern, code in patterns:
        if pattern.match(message):
            return code
    return "invalid"


def error_codes(messages: Any) -> Any:
    """`messages` (a validation error's tree: dicts, lists of messages) with a code in place of each message."""
    if isinstance(messages, dict):
        return {key: error_codes(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [error_codes(item) for item in messages]
    if isinstance(messages, str):
        return message_code(messages)
    return messages
