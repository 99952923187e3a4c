"""The catalogue: categories, products, variants. Models never commit: `staff.py` and `stock.py` do.

Stock lives on variants and never goes below zero (a CHECK is the backstop). A product keeps two
figures derived from its variants, `price` (the lowest variant price) and `stock` (their sum), so that the
list can filter and sort on indexes instead of aggregating a million variants per page; likewise `price_max`
(the highest: a card says "from" when it is above `price`) and `facets` (its variants' sizes and colours as
tags, `size:M`, `color:Navy`, which the list filters on and the facets count). `stock.refresh_figures` keeps
them right in the same transaction as every variant change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_common.db import make_db

db = make_db()

MONEY = Numeric(12, 2)
SEARCH_DOCUMENT = ("setweight(to_tsvector('english', name), 'A') || "
                   "setweight(to_tsvector('english', coalesce(description, '')), 'B')")
#: the variant attributes that are facets (their values are a product's `facets` tags, "size:M")
FACET_ATTRIBUTES = ("size", "color")
#: the edges of the facets' price ranges: under 25, 25 to 49.99, ..., 200 and up (the triggers of migration 0009
#: count by them too: change both together)
PRICE_EDGES = (25, 50, 100, 200)
#: the text the fuzzy search compares with (pg_trgm): the name and its names in every other language
NAMES_SQL = "(name || ' ' || (jsonb_path_query_array(translations, '$.*.name'))::text)"
#: the same, its columns named with their table (a product read with its category has two `name`s)
NAMES = literal_column("(products.name || ' ' || (jsonb_path_query_array(products.translations, '$.*.name'))::text)")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: its name and description in the other languages: {"ru": {"name": ..., "description": ...}}
    translations: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    images: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    category_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("categories.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    price: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    stock: Mapped[int] = mapped_column(Integer, server_default="0")
    price_max: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    facets: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True), deferred=True)
    #: its first photo's `{"url", "sizes"}` (`photos.cover`), null without photos: what its card shows, kept
    #: on the row, in the same transaction as every photo change, so lists read the products' rows alone
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    #: its text in the other languages: {"ru": {"name": ..., "description": ..., "values": {"Bottle Green":
    #: "..."}}}, `values` translating the values of its own and its variants' attributes (and so their labels)
    translations: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    variants: Mapped[list[Variant]] = relationship(back_populates="product", order_by="Variant.id",
                                                   cascade="all, delete-orphan", passive_deletes=True)
    photos: Mapped[list[Photo]] = relationship(order_by="Photo.position", cascade="all, delete-orphan",
                                               passive_deletes=True)

    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        # one index per ordering, each ending in id so that ties page stably
        # they carry stock too, so in_stock filters and their counts are index-only scans
        # newest first puts the buyable ones first: (stock > 0) DESC leads, all three columns run downwards
        Index("ix_products_newest", literal_column("(stock > 0)").desc(), created_at.desc(), id.desc(),
              postgresql_include=["stock"]),
        Index("ix_products_price", price, id, postgresql_include=["stock"]),
        Index("ix_products_name", name, id),
        Index("ix_products_category_newest", category_id, literal_column("(stock > 0)").desc(), created_at.desc(),
              id.desc(), postgresql_include=["stock"]),
        Index("ix_products_category_price", category_id, price, id, postgresql_include=["stock"]),
        Index("ix_products_search", search, postgresql_using="gin"),
        Index("ix_products_facets", facets, postgresql_using="gin"),
        # the counted facets' scans, index-only: category, price, stock and tags without the wide rows
        Index("ix_products_facet_scan", category_id, price, postgresql_include=["stock", "facets"]),
        # the fuzzy search's; made by migration 0009 only where pg_trgm is (not in the embedded pgserver's)
        Index("ix_products_names_trgm", literal_column(f"{NAMES_SQL} gin_trgm_ops"), postgresql_using="gin"),
    )


class Variant(db.Model):
    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    price: Mapped[Decimal] = mapped_column(MONEY)
    stock: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship(back_populates="variants")

    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        # the staff's low-stock list (`stock_below`): the few variants below a threshold, found without a scan
        Index("ix_variants_stock", stock, product_id),
    )


class ProductCount(db.Model):
    """How many products each (category, in stock or not) has: kept by triggers on `products` (migration
    0003), read by the list's `count` so that it costs a few rows, not a scan of the catalogue."""

    __tablename__ = "product_counts"

    category_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("categories.id", ondelete="CASCADE"),
                                             primary_key=True)
    in_stock: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("n >= 0", name="n_not_negative"),)


class FacetCount(db.Model):
    """How many products each (category, in stock or not) has of each facet value: a `facets` tag (`size:M`) or
    `price:<range>` (`width_bucket` of the price over PRICE_EDGES, 0 below the first). Kept by triggers on
    `products` (migration 0009), read by the facets of a list filtered at most by category and stock."""

    __tablename__ = "facet_counts"

    category_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("categories.id", ondelete="CASCADE"),
                                             primary_key=True)
    in_stock: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    facet: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("n >= 0", name="n_not_negative"),)


class Reservation(db.Model):
    """Stock set aside under a caller's key (an order's), all lines or none.

    `held` reservations expire at `expires_at` and give their stock back unless confirmed first;
    `released` and `expired` ones have given it back. A release of an unknown key leaves a `released`
    row without lines, so a reserve that arrives after its own release cannot take stock any more.
    """

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64), server_default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    lines: Mapped[list[ReservationLine]] = relationship(order_by="ReservationLine.variant_id",
                                                        cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        CheckConstraint("status IN ('held', 'confirmed', 'released', 'expired')", name="known_status"),
        Index("ix_reservations_held_until", expires_at, postgresql_where="status = 'held'"),
    )


class ReservationLine(db.Model):
    __tablename__ = "reservation_lines"

    reservation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reservations.id", ondelete="CASCADE"),
                                                primary_key=True)
    variant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("variants.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Picture(db.Model):
    """A product picture the service draws (`pictures.artwork.render` of these fields) and serves at
    `/api/products/images/<name>`. Stored once by what makes the products that show it (the demo seed, the
    synthetic loader) and never changed, so the bytes for a name stay the same and can be cached long."""

    __tablename__ = "pictures"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(7))
    stripes: Mapped[str | None] = mapped_column(String(7))
    brand: Mapped[str] = mapped_column(String(100), server_default="")
    caption: Mapped[str] = mapped_column(String(100), server_default="")
    salt: Mapped[str] = mapped_column(String(200), server_default="")


class Photo(db.Model):
    """A photo staff uploaded for a product (`products.pictures.photos` made its renditions), in the product's
    order of its photos (`position`, from 0). `width` and `height` are the original's, upright."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    renditions: Mapped[list[PhotoFile]] = relationship(order_by="PhotoFile.width", cascade="all, delete-orphan",
                                                       passive_deletes=True, lazy="selectin")

    __table_args__ = (Index("ix_photos_product_position", product_id, position),)


class PhotoFile(db.Model):
    """One rendition of a photo, a WebP `width` pixels wide, served at `/api/products/images/photos/<name>`;
    `name` is the digest of `data`, so the bytes for a name never change (two photos of the same bytes share
    it). `size` is its key in the photo's `sizes` ("400", "1200"); a narrow original's sizes share one file's
    bytes."""

    __tablename__ = "photo_files"

    photo_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True)
    size: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
