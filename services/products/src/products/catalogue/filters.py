"""What a list query selects and how it sorts: its WHERE conditions, its search, its orderings.

A search is exact first: every word as a prefix of a word of the product's English text (the generated
tsvector, one GIN index), ranked by `ts_rank`. When that finds nothing anywhere in the catalogue, it forgives
typos: pg_trgm's word similarity of each word of the query with the names in every language (`NAMES`, a
GIN trigram index), so "lnen shrt" finds the Linen shirt and "рубашк" the Льняная рубашка, ranked by that
similarity; and such a search gets a suggestion (`suggest`) made of the catalogue's own words. Where pg_trgm
is missing (the embedded pgserver's Postgres ships without it) the search stays exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Text, and_, false, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from products.models import FACET_ATTRIBUTES, NAMES, NAMES_SQL, Category, Product, db

#: in stock first: what the default ordering and relevance sort by before anything else (sold out last)
STOCKED = Product.stock > 0
ORDER_BY = {
    "price": (Product.price, Product.id),
    "-price": (Product.price.desc(), Product.id.desc()),
    "name": (Product.name, Product.id),
    "-name": (Product.name.desc(), Product.id.desc()),
    "-created_at": (STOCKED.desc(), Product.created_at.desc(), Product.id.desc()),
}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: how similar (pg_trgm word similarity) a name must be to each word of a query it does not contain: "lnen" and
#: "shrt" are 0.4 of "Linen Camp-Collar Shirt", "linnen" 0.63; "skirt" is 0.33 of "Linen Shirt"
FUZZY_THRESHOLD = 0.35
#: a suggestion is made from the words of this many names that look like each word of the query
_SUGGEST_FROM = 200
#: what separates the words of NAMES (spaces, punctuation, the JSON around the translations); not a class like
#: [[:alnum:]], which a database in the C locale limits to ASCII letters
_SPLIT = r'[\s"\[\],.;:!?()/&+]+'


def prefix_query(text: str) -> str | None:
    """A `to_tsquery` expression matching every word of `text` as a prefix ("lin shi" finds "linen shirt").

    Only letters and digits reach the query, so no input can make it malformed. None if no word is left.
    """
    words = _WORD.findall(text.lower())[:10]
    return " & ".join(f"{word}:*" for word in words) or None


def trigrams() -> bool:
    """Whether this database has pg_trgm (and so the fuzzy search's index): asked once per process."""
    known = current_app.extensions.setdefault("products_trigrams", {})
    if "ok" not in known:
        known["ok"] = bool(db.session.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")))
    return known["ok"]


@dataclass(frozen=True)
class Search:
    """How a search selects and ranks: exactly (`fuzzy` False) or forgiving typos."""

    condition: Any
    rank: Any
    fuzzy: bool
    text: str


def search(text_: str) -> Search:
    """The search for `text_`: exact when any product has every word (as a prefix), else fuzzy (one index
    look-up decides: the exact match is the usual case and costs nothing more)."""
    tsquery = prefix_query(text_)
    if tsquery is None:
        return Search(false(), None, False, text_)
    ts = func.to_tsquery("english", tsquery)
    exact = Product.search.op("@@")(ts)
    if not trigrams() or db.session.scalar(select(select(Product.id).where(exact).exists())):
        return Search(exact, func.ts_rank(Product.search, ts), False, text_)
    # each word on its own, as a name's words may stand between them ("lnen shrt": Linen Camp-Collar Shirt);
    # words under three letters have too few trigrams to be told apart
    words = [word for word in _WORD.findall(text_.lower())[:10] if len(word) >= 3]
    if not words:
        return Search(exact, func.ts_rank(Product.search, ts), False, text_)
    rank = sum((func.word_similarity(word, NAMES) for word in words[1:]), func.word_similarity(words[0], NAMES))
    return Search(and_(*(NAMES.op("%>")(word) for word in words)), rank, True, text_)


def fuzzy_threshold(dbapi_connection: Any, _record: Any) -> None:
    """On every new connection of the pool (`connect` event): the threshold the `%>` operator compares with
    (0.6 by default: "lnen shrt" would find nothing), set once for the connection's life instead of before every
    fuzzy query. Outside any transaction (autocommit), or the pool's rollback would undo it; a placeholder
    setting where pg_trgm is missing."""
    autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {float(FUZZY_THRESHOLD)}")
    finally:
        dbapi_connection.autocommit = autocommit


def suggest(text_: str) -> str | None:
    """"Did you mean": each word of `text_` replaced by the most similar word of the names that look like it
    (pg_trgm over the catalogue's names, in every language), None when that changes nothing or finds nothing."""
    words = _WORD.findall(text_.lower())[:5]
    if not words or not trigrams():
        return None
    best = db.session.execute(_SUGGEST, {"words": words, "limit": _SUGGEST_FROM, "split": _SPLIT}).all()
    suggestion = " ".join(found or word for word, found in best)
    return None if suggestion == " ".join(words) else suggestion


# each word of the query, with the most similar word of the first names that look like it: one round trip
_SUGGEST = text(f"""
    SELECT q.word, (
        SELECT w FROM (SELECT {NAMES_SQL} AS names FROM products WHERE {NAMES_SQL} %> q.word LIMIT :limit) AS p,
                      regexp_split_to_table(lower(p.names), :split) AS w
        WHERE length(w) > 1 ORDER BY similarity(q.word, w) DESC, w LIMIT 1)
    FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS q(word, n) ORDER BY q.n""")  # noqa: S608 (constants)


def tags(attribute: str, values: list[str]) -> Any:
    """`facets` tags of these values of a facet attribute (`size:M`), as a Postgres array."""
    return literal([f"{attribute}:{value}" for value in values], ARRAY(Text))


def conditions(query: dict[str, Any], *, leave_out: frozenset[str] = frozenset(),
               found: Search | None = None) -> tuple[list[Any], Any]:
    """The WHERE conditions of a list query, and the search rank (None without a search). `leave_out`: filters
    to ignore (a facet counts with its own filter left out); `found`: the query's `search`, made already."""
    conditions: list[Any] = []
    rank = None
    if (slug := query.get("category")) and "category" not in leave_out:
        conditions.append(Product.category_id == select(Category.id).where(Category.slug == slug)
                          .scalar_subquery())
    if (text_ := query.get("search")) is not None:
        found = found or search(text_)
        conditions.append(found.condition)
        rank = found.rank
    for attribute in FACET_ATTRIBUTES:
        if (values := query.get(attribute)) and attribute not in leave_out:
            conditions.append(Product.facets.overlap(tags(attribute, values)))
    if "price" not in leave_out:
        if "min_price" in query:
            conditions.append(Product.price >= query["min_price"])
        if "max_price" in query:
            conditions.append(Product.price <= query["max_price"])
    if "in_stock" in query and "in_stock" not in leave_out:
        conditions.append(STOCKED if query["in_stock"] else Product.stock == 0)
    return conditions, rank


def relevance(rank: Any) -> tuple[Any, ...]:
    """The order of a search by relevance: buyable first, then the best matches."""
    return (STOCKED.desc(), rank.desc(), Product.id.desc())
