"""Emails made from the package's Jinja templates.

Each email `<name>` is a folder `templates/<name>/` with `subject.txt`, `body.txt` (the plain text part) and
`body.html` (the HTML part, extending `_layout.html`; autoescaped), in English. Its translation into another
language is the same three files in `templates/<name>/<language>/` (`welcome/ru/subject.txt`); an email not
translated into the language asked for is sent in English. The shared pieces are of two kinds: layouts with
no words of their own, the same in every language (`_layout.html`, `_footer.txt`, `_macros.html`, whose few
words are chosen by `language`: the one the email is in, which also sets `<html lang>`), and pieces that are
words, one file per language (`_order.txt`, `_payment.txt`, `_status.txt` in English, their translations in
`templates/<language>/`; `translated(piece, language)` names the right one). The filters below take the
language where they write words or numbers. Undefined variables are errors: a producer that leaves out
what a template shows fails the job instead of sending a half-empty email.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    UndefinedError,
    select_autoescape,
)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LANGUAGE = re.compile(r"[a-z]{2}")
#: the language of the templates at the top of each email's folder, and of an email with no translation
ENGLISH = "en"
_PARTS = ("subject.txt", "body.txt", "body.html")
#: a month's name as a date says it ("26 ноября": Russian names the month of a day in the genitive)
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
}
_SYMBOLS = {"USD": "$"}
#: how a language writes an amount: thousands and decimal separators, what stands between the number and a
#: currency after it, and whether a currency's symbol comes first (no-break spaces: an amount never breaks)
_NUMBERS = {"en": (",", ".", " ", True), "ru": ("\u00a0", ",", "\u00a0", False)}


class UnknownTemplate(LookupError):
    """No email has this name."""


class BadContext(ValueError):
    """The context lacks something the template shows, or holds a malformed value."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    #: the language it is written in: the one asked for, or English when the email has no such translation
    language: str


def money(amount: Any, currency: str, language: str = ENGLISH) -> str:
    """`"1234.5", "USD"` -> `$1,234.50`, other currencies after the amount: `1,234.50 EUR`; in Russian as the
    storefront's `Intl.NumberFormat("ru")` writes it, `1 234,50 $` and `1 234,50 EUR` (no-break spaces: an
    amount never breaks across lines)."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {amount!r}") from None
    group, point, space, symbol_first = _NUMBERS[language]
    number = f"{value:,.2f}".translate({ord(","): group, ord("."): point})
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol and symbol_first else f"{number}{space}{symbol or currency}"


def _moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def long_date(iso: str, language: str = ENGLISH) -> str:
    """`2026-11-26T17:30:00+00:00` -> `26 November 2026` (`26 ноября 2026` in Russian): the day where it was
    written down."""
    moment = _moment(iso)
    return f"{moment.day} {_MONTHS[language][moment.month - 1]} {moment.year}"


def long_time(iso: str, language: str = ENGLISH) -> str:
    """`2026-11-26T20:30:00+03:00` -> `26 November 2026, 17:30 UTC`: a moment, said in UTC (the reader's own
    time zone is not known)."""
    moment = _moment(iso).astimezone(UTC)
    return f"{long_date(moment.isoformat(), language)}, {moment:%H:%M} UTC"


def plural(count: int, *forms: str) -> str:
    """`count` with the noun's form for it: two forms are English's one and other (`1 hour`, `24 hours`), three
    are Russian's one, few and many (`1 час`, `24 часа`, `5 часов`, `21 час`, `11 часов`)."""
    if not isinstance(count, int) or isinstance(count, bool):
        raise ValueError(f"not a count: {count!r}")
    if len(forms) == 2:
        form = forms[0] if count == 1 else forms[1]
    elif len(forms) == 3:
        if count % 10 == 1 and count % 100 != 11:
            form = forms[0]
        elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
            form = forms[1]
        else:
            form = forms[2]
    else:
        raise ValueError(f"plural takes two forms (English) or three (Russian), not {len(forms)}")
    return f"{count} {form}"


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("mailer"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["money"] = money
    env.filters["long_date"] = long_date
    env.filters["long_time"] = long_time
    env.filters["plural"] = plural
    env.globals["translated"] = translated
    return env


def translated(piece: str, language: str) -> str:
    """The template of a shared piece of words (`_payment.txt`) in `language`: `ru/_payment.txt`; the English
    one at the top."""
    return piece if language == ENGLISH else f"{language}/{piece}"


def names() -> list[str]:
    """Every email there is a template for."""
    return sorted(path.split("/")[0] for path in _environment().list_templates()
                  if path.count("/") == 1 and path.endswith("/subject.txt"))


def _parts(name: str, language: str) -> tuple[str, list[Template]]:
    """The language the email is written in and its three templates: its translation into `language` if it has
    one, else the English."""
    env = _environment()
    if language != ENGLISH and _LANGUAGE.fullmatch(language):
        try:
            return language, [env.get_template(f"{name}/{language}/{part}") for part in _PARTS]
        except TemplateNotFound:
            pass
    try:
        return ENGLISH, [env.get_template(f"{name}/{part}") for part in _PARTS]
    except TemplateNotFound:
        raise UnknownTemplate(name) from None


def render(name: str, context: dict[str, Any], *, language: str = ENGLISH, shop_name: str, shop_url: str,
           recipient_name: str) -> Rendered:
    """Subject, text and HTML of email `name` in `language` (English when it has no such translation). Raises
    `UnknownTemplate` or `BadContext`."""
    if not _NAME.fullmatch(name):
        raise UnknownTemplate(name)
    language, parts = _parts(name, language)
    values = {**context, "shop_name": shop_name, "shop_url": shop_url, "recipient_name": recipient_name,
              "language": language}
    try:
        subject, text, html = (part.render(values) for part in parts)
    except (UndefinedError, ValueError, TypeError) as exc:  # ValueError, TypeError: from the filters
        raise BadContext(f"{name}: {exc}") from exc
    return Rendered(" ".join(subject.split()), text, html, language)
