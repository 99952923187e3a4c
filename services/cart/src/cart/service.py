"""What the cart does. The only module that writes, each time in a unit of work; products is always asked
outside a transaction (the kit's client refuses otherwise).

Every add and change asks products whether the wanted quantity is there (one bulk call), then writes
with a condition that holds the line to that stock and to 99, so two concurrent adds cannot together
pass what one check allowed. A view asks products once for every line; if products cannot answer, the
cart is shown from what each line stored, marked stale.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert

from cart.clients import products
from cart.models import ADD_KEYS_KEPT_HOURS, MAX_LINES, MAX_QUANTITY, CartAdd, CartItem, CartRemoval, db
from shop_common.db import end_read, unit_of_work
from shop_common.errors import Problem, field_problem
from shop_common.http import ServiceUnavailable

SNAPSHOT = ("product_id", "slug", "name", "label", "image", "unit_price", "stock")


def _snapshot(info: dict[str, Any]) -> dict[str, Any]:
    return {"product_id": info["product_id"], "slug": info["slug"], "name": info["name"], "label": info["label"],
            "image": info["image"], "unit_price": Decimal(info["price"]), "stock": info["stock"]}


def view(user_id: int) -> dict[str, Any]:
    """The cart with current names, prices and stock from products, or stored ones marked stale."""
    items = [{c: getattr(i, c) for c in ("id", "variant_id", "quantity", *SNAPSHOT)} for i in db.session.scalars(
        select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.id))]
    end_read(db)  # no transaction stays open while products is asked
    try:
        live: dict[int, dict[str, Any]] | None = products.variants([i["variant_id"] for i in items])
    except ServiceUnavailable:
        live = None
    lines = []
    for item in items:
        now = {k: item[k] for k in SNAPSHOT}
        if live is not None:  # a variant products no longer has cannot be bought: no stock
            now = _snapshot(live[item["variant_id"]]) if item["variant_id"] in live else {**now, "stock": 0}
        lines.append({"id": item["id"], "variant_id": item["variant_id"], **now, "unit_price": str(now["unit_price"]),
                      "quantity": item["quantity"], "line_total": str(now["unit_price"] * item["quantity"])})
    return {"items": lines, "total_quantity": sum(line["quantity"] for line in lines),
            "total_price": str(sum((Decimal(line["line_total"]) for line in lines), Decimal("0.00"))),
            "currency": current_app.config["SHOP"]["CURRENCY"], "stale": live is None}


def _short(info: dict[str, Any], wanted: int, in_cart: int) -> Problem:
    left = info["stock"]
    return Problem(409, "insufficient_stock", f"Only {left} left of '{info['name']} / {info['label']}'"
                   + (f" ({in_cart} in your cart already)." if in_cart else "."), available=left,
                   requested=wanted, in_cart=in_cart)


def _variant(product_id: int, variant_id: int | None) -> dict[str, Any]:
    """What products says of the variant to add (the product's only one when none is named)."""
    known = products.variants([variant_id] if variant_id else [], [] if variant_id else [product_id])
    if variant_id is not None:
        info = known.get(variant_id)
        if info is None or info["product_id"] != product_id:
            raise Problem(404, "product_not_found", f"Product {product_id} has no variant {variant_id}.")
        return info
    of_product = [v for v in known.values() if v["product_id"] == product_id]
    if not of_product:
        raise Problem(404, "product_not_found", f"No product {product_id}.")
    if len(of_product) > 1:
        raise field_problem(422, "variant_required", "variant_id",
                            f"Choose one of {len(of_product)} variants: {', '.join(v['label'] for v in of_product)}.")
    return of_product[0]


class _SentTwice(Exception):
    """A keyed add found its key taken by the same add, made meanwhile."""


def add(user_id: int, product_id: int, variant_id: int | None, quantity: int, key: str | None = None
        ) -> tuple[bool, bool]:
    """Put `quantity` of a variant in the cart, growing its line if there is one: (whether a line was made,
    whether this was a repeat). With a `key`, an add sent again changes nothing and answers as the first did
    (422 `idempotency_key_reused` when the key came with another add)."""
    fingerprint = hashlib.sha256(f"{product_id}:{variant_id}:{quantity}".encode()).hexdigest()
    if key is not None and (first := _keyed_add(user_id, key, fingerprint)) is not None:
        return first, True
    info = _variant(product_id, variant_id)
    in_cart = db.session.scalar(select(CartItem.quantity).where(CartItem.user_id == user_id,
                                                                CartItem.variant_id == info["id"])) or 0
    lines = db.session.scalar(select(func.count()).where(CartItem.user_id == user_id))
    end_read(db)
    if not in_cart and lines >= MAX_LINES:
        raise Problem(409, "cart_full", f"A cart holds at most {MAX_LINES} different items.")
    wanted = in_cart + quantity
    if wanted > MAX_QUANTITY:
        raise field_problem(422, "quantity_too_large", "quantity",
                            f"At most {MAX_QUANTITY} of one item; {in_cart} in your cart already.")
    if wanted > info["stock"]:
        raise _short(info, wanted, in_cart)
    snapshot = _snapshot(info)
    stmt = insert(CartItem).values(user_id=user_id, variant_id=info["id"], quantity=quantity, **snapshot)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "variant_id"],
        set_={"quantity": CartItem.quantity + stmt.excluded.quantity, "updated_at": func.now(),
              **{k: stmt.excluded[k] for k in SNAPSHOT}},
        where=CartItem.quantity + stmt.excluded.quantity <= min(info["stock"], MAX_QUANTITY))
    try:
        with unit_of_work(db):
            row = db.session.execute(stmt.returning(literal_column("xmax = 0"))).first()
            if row is None:  # a concurrent add took what this one counted on (raised here: nothing is kept)
                raise _short(info, wanted, in_cart)
            if key is not None and db.session.execute(
                    insert(CartAdd).values(user_id=user_id, key=key, fingerprint=fingerprint, created=bool(row[0]))
                    .on_conflict_do_nothing().returning(CartAdd.key)).first() is None:
                raise _SentTwice  # the same add, sent twice at once: the other one made it (this one rolls back)
    except _SentTwice:
        return bool(_keyed_add(user_id, key, fingerprint)), True
    return bool(row[0]), False


def _keyed_add(user_id: int, key: str, fingerprint: str) -> bool | None:
    """How the add made before under `key` answered (whether it made a line), or None if there was none."""
    first = db.session.execute(select(CartAdd.fingerprint, CartAdd.created)
                               .where(CartAdd.user_id == user_id, CartAdd.key == key)).first()
    end_read(db)
    if first is not None and first.fingerprint != fingerprint:
        raise Problem(422, "idempotency_key_reused", "This Idempotency-Key was used with another add.")
    return None if first is None else first.created


def forget_add_keys() -> int:
    """Drop the Idempotency-Keys of adds older than ADD_KEYS_KEPT_HOURS (run by the background thread)."""
    with unit_of_work(db):
        return db.session.execute(delete(CartAdd).where(
            CartAdd.created_at < func.now() - timedelta(hours=ADD_KEYS_KEPT_HOURS))).rowcount


def _own(user_id: int, item_id: int) -> CartItem:
    item = db.session.scalar(select(CartItem).where(CartItem.id == item_id, CartItem.user_id == user_id))
    if item is None:  # another user's line is as absent as a line that never was
        raise Problem(404, "item_not_found", f"Your cart has no line {item_id}.")
    return item


def update_quantity(user_id: int, item_id: int, quantity: int) -> None:
    variant_id = _own(user_id, item_id).variant_id
    end_read(db)
    info = products.variants([variant_id]).get(variant_id)
    if info is None:
        raise Problem(409, "insufficient_stock", "This item is no longer sold.", available=0, requested=quantity,
                      in_cart=0)
    if quantity > info["stock"]:
        raise _short(info, quantity, 0)
    with unit_of_work(db):
        changed = db.session.execute(update(CartItem).where(CartItem.id == item_id, CartItem.user_id == user_id)
                                     .values(quantity=quantity, **_snapshot(info))).rowcount
    if not changed:
        raise Problem(404, "item_not_found", f"Your cart has no line {item_id}.")


def remove_item(user_id: int, item_id: int) -> None:
    with unit_of_work(db):
        gone = db.session.execute(delete(CartItem).where(CartItem.id == item_id,
                                                         CartItem.user_id == user_id)).rowcount
    if not gone:
        raise Problem(404, "item_not_found", f"Your cart has no line {item_id}.")


def clear(user_id: int) -> None:
    with unit_of_work(db):
        db.session.execute(delete(CartItem).where(CartItem.user_id == user_id))


# -- for the orders service --------------------------------------------------------------------------------

def stored(user_id: int) -> list[CartItem]:
    """The user's lines as stored (orders reserves them with products itself)."""
    return list(db.session.scalars(select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.id)))


def remove_ordered(user_id: int, key: str, lines: list[dict[str, int]]) -> list[CartItem]:
    """Take an order's lines out of the cart, once per `key`: each line loses the quantity ordered (and goes
    when nothing is left), so what was added meanwhile stays."""
    fingerprint = hashlib.sha256(";".join(f"{line['variant_id']}:{line['quantity']}" for line in sorted(
        lines, key=lambda line: line["variant_id"])).encode()).hexdigest()
    with unit_of_work(db):
        first = db.session.execute(insert(CartRemoval).values(key=key, user_id=user_id, fingerprint=fingerprint)
                                   .on_conflict_do_nothing(index_elements=["user_id", "key"])
                                   .returning(CartRemoval.key)).first()
        if first is None and db.session.scalar(select(CartRemoval.fingerprint).where(
                CartRemoval.user_id == user_id, CartRemoval.key == key)) != fingerprint:
            raise Problem(422, "idempotency_key_reused", f"Key {key!r} removed other lines before.")
        if first is not None:
            for line in sorted(lines, key=lambda line: line["variant_id"]):
                where = (CartItem.user_id == user_id, CartItem.variant_id == line["variant_id"])
                db.session.execute(delete(CartItem).where(*where, CartItem.quantity <= line["quantity"]))
                db.session.execute(update(CartItem).where(*where)
                                   .values(quantity=CartItem.quantity - line["quantity"]))
    return stored(user_id)
