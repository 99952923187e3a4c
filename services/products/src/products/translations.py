"""The catalogue's own text in the shopper's language.

English is the columns themselves (`name`, `description`, the values of `attributes`); every other language of
`shop_common.language.LANGUAGES` is in a row's `translations`: a category's `{"ru": {"name", "description"}}`, a
product's `{"ru": {"name", "description", "values": {"<English value>": "<its translation>"}}}`, `values`
translating the values of the product's attributes and of its variants' attributes. What a translation leaves
out (or leaves empty) is shown in English.

A variant's label is made of its values ("M / Navy", seed.py and the back office make it so): it is translated
whole when `values` has it, else part by part around " / " ("M / Тёмно-синий").

The language answers are made in is `language()`: the request's (`current()`), unless the request said
otherwise (`shop_common.language.answered_in`: the staff's reads and writes answer the columns themselves, with
their `translations` beside them) or a block runs under `speaking(...)`. The schemas of `products.schemas` read
it as they dump (smorest dumps after the view has returned, hence `g` rather than a block), and the cache keys
every answer by it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import g, has_app_context

from shop_common.language import DEFAULT, current

SEPARATOR = " / "


def language() -> str:
    """The language answers are being made in."""
    return (has_app_context() and g.get("answer_language")) or current()


@contextmanager
def speaking(language_: str) -> Iterator[None]:
    """Make the answers of this block in `language_` whatever the request asked for."""
    before = g.get("answer_language")
    g.answer_language = language_
    try:
        yield
    finally:
        g.answer_language = before


def _own(translations: Mapping[str, Any] | None, language_: str) -> Mapping[str, Any]:
    if language_ == DEFAULT or not translations:
        return {}
    own = translations.get(language_)
    return own if isinstance(own, Mapping) else {}


def text(row: Any, field: str, translations: Mapping[str, Any] | None = None) -> str:
    """`row.field` in `language()`: its translation when there is one, else the column. `translations`: the
    row's, when `row` is a plain row without them (a dict-like query row)."""
    if isinstance(row, Mapping):
        own, column = _own(row.get("translations") if translations is None else translations, language()), row[field]
    else:
        own, column = _own(row.translations if translations is None else translations, language()), getattr(row, field)
    return own.get(field) or column


def values(translations: Mapping[str, Any] | None) -> Mapping[str, str]:
    """English value -> its translation in `language()`, from a product's translations."""
    found = _own(translations, language()).get("values")
    return found if isinstance(found, Mapping) else {}


def attributes(attrs: Mapping[str, str] | None, translations: Mapping[str, Any] | None) -> dict[str, str]:
    """Name -> value, each value in `language()` (names are keys, translated by the storefront)."""
    known = values(translations)
    return {name: known.get(value) or value for name, value in (attrs or {}).items()}


def label(label_: str, translations: Mapping[str, Any] | None) -> str:
    """A variant's label in `language()`: whole, else part by part (see the module)."""
    known = values(translations)
    if not known:
        return label_
    if whole := known.get(label_):
        return whole
    return SEPARATOR.join(known.get(part) or part for part in label_.split(SEPARATOR))


def clean(translations: Mapping[str, Any]) -> dict[str, Any]:
    """Translations as stored: empty texts and values left out (shown in English), and a language left with
    nothing dropped, so `{"ru": {"name": ""}}` from an emptied field clears that translation."""
    out: dict[str, Any] = {}
    for language_, fields in translations.items():
        kept: dict[str, Any] = {}
        for field, value in fields.items():
            if field == "values":
                value = {k: v for k, v in value.items() if k and v}
            if value:
                kept[field] = value
        if kept:
            out[language_] = kept
    return out
