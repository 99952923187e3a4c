"""The languages the shop speaks, and which one a request asks for.

The one list of them (`LANGUAGES`): the users service keeps an account's language in it, the catalogue answers
in it, the mailer writes in it. A request's language is what its `Accept-Language` header prefers among them
(RFC 9110 section 12.5.4: quality values, language ranges, `*`), English when it names none of them.
"""

from __future__ import annotations

from flask import has_request_context, request

#: every language the shop speaks; the first is the default, and the language of the catalogue's own columns
LANGUAGES = ("en", "ru")
DEFAULT = LANGUAGES[0]


def negotiate(header: str | None) -> str:
    """The best of LANGUAGES for an `Accept-Language` value ("ru-RU,ru;q=0.9,en;q=0.8" -> "ru"); DEFAULT when
    the header is missing, malformed or names none of them. Ties go to the earlier range in the header."""
    best, best_q = DEFAULT, 0.0
    for item in (header or "").split(",")[:20]:
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        primary = tag.split("-", 1)[0]
        language = DEFAULT if primary == "*" else primary
        if language in LANGUAGES and q > best_q:
            best, best_q = language, q
    return best


def current() -> str:
    """The language of the request being served (DEFAULT outside one)."""
    if not has_request_context():
        return DEFAULT
    return negotiate(request.headers.get("Accept-Language"))
