"""Entity tags of products and categories: what a GET answers as `ETag`, what a staff write checks `If-Match`
against (`staff._expect`, under the row's lock) and answers anew.

An ETag is the digest of the answer's JSON text (`queries.etag`): it changes whenever anything the answer
shows changes, whoever changed it (a checkout's stock included), with no counter to keep.
"""

from __future__ import annotations

from flask import Response, g, request
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError

from shop_common.api import json_text
from shop_common.auth import is_staff
from shop_common.errors import Problem
from shop_common.language import DEFAULT, answered_in, cache_control

#: seconds a browser or proxy may keep a public catalogue answer (CONTRACT.md: at most 1 s stale after a change)
PUBLIC_MAX_AGE = 1
public_cache = cache_control(PUBLIC_MAX_AGE)

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


def staff_read() -> bool:
    """Whether this read is a staff member's (a valid staff token): they read what they edit, the columns
    (English) and their `translations`, current, from Postgres (`answered_in(DEFAULT)`). Any other token,
    valid or not, reads the public answer as a guest would: a public read never fails for its token."""
    if "Authorization" not in request.headers:
        return False
    try:
        verify_jwt_in_request(optional=True)
        staff = is_staff()
    except (JWTExtendedException, PyJWTError, Problem):
        return False
    if staff:
        answered_in(DEFAULT)
    return staff
