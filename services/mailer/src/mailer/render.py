"""Emails made from the package's Jinja templates.

Each email `<name>` is a folder `templates/<name>/` with `subject.txt`, `body.txt` (the plain text part) and
`body.html` (the HTML part, extending `_layout.html`; autoescaped). Undefined variables are errors: a
producer that leaves out what a template shows fails the job instead of sending a half-empty email.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, UndefinedError, select_autoescape

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SYMBOLS = {"USD": "$"}


class UnknownTemplate(LookupError):
    """No email has this name."""


class BadContext(ValueError):
    """The context lacks something the template shows, or holds a malformed value."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def money(amount: Any, currency: str) -> str:
    """`"39.90", "USD"` -> `$39.90`; other currencies after the amount: `39.90 EUR`."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {amount!r}") from None
    if symbol := _SYMBOLS.get(currency):
        return f"{symbol}{value:,.2f}"
    return f"{value:,.2f} {currency}"


def long_date(iso: str) -> str:
    """`2026-11-26T17:30:00+00:00` -> `26 November 2026`."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.day} {moment:%B %Y}"


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("mailer"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["money"] = money
    env.filters["long_date"] = long_date
    return env


def names() -> list[str]:
    """Every email there is a template for."""
    return sorted(path.split("/")[0] for path in _environment().list_templates() if path.endswith("/subject.txt"))


def render(name: str, context: dict[str, Any], *, shop_name: str, shop_url: str, recipient_name: str) -> Rendered:
    """Subject, text and HTML of email `name`. Raises `UnknownTemplate` or `BadContext`."""
    env = _environment()
    if not _NAME.fullmatch(name):
        raise UnknownTemplate(name)
    try:
        parts = [env.get_template(f"{name}/{part}") for part in ("subject.txt", "body.txt", "body.html")]
    except TemplateNotFound:
        raise UnknownTemplate(name) from None
    values = {**context, "shop_name": shop_name, "shop_url": shop_url, "recipient_name": recipient_name}
    try:
        subject, text, html = (part.render(values) for part in parts)
    except (UndefinedError, ValueError) as exc:  # ValueError: from the filters
        raise BadContext(f"{name}: {exc}") from exc
    return Rendered(" ".join(subject.split()), text, html)
