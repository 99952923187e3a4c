"""The languages the shop speaks, and which one a request asks for.

The one list of them (`LANGUAGES`): the users service keeps an account's language in it, the catalogue answers
in it, the mailer writes in it. A request's language is what its `Accept-Language` header prefers among them
(RFC 9110 section 12.5.4: quality values, language ranges, `*`), English when it names none of them.

An answer whose text depends on that language says which one it is in (`Content-Language`) and that caches must
keep one copy per `Accept-Language` (`Vary`): `localized`, an `after_request` hook for a blueprint of such answers.
Public answers of that kind may be kept a little while by browsers and proxies (`public, max-age`), answers to a
request with a token never (`private, no-store`): `cache_control`.
"""

from __future__ import annotations

from flask import Response, g, has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

#: every language the shop speaks; the first is the default, and the language of the catalogue's own columns
LANGUAGES = ("en", "ru")
DEFAULT = LANGUAGES[0]


def negotiate(header: str | None) -> str:
    """The best of LANGUAGES for an `Accept-Language` value ("ru-RU,ru;q=0.9,en;q=0.8" -> "ru"); DEFAULT when
    the header is missing, malformed or names none of them; a region is its language's, `*` DEFAULT. Werkzeug
    parses it (ranges by quality, ties in the header's order, q=0 refused)."""
    for tag, quality in parse_accept_header(header or "", LanguageAccept):
        primary = tag.lower().split("-", 1)[0]
        language = DEFAULT if primary == "*" else primary
        if quality > 0 and language in LANGUAGES:
            return language
    return DEFAULT


def current() -> str:
    """The language of the request being served (DEFAULT outside one)."""
    if not has_request_context():
        return DEFAULT
    # asked for every field of every card: parsed once per header (a request under an app context of the
    # caller's, as in tests, shares its `g` with the next one: hence the header beside its answer)
    header = request.headers.get("Accept-Language")
    held = g.get("shop_language")
    if held is None or held[0] != header:
        held = g.shop_language = (header, negotiate(header))
    return held[1]


def answered_in(language: str) -> None:
    """Say that this request's answer is in `language` rather than in `current()` (an answer of the stored
    columns, say): `localized` names it in `Content-Language`."""
    g.answer_language = language


def localized(response: Response) -> Response:
    """`after_request` hook of a blueprint whose answers speak the request's language: a successful answer with
    a body (and a 304) gets `Content-Language` (`current()`, or what `answered_in` said) and
    `Vary: Accept-Language`, so no cache serves one language's answer to a request asking for another. Errors
    are left alone (their text is the kit's, in English)."""
    if (response.status_code < 300 and response.status_code != 204) or response.status_code == 304:
        response.headers["Content-Language"] = g.get("answer_language") or current()
        response.vary.add("Accept-Language")
    return response


def cache_control(max_age: int):
    """An `after_request` hook for public reads (GET, HEAD) of a blueprint: a successful answer (or a 304) to a
    request without `Authorization` may be kept `max_age` seconds by anyone (`public, max-age=N`), with its
    ETag revalidated after that; an answer to a request with a token is never kept (`private, no-store`), nor
    is any other answer given a `Cache-Control` it did not set itself."""

    def hook(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or "Cache-Control" in response.headers:
            return response
        if "Authorization" in request.headers:
            response.headers["Cache-Control"] = "private, no-store"
        elif response.status_code == 200 or response.status_code == 304:
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
        return response

    return hook
