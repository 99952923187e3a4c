"""The demo catalogue (`shop-products seed-demo`): a small, believable shop to look at and click through.

The catalogue itself is data, in `catalogue.toml`; this module turns it into what the staff API takes
and adds it through `staff`, so the demo passes the same validation, slug and SKU checks, derived
figures and cache handling as anything staff add. Seeding is idempotent: a category or product that is
there already (by slug, or for a product by any of its SKUs) is left exactly as it is, so staff edits to
demo products survive a second run, and a run that finds everything in place changes nothing; but a demo
category or product that has no translations at all (seeded before the catalogue spoke Russian) is given
the demo's.

Its text in other languages is beside the English in `catalogue.toml`: a category's `ru`, a product's
`[product.ru]` (name, description), and one table of translated attribute values per language
(`[values.ru]`), from which each product gets the values it uses.
"""

from __future__ import annotations

import functools
import random
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from itertools import chain, zip_longest
from typing import Any

from slugify import slugify
from sqlalchemy import select

from products import staff
from products.models import Category, Product, Variant, db
from products.pictures import store
from products.schemas import CategoryInSchema, ProductInSchema
from shop_common.language import DEFAULT, LANGUAGES

IMAGE_URL = "/api/products/images/{}"
MAX_IMAGES = 3


@functools.cache
def catalogue() -> dict[str, Any]:
    """The parsed `catalogue.toml` (read once)."""
    return tomllib.loads((files("products.demo") / "catalogue.toml").read_text("utf-8"))


OTHER_LANGUAGES = tuple(language for language in LANGUAGES if language != DEFAULT)


def demo_categories() -> list[dict[str, Any]]:
    """The demo categories as the staff API takes them: `{name, slug, description, translations}`."""
    return [{**{k: v for k, v in category.items() if k not in OTHER_LANGUAGES},
             "translations": {language: dict(category[language]) for language in OTHER_LANGUAGES
                              if language in category}} for category in catalogue()["category"]]


def _translations(item: dict[str, Any], attributes: dict[str, str], variants: list[dict[str, Any]]) -> dict[str, Any]:
    """A demo product's `translations`: its own name and description in each language, and the translations of
    the attribute values (and whole labels) it uses, from that language's table of values."""
    used = {*attributes.values(), *(value for v in variants for value in v["attributes"].values()),
            *(v["label"] for v in variants)}
    out = {}
    for language in OTHER_LANGUAGES:
        if language not in item:
            continue
        table = catalogue().get("values", {}).get(language, {})
        out[language] = {**item[language], "values": {value: table[value] for value in sorted(used) if value in table}}
    return out


def _code(text: str) -> str:
    """A short upper-case SKU part: "Pale Blue" -> "PALBLU", "20 cm" -> "20"."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(word[:3] for word in words).upper() if not words[0].isdigit() else words[0]


def _stock(item: dict[str, Any], count: int) -> list[int]:
    """Units per variant: as `item["stock"]` says ("sold out", or units left in total), else plenty.

    Drawn from a generator seeded with the item's code, so every run (and every machine) agrees.
    """
    rng = random.Random(item["code"])  # noqa: S311 (made-up stock figures, not secrets)
    wanted = item.get("stock")
    if wanted == "sold out":
        return [0] * count
    if isinstance(wanted, int) and wanted > 0:
        units = [0] * count
        for _ in range(wanted):
            units[rng.randrange(count)] += 1
        return units
    if wanted is not None:
        raise ValueError(f"{item['name']}: stock must be left out, 'sold out' or a positive number")
    if count == 1:
        return [rng.randint(8, 60)]
    # a well-stocked product can still be out of one size or colour, as in any real shop
    units = [0 if rng.random() < 0.08 else rng.randint(3, 40) for _ in range(count)]
    units[0] += max(0, 12 - sum(units))
    return units


def _variants(item: dict[str, Any]) -> list[dict[str, Any]]:
    """One variant per colour and size ("M / Navy"), or per option ("26 cm") when sizes differ in price."""
    colours = [name for name, _hex in item.get("colours", [])]
    sizes = [(size, item["price"]) for size in item.get("sizes", [])] or [tuple(o) for o in item.get("options", [])]
    # a single colour is worth naming unless the options alone tell the variants apart
    if len(colours) == 1 and item.get("options"):
        colours = []
    rows = []
    for colour in colours or [None]:
        for size, price in sizes or [(None, item["price"])]:
            attributes = {key: value for key, value in (("size", size), ("color", colour)) if value}
            parts = [part for part in (size, colour) if part]
            rows.append({
                "sku": "-".join([item["code"], *(_code(part) for part in (colour, size) if part)]),
                "label": " / ".join(parts) or "One size",
                "attributes": attributes,
                "price": price,
            })
    for row, units in zip(rows, _stock(item, len(rows)), strict=True):
        row["stock"] = units
    return rows


def _images(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The item's pictures: (file name, `artwork.render` arguments), one per colour, at most three."""
    slug = slugify(item["name"])
    pictures = []
    for n, (colour, hex_colour) in enumerate(item["colours"][:MAX_IMAGES], start=1):
        name = f"{slug}-{n}.svg"
        pictures.append((name, {"kind": item["kind"], "colour": hex_colour, "brand": item["attributes"]["brand"],
                                "caption": colour, "stripes": item.get("stripes"), "salt": name}))
    return pictures


def demo_products() -> list[dict[str, Any]]:
    """The demo products as the staff API takes them (`ProductInSchema` input), categories interleaved so
    that the newest-first front page shows a bit of everything."""
    by_category: dict[str, list[dict[str, Any]]] = {}
    for item in catalogue()["product"]:
        variants = _variants(item)
        by_category.setdefault(item["category"], []).append({
            "name": item["name"],
            "slug": slugify(item["name"]),
            "description": " ".join(item["description"].split()),
            "attributes": item["attributes"],
            "images": [IMAGE_URL.format(name) for name, _ in _images(item)],
            "category": item["category"],
            "variants": variants,
            "translations": _translations(item, item["attributes"], variants),
        })
    rounds = zip_longest(*by_category.values())
    return [product for product in chain.from_iterable(rounds) if product is not None]


@functools.cache
def demo_images() -> dict[str, dict[str, Any]]:
    """Every demo picture: file name -> `artwork.render` keyword arguments."""
    return dict(chain.from_iterable(_images(item) for item in catalogue()["product"]))


def demo_photos() -> dict[str, list[str]]:
    """The demo products that have photos: slug -> their files in `demo/photos/` (made by its make.py), in order."""
    return {slugify(item["name"]): list(item["photos"]) for item in catalogue()["product"] if item.get("photos")}


def photo_bytes(name: str) -> bytes:
    return (files("products.demo") / "photos" / name).read_bytes()


def add_demo_photos() -> int:
    """Give the demo products that have photos and show none (no `cover`) their photos, through the same path
    as a staff upload (`staff.add_photo`); return how many were added. A product that shows photos already
    (the demo's, or ones staff uploaded) is left as it is, so a second run adds nothing."""
    wanted = demo_photos()
    bare = list(db.session.scalars(select(Product.slug).where(Product.slug.in_(list(wanted)),
                                                              Product.cover.is_(None)).order_by(Product.id)))
    for slug in bare:
        for name in wanted[slug]:
            staff.add_photo(slug, photo_bytes(name), name, "image/jpeg")
    return sum(len(wanted[slug]) for slug in bare)


@dataclass
class SeedReport:
    categories_added: int = 0
    categories_present: int = 0
    products_added: int = 0
    products_present: int = 0
    variants_added: int = 0
    photos_added: int = 0
    translated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.categories_added or self.products_added or self.photos_added or self.translated)

    def __str__(self) -> str:
        if not self.changed:
            return (f"demo catalogue: nothing to do; its {_n(self.categories_present, 'category')} and "
                    f"{_n(self.products_present, 'product')} are there already")
        text = (f"demo catalogue: added {_n(self.categories_added, 'category')} and "
                f"{_n(self.products_added, 'product')} ({_n(self.variants_added, 'variant')})")
        if self.photos_added:
            text += f", {_n(self.photos_added, 'photo')}"
        if self.translated:
            text += f", translations of {_n(self.translated, 'category or product', 'categories or products')}"
        if self.categories_present or self.products_present:
            text += (f"; {_n(self.categories_present, 'category')} and {_n(self.products_present, 'product')} "
                     "were there already and were left as they are")
        return text


def _n(count: int, noun: str, plural: str | None = None) -> str:
    plural = plural or (noun[:-1] + "ies" if noun.endswith("y") else noun + "s")
    return f"{count} {noun if count == 1 else plural}"


def ensure_demo_categories() -> tuple[int, int]:
    """Add the demo categories that are missing (by slug); return how many were added and how many were there."""
    categories = demo_categories()
    taken = set(db.session.scalars(select(Category.slug).where(Category.slug.in_([c["slug"] for c in categories]))))
    for category in categories:
        if category["slug"] not in taken:
            staff.create_category(CategoryInSchema().load(category))
    return len(categories) - len(taken), len(taken)


def seed_demo() -> SeedReport:
    """Add whatever part of the demo catalogue is missing; leave what is there (by slug or SKU) alone.

    Each product is added in a transaction of its own through `staff`, so a run that stops half-way
    leaves whole products behind, and running again completes it.
    """
    store.add(demo_images())  # every one, so a catalogue seeded before pictures were stored gets them too
    report = SeedReport()
    report.categories_added, report.categories_present = ensure_demo_categories()
    products = demo_products()
    slugs = set(db.session.scalars(select(Product.slug).where(Product.slug.in_([p["slug"] for p in products]))))
    skus = set(db.session.scalars(select(Variant.sku).where(
        Variant.sku.in_([v["sku"] for p in products for v in p["variants"]]))))
    for product in products:
        if product["slug"] in slugs or any(v["sku"] in skus for v in product["variants"]):
            report.products_present += 1
            continue
        staff.create_product(ProductInSchema().load(product))
        report.products_added += 1
        report.variants_added += len(product["variants"])
    report.photos_added = add_demo_photos()
    report.translated = add_demo_translations(categories=demo_categories(), products=products)
    return report


def add_demo_translations(*, categories: list[dict[str, Any]], products: list[dict[str, Any]]) -> int:
    """Give the demo categories and products that have no translations at all the demo's (a catalogue seeded
    before it spoke Russian), through the staff's changes; return how many were given them. One that has any
    (the demo's, or what staff wrote) is left as it is."""
    bare_categories = set(db.session.scalars(select(Category.slug).where(
        Category.slug.in_([c["slug"] for c in categories]), Category.translations == {})))
    bare_products = set(db.session.scalars(select(Product.slug).where(
        Product.slug.in_([p["slug"] for p in products]), Product.translations == {})))
    count = 0
    for category in categories:
        if category["slug"] in bare_categories and category["translations"]:
            staff.update_category(category["slug"], {"translations": category["translations"]})
            count += 1
    for product in products:
        if product["slug"] in bare_products and product["translations"]:
            staff.update_product(product["slug"], {"translations": product["translations"]})
            count += 1
    return count
