"""`/internal/outbox/<key>/`: the mailer asks a service whether it still owes a message, and reports what
it did with it (`shop_common.outbox`). Served by every service with an outbox; never routed by the gateway;
every call needs the service credential."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import validate

from shop_common import outbox
from shop_common.api import Blueprint
from shop_common.errors import Problem
from shop_common.internal import service_only
from shop_common.schemas import Schema, Text

blp = Blueprint("outbox", __name__, url_prefix="/internal/outbox",
                description="The email this service owes, for the mailer.")


class MessageStateSchema(Schema):
    key = ma.fields.String(required=True, metadata={"example": "order:42:confirmation"})
    outcome = ma.fields.String(allow_none=True, validate=validate.OneOf(outbox.OUTCOMES),
                               metadata={"description": "null while the email is owed"})
    done_at = ma.fields.DateTime(allow_none=True)


class ReportSchema(Schema):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(outbox.OUTCOMES))
    error = Text(max_length=500, load_default=None, allow_none=True,
                 metadata={"description": "why it failed (`failed`)"})


def _found(row):
    if row is None:
        raise Problem(404, "message_not_found", "This service owes no such email (or forgot it, long done).")
    return row


@blp.route("/<key>/")
class Message(MethodView):
    @service_only(blp)
    @blp.response(200, MessageStateSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="message_not_found")
    def get(self, key):
        """Whether the email is still owed, or what became of it."""
        return _found(outbox.lookup(current_app.extensions["sqlalchemy"], key))

    @service_only(blp)
    @blp.arguments(ReportSchema)
    @blp.response(200, MessageStateSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="message_not_found")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="a field missing or malformed")
    def put(self, data, key):
        """Record what the mailer did with the email (repeatable: the first `sent` or `dropped` stands)."""
        return _found(outbox.report(current_app.extensions["sqlalchemy"], key, data["outcome"], data["error"]))
