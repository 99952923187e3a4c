"""One error shape for everything: RFC 9457 problem+json with a stable `code`.

`problem()` builds the response; `Problem` is the exception views raise (`raise Problem(409, "email_taken",
"...")`); the handlers registered by `init_errors` turn every `HTTPException`, validation failure and
unhandled exception into a problem, so no HTML page and no traceback ever reaches a client.
"""

from __future__ import annotations

import http
import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from shop_common.validation import FIELD_CODES, error_codes, message_code

PROBLEM_JSON = "application/problem+json"
#: seconds a 503 (a dependency down: the database, another service, Redis) asks the client to wait
RETRY_AFTER_SECONDS = 5

log = logging.getLogger(__name__)

#: the `code` a problem gets when the code raising it names none
DEFAULT_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    411: "length_required",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class Problem(HTTPException):
    """An error with a status, a stable `code`, a human `detail` and optional extension members.

    `headers` go on the response (`Retry-After`, `Allow`, `WWW-Authenticate`).
    """

    def __init__(self, status: int, code: str | None = None, detail: str | None = None, *,
                 headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(description=detail)
        self.code = status  # werkzeug's name for the status
        self.problem_code = code or DEFAULT_CODES.get(status, "error")
        self.detail = detail
        self.extra_headers = headers or {}
        self.extensions = extensions


def field_problem(status: int, code: str, field: str, message: str, location: str = "json") -> Problem:
    """A problem about one input field, shaped like a validation error so forms can show it in place: its
    `error_codes` name the message's own code (a `CodedMessage`'s), else the problem's `code` (`username_taken`),
    `invalid` for a plain `validation_error`."""
    field_code = message_code(message) if code == "validation_error" else getattr(message, "code", code)
    return Problem(status, code, message, errors={location: {field: [message]}},
                   error_codes={location: {field: [field_code]}})


def problem(status: int, code: str | None = None, detail: str | None = None, *,
            headers: dict[str, str] | None = None, **extensions: Any) -> Response:
    """The problem+json response for `status`; `extensions` (for example `errors`) are added as members. A 503
    always has `Retry-After` (`RETRY_AFTER_SECONDS` unless `headers` name another)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "code": code or DEFAULT_CODES.get(status, "error"),
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 503 and "Retry-After" not in response.headers:  # every 503 says when to come back
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _title(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def respond(error: HTTPException) -> Response:
    """The problem+json response of an HTTP error (a `Problem` as it was raised)."""
    if isinstance(error, Problem):
        return problem(error.code, error.problem_code, error.detail, headers=error.extra_headers,
                       **error.extensions)
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() not in {"content-type", "content-length"}}
    data = getattr(error, "data", None) or {}  # webargs' abort() puts validation messages here
    extensions: dict[str, Any] = {}
    code = DEFAULT_CODES.get(status, "error")
    detail = data.get("message") or (error.description if status < 500 else None)
    if status == 405 and getattr(error, "valid_methods", None):
        detail = f"{request.method} is not allowed here; use {', '.join(error.valid_methods)}."
    if messages := (data.get("errors") or data.get("messages")):
        if status == 400 and _is_invalid_json(messages):
            code, detail = "malformed_json", "The request body is not valid JSON."
        else:
            extensions["errors"] = messages
            extensions["error_codes"] = error_codes(messages)
            detail = data.get("message") or "The request has invalid fields; see errors."
    headers.update(data.get("headers") or {})
    return problem(status, code, detail, headers=headers, **extensions)


def _is_invalid_json(messages: Any) -> bool:
    return isinstance(messages, dict) and messages.get("json") == ["Invalid JSON body."]


def unhandled(error: Exception) -> Response:
    """500 `internal_error` for an exception no handler took: logged with its traceback."""
    # The exception is logged with its traceback; the client sees only the request id to quote.
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, HTTPException) and not isinstance(original, InternalServerError):
        return respond(original)
    log.error("unhandled exception", exc_info=original)
    return problem(500, "internal_error", "Something went wrong on our side; quote the request id.")


def init_errors(app: Flask) -> None:
    """Make every error of `app` a problem+json response."""
    app.register_error_handler(HTTPException, respond)
    app.register_error_handler(InternalServerError, unhandled)
    app.register_error_handler(Exception, unhandled)


class ShortLineSchema(ma.Schema):
    """A line there is not enough stock for (`insufficient_stock`)."""

    variant_id = ma.fields.Integer()
    requested = ma.fields.Integer()
    available = ma.fields.Integer()
    product_id = ma.fields.Integer()
    name = ma.fields.String()
    label = ma.fields.String()


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details as this shop sends them (documentation only): the members every problem has,
    then the extension members some carry, each named by the problems that do."""

    type = ma.fields.String(metadata={"description": "Always `about:blank`", "example": "about:blank"})
    title = ma.fields.String(metadata={"description": "The HTTP status phrase", "example": "Conflict"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code", "example": 409})
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code",
                                      "example": "email_taken"})
    detail = ma.fields.String(metadata={"description": "What went wrong, for a human"})
    errors = ma.fields.Dict(metadata={
        "description": "Validation failures (422): location (`json`, `query`, ...) -> field -> messages"})
    error_codes = ma.fields.Dict(metadata={
        "description": "Beside `errors`, the same tree with a stable code in place of each message, for a client "
                       "to say in its own words: " + "; ".join(f"`{c}` {m}" for c, m in FIELD_CODES.items())
                       + ". A problem about one field (`username_taken`, `wrong_password`) has its own `code` there.",
        "example": {"json": {"email": ["invalid"], "password": ["too_common"]}}})
    request_id = ma.fields.String(metadata={"description": "The request id to quote when reporting it"})
    available = ma.fields.Integer(metadata={"description": "insufficient_stock (cart): units left"})
    requested = ma.fields.Integer(metadata={"description": "insufficient_stock (cart): units the line would hold"})
    in_cart = ma.fields.Integer(metadata={"description": "insufficient_stock (cart): units in the cart already"})
    lines = ma.fields.List(ma.fields.Nested(ShortLineSchema), metadata={
        "description": "insufficient_stock (checkout, reservations): every line there is not enough stock for"})
    order_status = ma.fields.String(metadata={
        "description": "not_cancellable, invalid_status_move: the order's status now", "example": "shipped"})
    payment_status = ma.fields.String(metadata={
        "description": "not_paid (refunds): the payment's status now", "example": "requires_action"})
    variant_ids = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "variant_not_found (reservations): the unknown variants"})
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), metadata={
        "description": "not_ready (/readyz): each dependency and its state"})
