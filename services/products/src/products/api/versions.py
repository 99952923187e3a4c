"""Entity tags of products and categories: what a GET answers as `ETag`, what a staff write checks `If-Match`
against (`staff._expect`, under the row's lock) and answers anew.

An ETag is the digest of the answer's JSON text (`queries.etag`): it changes whenever anything the answer
shows changes, whoever changed it (a checkout's stock included), with no counter to keep.
"""

from __future__ import annotations

from flask import Response, g, request

from shop_common.api import json_text

ETAG = {"ETag": {"description": "its version: send it as If-Match with a staff change, so that a change made "
                                "meanwhile by anyone is not overwritten (412 version_conflict)",
                 "schema": {"type": "string"}}}
WRITE_ETAG = {"ETag": {"description": "the new ETag of the product (or category) it changed, for the next "
                                      "change's If-Match", "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": "the ETag it was read with: refused with 412 version_conflict (changing nothing) "
                           "when it has changed since; without it the change is made whatever it is now"}
CONFLICT = "version_conflict: If-Match is not its current ETag (it changed since it was read); nothing changed"


def conditional(blp):
    """Decorator of a staff write that takes If-Match: documents the header and the 412."""

    def decorator(view):
        view = blp.doc(parameters=[IF_MATCH])(view)
        return blp.alt_response(412, response="PRECONDITION_FAILED", description=CONFLICT)(view)

    return decorator


def tagged(text: str, tag: str) -> Response:
    """A GET's JSON text with its ETag; 304 for an If-None-Match that has it."""
    response = json_text(text)
    response.set_etag(tag)
    return response.make_conditional(request)


def add_written_etag(response: Response) -> Response:
    """After a staff write: the ETag of what it wrote (`staff` leaves it in `g.etag`)."""
    if (tag := g.pop("etag", None)) and response.status_code < 300:
        response.set_etag(tag)
    return response
