"""Stock for other services: availability in bulk, and reservations that never oversell.

A reservation takes every line or none. Each line is a conditional update (`stock = stock - q WHERE
stock >= q`), so no interleaving of any number of concurrent reservations can take more than there is.
Every writer (reservations, releases, expiry, staff) locks the products it touches first, in id order,
and then their variants in id order, so concurrent writers never deadlock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, literal_column, or_, select, union, update
from sqlalchemy.dialects.postgresql import insert

from products import translations
from products.catalogue.cache import changed
from products.models import FACET_ATTRIBUTES, Product, Reservation, ReservationLine, Variant, db
from products.schemas import KEY
from shop_common.db import unit_of_work
from shop_common.errors import Problem


def availability(variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> list[dict[str, Any]]:
    """The named variants and every variant of the named products, with what a cart shows of them, in the
    request's language (products.translations: the cart's lines and an order's snapshot of them are in it).

    Unknown ids are simply absent from the answer.
    """
    # only the lists that hold ids: an empty IN beside an OR is a subquery Postgres cannot look up in an index,
    # and every variant of the catalogue was read to answer one cart (2.5 million at a million products)
    wanted = [column.in_(ids) for column, ids in ((Variant.id, list(variant_ids)),
                                                  (Variant.product_id, list(product_ids))) if ids]
    if not wanted:
        return []
    # columns, not entities: the cart and the checkout ask this at every step, and rows cost less than objects
    rows = db.session.execute(
        select(Variant.id, Variant.sku, Variant.label, Variant.attributes, Variant.price, Variant.stock,
               Product.id.label("product_id"), Product.slug, Product.name, Product.translations,
               func.coalesce(Product.cover["url"].astext, Product.images[0].astext).label("image"))
        .join(Product, Product.id == Variant.product_id).where(or_(*wanted)).order_by(Variant.id))
    return [{"id": r.id, "sku": r.sku, "label": translations.label(r.label, r.translations),
             "attributes": translations.attributes(r.attributes, r.translations), "price": r.price,
             "stock": r.stock, "in_stock": r.stock > 0, "product_id": r.product_id, "slug": r.slug,
             "name": translations.text(r, "name"), "image": r.image} for r in rows]


def lock_products(product_ids: Iterable[int]) -> None:
    """Lock these products' rows in id order: the first step of every stock change."""
    db.session.execute(select(Product.id).where(Product.id.in_(sorted(set(product_ids))))
                       .order_by(Product.id).with_for_update())


def refresh_figures(product_ids: list[int]) -> set[int]:
    """Recompute the derived `price`, `price_max`, `stock` and `facets` of these products from their variants
    (not committed); the ids of those whose stock went to or from zero.

    Only those move between sold out and buyable, which is all that lists ordered or filtered by it (and the
    facets) see of a stock change: the stock counter need be bumped for them alone (`cache.changed`), so
    the cached default pages outlive checkouts that leave something on the shelf."""
    if not product_ids:
        return set()
    before = dict(db.session.execute(select(Product.id, Product.stock > 0).where(Product.id.in_(product_ids))).all())
    tags = union(*(select(literal(f"{name}:") + Variant.attributes[name].astext)
                   .where(Variant.product_id == Product.id, Variant.attributes.has_key(name))
                   for name in FACET_ATTRIBUTES)).order_by(literal_column("1"))
    figures = (select(Variant.product_id, func.min(Variant.price).label("price"),
                      func.max(Variant.price).label("price_max"), func.sum(Variant.stock).label("stock"))
               .where(Variant.product_id.in_(product_ids)).group_by(Variant.product_id).subquery())
    after = db.session.execute(update(Product).where(Product.id == figures.c.product_id)
                               .values(price=figures.c.price, price_max=figures.c.price_max, stock=figures.c.stock,
                                       facets=func.array(tags.scalar_subquery()))
                               .returning(Product.id, Product.stock > 0)).all()
    return {pid for pid, stocked in after if before.get(pid) != stocked}


def _fingerprint(lines: dict[int, int]) -> str:
    return hashlib.sha256(";".join(f"{v}:{q}" for v, q in sorted(lines.items())).encode()).hexdigest()


def _lines(raw: list[dict[str, int]]) -> dict[int, int]:
    lines: dict[int, int] = {}
    for line in raw:  # the same variant twice is one line of the summed quantity
        lines[line["variant_id"]] = lines.get(line["variant_id"], 0) + line["quantity"]
    return lines


def reserve(key: str, raw_lines: list[dict[str, int]], ttl: int) -> tuple[Reservation | dict[str, Any], bool]:
    """Reserve every line under `key` for `ttl` seconds, or nothing; return it (as ReservationSchema dumps
    it) and whether it is new.

    The same key with the same lines answers the first reservation again; with other lines it is 422
    `idempotency_key_reused`; after a release, 409 `reservation_released`. Short lines are 409
    `insufficient_stock` naming what is left; unknown variants 404 `variant_not_found`.
    """
    expire_due()
    lines = _lines(raw_lines)
    fingerprint = _fingerprint(lines)
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
    with unit_of_work(db):
        inserted = db.session.scalar(
            insert(Reservation).values(key=key, status="held", fingerprint=fingerprint, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["key"]).returning(Reservation.id))
        taken = None if inserted is None else _take(inserted, lines)
    if taken is None:  # the key was used before (a concurrent first use has committed by now)
        existing = db.session.scalar(select(Reservation).where(Reservation.key == key))
        if existing.fingerprint != fingerprint and existing.lines:
            raise Problem(422, "idempotency_key_reused", "This key reserved other lines before.")
        if existing.status in ("released", "expired"):
            raise Problem(409, "reservation_released", f"Reservation {key!r} was {existing.status}.")
        return existing, False
    answer_lines, products, flipped = taken
    changed(products, stock=bool(flipped))
    return {"key": key, "status": "held", "expires_at": expires_at, "lines": answer_lines}, True


def _take(reservation_id: int, lines: dict[int, int]) -> tuple[list[dict[str, Any]], set[int], set[int]]:
    """Take the stock of every line for a new reservation (not committed), or raise 404 / 409: its lines as
    `_line` gives them, the products touched and those of them now sold out (`refresh_figures`)."""
    variants = dict(db.session.execute(select(Variant.id, Variant.product_id).where(Variant.id.in_(lines))).all())
    unknown = sorted(set(lines) - set(variants))
    if unknown:
        raise Problem(404, "variant_not_found", f"No variant {', '.join(map(str, unknown))}.", variant_ids=unknown)
    lock_products(variants.values())
    # a variant deleted between the look-up and the lock is as unknown as one that never was
    present = set(db.session.scalars(select(Variant.id).where(Variant.id.in_(lines))))
    if gone := sorted(set(lines) - present):
        raise Problem(404, "variant_not_found", f"No variant {', '.join(map(str, gone))}.", variant_ids=gone)
    taken = []
    for variant_id in sorted(lines):
        row = db.session.execute(
            update(Variant).where(Variant.id == variant_id, Variant.stock >= lines[variant_id])
            .values(stock=Variant.stock - lines[variant_id]).returning(Variant.price)).first()
        if row is None:
            break
        taken.append(ReservationLine(reservation_id=reservation_id, variant_id=variant_id,
                                     product_id=variants[variant_id], quantity=lines[variant_id],
                                     unit_price=row.price))
    if len(taken) < len(lines):
        stock = dict(db.session.execute(select(Variant.id, Variant.stock).where(Variant.id.in_(lines))).all())
        short = [{"variant_id": v, "requested": q, "available": stock[v]}
                 for v, q in sorted(lines.items()) if stock[v] < q]
        raise Problem(409, "insufficient_stock", "Not enough stock for " + ", ".join(
            f"variant {s['variant_id']} (only {s['available']} left)" for s in short) + ".", lines=short)
    db.session.add_all(taken)
    flipped = refresh_figures(list(set(variants.values())))
    # the answer from what this transaction wrote: read back after the commit, it cost two more queries
    return [_line(line) for line in taken], set(variants.values()), flipped


def _line(line: ReservationLine) -> dict[str, Any]:
    return {"variant_id": line.variant_id, "product_id": line.product_id, "quantity": line.quantity,
            "unit_price": line.unit_price}


def _checked(key: str) -> str:
    """A reservation key from a path: one that no reservation could have is 404 (and never stored)."""
    if not KEY.regex.fullmatch(key):
        raise Problem(404, "reservation_not_found", "No such reservation.")
    return key


def _locked(key: str) -> Reservation | None:
    return db.session.scalar(select(Reservation).where(Reservation.key == key).with_for_update())


def _give_back(reservations: list[Reservation], status: str) -> tuple[set[int], set[int]]:
    """Return these reservations' stock to their variants (not committed); the products touched, and those
    of them that were sold out and are not any more (`refresh_figures`).

    Products are locked first in id order, then variants updated in id order, then the products' figures
    recomputed in one statement, so the count rows its trigger locks are taken in one fixed order too.
    """
    lines = sorted((line for r in reservations for line in r.lines), key=lambda line: line.variant_id)
    products = {line.product_id for line in lines}
    lock_products(products)
    for line in lines:
        db.session.execute(update(Variant).where(Variant.id == line.variant_id)
                           .values(stock=Variant.stock + line.quantity))
    for reservation in reservations:
        reservation.status = status
        reservation.expires_at = None
    return products, refresh_figures(list(products))


def confirm(key: str) -> dict[str, Any]:
    """Keep the stock for good (the order exists): held or confirmed answers confirmed."""
    with unit_of_work(db):
        reservation = _locked(_checked(key))
        if reservation is None:
            raise Problem(404, "reservation_not_found", f"No reservation {key!r}.")
        if reservation.status in ("released", "expired"):
            raise Problem(409, "reservation_released", f"Reservation {key!r} was {reservation.status}.")
        reservation.status, reservation.expires_at = "confirmed", None
        answer = {"key": reservation.key, "status": "confirmed", "expires_at": None,
                  "lines": [_line(line) for line in reservation.lines]}  # before the commit expires them
    return answer


def release(key: str) -> Reservation:
    """Give the stock back (a failed checkout, a cancelled order). Idempotent; an unknown key is recorded
    as released, so that a reserve arriving later under it takes nothing."""
    with unit_of_work(db):
        reservation = _locked(_checked(key))
        if reservation is None:
            remembered = db.session.scalar(insert(Reservation).values(key=key, status="released")
                                           .on_conflict_do_nothing(index_elements=["key"]).returning(Reservation.id))
            if remembered is not None:
                return db.session.scalar(select(Reservation).where(Reservation.key == key))
            # A reserve under this key was still running (the caller gave up waiting for it): the insert waited
            # for it to commit, and what it took must go back now, or it would stay held until it expires.
            reservation = _locked(key)
        products: set[int] = set()
        flipped: set[int] = set()
        if reservation.status in ("held", "confirmed"):
            products, flipped = _give_back([reservation], "released")
    changed(products, stock=bool(flipped))
    return reservation


def get(key: str) -> Reservation:
    reservation = db.session.scalar(select(Reservation).where(Reservation.key == _checked(key)))
    if reservation is None:
        raise Problem(404, "reservation_not_found", f"No reservation {key!r}.")
    return reservation


def expire_due(limit: int = 50) -> int:
    """Give back the stock of held reservations past their time (committed); how many expired.

    Runs before every reservation and from `shop-products expire-reservations`; SKIP LOCKED lets several
    callers share the work without waiting on each other.
    """
    with unit_of_work(db):
        due = db.session.scalars(select(Reservation).where(Reservation.status == "held",
                                                           Reservation.expires_at < func.now())
                                 .order_by(Reservation.expires_at).limit(limit)
                                 .with_for_update(skip_locked=True)).all()
        if not due:  # the usual case, before every reservation: no lock to take, no cache to make stale
            return 0
        products, flipped = _give_back(list(due), "expired")  # all at once: one fixed lock order (_give_back)
    changed(products, stock=bool(flipped))
    return len(due)
