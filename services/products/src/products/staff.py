"""The staff's changes to the catalogue: categories, products, variants. Each is one transaction,
committed here, then made stale in the cache.

Every change to a product's variants (price, stock, a variant added or removed) recomputes the product's
derived `price` (lowest variant price) and `stock` (sum) in the same transaction (`stock.refresh_figures`),
so the list, which filters and sorts on those two columns, never disagrees with the detail.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import g, has_request_context, request
from slugify import slugify
from sqlalchemy import select

from products.catalogue import cache
from products.catalogue.queries import (
    WHOLE,
    category_etags,
    category_out,
    category_text,
    etag,
    product_etags,
    staff_detail_text,
)
from products.models import Category, Photo, PhotoFile, Product, Variant, db
from products.pictures import photos
from products.stock import refresh_figures
from products.translations import clean
from shop_common.db import unit_of_work
from shop_common.errors import Problem, field_problem
from shop_common.language import DEFAULT, answered_in

_CONFLICTS = {
    "uq_products_slug": lambda: field_problem(409, "slug_taken", "slug", "A product has this slug already."),
    "uq_categories_slug": lambda: field_problem(409, "slug_taken", "slug", "A category has this slug already."),
    "uq_variants_sku": lambda: field_problem(409, "sku_taken", "sku", "A variant has this SKU already."),
    "fk_products_category_id_categories": lambda: Problem(
        409, "category_not_empty", "The category still has products; move or delete them first."),
}


def get_product(slug: str, *, lock: bool = False) -> Product:
    """The product with this slug and its variants; 404 `product_not_found`. `lock` takes its row lock
    first, as every stock writer does (see stock.py), and then checks the request's If-Match against the
    product as it is now, under that lock (`_expect`): the change that follows is made to what was read."""
    if lock:  # the row alone: a lock taken through the category join would lose a product just moved
        db.session.execute(select(Product.id).where(Product.slug == slug).with_for_update())
    product = db.session.scalar(select(Product).where(Product.slug == slug).options(*WHOLE))
    if product is None:
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    if lock:
        _expect(product_etags(product))
        g.versioned = (Product, product.id)
    return product


def _expect(current: set[str]) -> None:
    """412 `version_conflict` when the request sent an If-Match that names none of `current` (the ETags of the
    product or category as it is now, read under its lock: the staff's read, or the public one in any
    language); no If-Match, no check. A weak tag matches too: the gateway's gzip marks the tag of what it
    compresses weak (nginx does so for any content coding), and the tag is a digest of the JSON before any
    coding, so `W/"x"` names the same version as `"x"`."""
    if has_request_context() and request.if_match and not any(request.if_match.contains_weak(tag)
                                                             for tag in current):
        raise Problem(412, "version_conflict",
                      "It has changed since you read it (If-Match is not its ETag): read it again, then retry.")


def _new_etag() -> str | None:
    """The ETag of what this change wrote (`g.versioned`), read back in its transaction, under its lock, as the
    staff read it (what the change answers); None when it wrote no product or category, or deleted it."""
    model, ident = g.pop("versioned", (None, None))
    if model is None:
        return None
    db.session.flush()
    db.session.expire_all()  # bulk updates (the derived figures) are read back, not what the session assumed
    if model is Product:
        product = db.session.scalar(select(Product).where(Product.id == ident).options(*WHOLE))
        return None if product is None else etag(staff_detail_text(product), DEFAULT)
    category = db.session.get(Category, ident)
    return None if category is None else etag(category_text(category, staff=True), DEFAULT)


def _writes(change):
    """A staff change: one unit of work, committed at the end, constraint violations as 409s; then the
    products it `_touched` are made stale in the cache. It answers as the staff read: the columns and their
    translations."""

    @wraps(change)
    def run(*args, **kwargs):
        answered_in(DEFAULT)
        g.touched_products = set()
        g.pop("versioned", None)
        with unit_of_work(db, _CONFLICTS):
            result = change(*args, **kwargs)
            g.etag = _new_etag()
        cache.changed(g.touched_products, listing=True)
        return result

    return run


def _touched(product: Product) -> None:
    g.touched_products.add(product.id)


def _category(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise field_problem(422, "validation_error", "category", f"No category {slug!r}.")
    return category


def _free_slug(model, name: str, limit: int) -> str:
    """A slug made from `name` that no row of `model` has yet (`linen-shirt`, `linen-shirt-2`, ...)."""
    base = slugify(name, max_length=limit - 4) or "item"
    taken = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@_writes
def create_product(data: dict[str, Any]) -> Product:
    product = Product(name=data["name"], slug=data.get("slug") or _free_slug(Product, data["name"], 220),
                      description=data["description"], attributes=data["attributes"], images=data["images"],
                      category=_category(data["category"]), translations=clean(data["translations"]),
                      variants=[Variant(**variant) for variant in data["variants"]])
    db.session.add(product)
    db.session.flush()
    refresh_figures([product.id])
    _touched(product)
    g.versioned = (Product, product.id)
    return product


@_writes
def update_product(slug: str, changes: dict[str, Any]) -> Product:
    product = get_product(slug, lock=True)
    if "images" in changes:
        _reorder(product, changes.pop("images"))
    if "category" in changes:
        product.category = _category(changes.pop("category"))
    if "translations" in changes:
        changes["translations"] = clean(changes["translations"])
    for field, value in changes.items():
        setattr(product, field, value)
    _touched(product)
    return product


@_writes
def delete_product(slug: str) -> None:
    product = get_product(slug, lock=True)
    _touched(product)
    db.session.delete(product)


def _variant(slug: str, variant_id: int) -> tuple[Product, Variant]:
    product = get_product(slug, lock=True)
    _touched(product)
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None:
        raise Problem(404, "variant_not_found", f"Product {slug!r} has no variant {variant_id}.")
    return product, variant


@_writes
def add_variant(slug: str, data: dict[str, Any]) -> Variant:
    product = get_product(slug, lock=True)
    _touched(product)
    variant = Variant(product=product, **data)
    db.session.add(variant)
    db.session.flush()
    refresh_figures([product.id])
    return variant


@_writes
def update_variant(slug: str, variant_id: int, changes: dict[str, Any]) -> Variant:
    """Change a variant; `{"stock": n}` sets its stock."""
    product, variant = _variant(slug, variant_id)
    for field, value in changes.items():
        setattr(variant, field, value)
    db.session.flush()
    refresh_figures([product.id])
    return variant


@_writes
def delete_variant(slug: str, variant_id: int) -> None:
    product, variant = _variant(slug, variant_id)
    if len(product.variants) == 1:
        raise Problem(409, "last_variant", "A product needs at least one variant; delete the product instead.")
    db.session.delete(variant)
    db.session.flush()
    refresh_figures([product.id])


def _reorder(product: Product, ids: list[int]) -> None:
    """Put the product's photos in the order of `ids`: each of its photo ids once, else 422 naming `images`."""
    if sorted(ids) != sorted(p.id for p in product.photos):
        raise field_problem(422, "validation_error", "images",
                            "Give each id of the product's photos once, in their new order.")
    position = {ident: n for n, ident in enumerate(ids)}
    for photo in product.photos:
        photo.position = position[photo.id]
    product.photos.sort(key=lambda p: p.position)
    _refresh_cover(product)


def _refresh_cover(product: Product) -> None:
    """The product's `cover` from its first photo, after any change to its photos (same transaction)."""
    product.cover = photos.cover_of(product.photos[0] if product.photos else None)


def add_photo(slug: str, data: bytes, filename: str | None = None, content_type: str | None = None) -> Photo:
    """Make a photo of these bytes (`photos.process`: 422 `invalid_image` for anything but a sound JPEG, PNG or
    WebP) and add it, last, to the product's photos: the one way a photo is stored, for the staff's uploads and
    the demo seed alike. The work on the pixels is done first, holding no lock."""
    return _attach_photo(slug, photos.process(data, filename, content_type))


@_writes
def _attach_photo(slug: str, made: photos.Processed) -> Photo:
    product = get_product(slug, lock=True)
    _touched(product)
    if len(product.photos) >= photos.MAX_PHOTOS:
        raise Problem(409, "too_many_images", f"A product has at most {photos.MAX_PHOTOS} photos; delete one first.")
    photo = Photo(width=made.width, height=made.height, position=len(product.photos),
                  renditions=[PhotoFile(size=r.size, name=r.name, width=r.width, height=r.height, data=r.data)
                              for r in made.renditions])
    product.photos.append(photo)
    _refresh_cover(product)
    db.session.flush()
    return photo


@_writes
def delete_photo(slug: str, photo_id: int) -> None:
    product = get_product(slug, lock=True)
    _touched(product)
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        raise Problem(404, "image_not_found", f"Product {slug[:100]!r} has no photo {photo_id}.")
    product.photos.remove(photo)
    for n, left in enumerate(product.photos):
        left.position = n
    _refresh_cover(product)


def _get_category(slug: str) -> Category:
    """The category with this slug, its row locked, checked against the request's If-Match (`_expect`)."""
    category = db.session.scalar(select(Category).where(Category.slug == slug).with_for_update())
    if category is None:
        raise Problem(404, "category_not_found", f"No category {slug[:100]!r}.")
    _expect(category_etags(category))
    g.versioned = (Category, category.id)
    return category


@_writes
def create_category(data: dict[str, Any]) -> dict[str, Any]:
    category = Category(name=data["name"], slug=data.get("slug") or _free_slug(Category, data["name"], 120),
                        description=data["description"], translations=clean(data["translations"]))
    db.session.add(category)
    db.session.flush()
    g.versioned = (Category, category.id)
    return category_out(category)


@_writes
def update_category(slug: str, changes: dict[str, Any]) -> dict[str, Any]:
    category = _get_category(slug)
    if "translations" in changes:
        changes["translations"] = clean(changes["translations"])
    for field, value in changes.items():
        setattr(category, field, value)
    db.session.flush()
    return category_out(category)


@_writes
def delete_category(slug: str) -> None:
    db.session.delete(_get_category(slug))
