"""What the catalogue API accepts and answers (CONTRACT.md: card, detail, variant, category)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest.fields import Upload
from marshmallow import validate

from products import translations as tr
from products.pictures import photos
from shop_common.language import DEFAULT, LANGUAGES
from shop_common.pagination import PageQuerySchema
from shop_common.schemas import Int64, Money, Schema, Text

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Use lower-case letters, digits and single hyphens.")
ORDERINGS = ("price", "-price", "name", "-name", "-created_at")
# a variant's stock, far above any shelf, low enough that a product's 100 variants sum within INTEGER
MAX_STOCK = 1_000_000


class Attributes(ma.fields.Dict):
    """Name -> value, both short strings (`{"material": "linen"}`)."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"description": "at most 30; names of 1 to 50 characters, values of at most 200",
                              "example": {"material": "linen"}, **kwargs.get("metadata", {})}
        super().__init__(keys=Text(min_length=1, max_length=50),
                         values=Text(max_length=200), validate=validate.Length(max=30), **kwargs)


# -- translations (products.translations) --------------------------------------------------------------------

CATEGORY_NAME, CATEGORY_DESCRIPTION, PRODUCT_NAME, PRODUCT_DESCRIPTION = 100, 2000, 200, 20000
#: the most translated values a product keeps (its attributes' and its variants')
MAX_VALUES = 500


class CategoryTextSchema(Schema):
    """A category's text in one language; what is left out or empty is shown in English."""

    name = Text(max_length=CATEGORY_NAME, metadata={"example": "Купальники"})
    description = Text(max_length=CATEGORY_DESCRIPTION, metadata={"example": "Плавки, купальники и полотенца."})


class ProductTextSchema(Schema):
    """A product's text in one language; what is left out or empty is shown in English."""

    name = Text(max_length=PRODUCT_NAME, metadata={"example": "Рубашка из сирсакера"})
    description = Text(max_length=PRODUCT_DESCRIPTION, metadata={"example": "Жатый хлопок, отложной воротник."})
    values = ma.fields.Dict(keys=Text(min_length=1, max_length=200), values=Text(max_length=200),
                            validate=validate.Length(max=MAX_VALUES), metadata={
                                "description": "English value of its (or its variants') attributes -> its "
                                               "translation; a variant's label is translated through them too",
                                "example": {"Blue": "Синий", "cotton seersucker": "хлопковый сирсакер"}})


def _translations(text: type[Schema], name: str, what: str) -> type[Schema]:
    """The `translations` of a category or product: one object per language but the default (the columns)."""
    fields = {language: ma.fields.Nested(text) for language in LANGUAGES if language != DEFAULT}
    schema = Schema.from_dict(fields, name=name)
    schema.__doc__ = (f"The {what}'s text in the other languages ({', '.join(fields)}); English is its own "
                      "fields. Replaced as a whole by a change that sends it.")
    return schema


CategoryTranslationsSchema = _translations(CategoryTextSchema, "CategoryTranslationsSchema", "category")
ProductTranslationsSchema = _translations(ProductTextSchema, "ProductTranslationsSchema", "product")
class Stored(ma.fields.Nested):
    """Translations as stored: validated by their schema on the way in, answered as they are (a dump through
    the schema would read a missing `values` as the dict's method of that name), documented by the schema."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


STAFF_ONLY = "staff only: in a staff member's read (whose other fields are then the English columns) and in " \
             "the answers of staff changes"


# -- answers -------------------------------------------------------------------------------------------------
# Text fields are in the answer's language (products.translations), each falling back to English.

def _text(field: str):
    return ma.fields.Function(lambda row: tr.text(row, field), metadata={"type": "string"})


class CategoryRefSchema(Schema):
    slug = ma.fields.String()
    name = _text("name")


class CategorySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    name = _text("name")
    slug = ma.fields.String()
    description = _text("description")
    product_count = ma.fields.Integer(dump_only=True)
    translations = Stored(CategoryTranslationsSchema, metadata={"description": STAFF_ONLY})


# The only presenters of the catalogue: products.catalogue dumps through these, cached answers included.

def _currency(_obj) -> str:
    return current_app.config["SHOP"]["CURRENCY"]


ATTRIBUTES = {"type": "object", "additionalProperties": {"type": "string"}}


class VariantSchema(Schema):
    id = ma.fields.Integer()
    sku = ma.fields.String()
    label = ma.fields.Function(lambda v: tr.label(v.label, v.product.translations), metadata={"type": "string"})
    attributes = ma.fields.Function(lambda v: tr.attributes(v.attributes, v.product.translations), metadata={
        **ATTRIBUTES, "example": {"size": "M", "color": "navy"}})
    price = Money()
    stock = ma.fields.Integer()
    in_stock = ma.fields.Function(lambda v: v.stock > 0, metadata={"type": "boolean"})


SIZES = {"type": "object", "additionalProperties": {"type": "string"},
         "description": "width -> URL of the WebP rendition that wide (narrower when the original is)",
         "example": {"400": "/api/products/images/photos/0123456789abcdef0123456789abcdef.webp",
                     "1200": "/api/products/images/photos/fedcba9876543210fedcba9876543210.webp"}}


class PhotoSchema(Schema):
    id = ma.fields.Integer()
    url = ma.fields.Function(photos.url_of, metadata={"type": "string", "description": "its largest rendition"})
    width = ma.fields.Integer(metadata={"description": "of the original, upright"})
    height = ma.fields.Integer(metadata={"description": "of the original, upright"})
    sizes = ma.fields.Function(photos.sizes_of, metadata=SIZES)


class CardSchema(Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = _text("name")
    price = Money(metadata={"description": "the lowest price of its variants"})
    price_max = Money(metadata={"description": "the highest price of its variants: above `price`, the card says "
                                               "\"from\" the price"})
    currency = ma.fields.Function(_currency, metadata={"type": "string", "example": "USD"})
    image = ma.fields.Function(lambda p: p.cover["url"] if p.cover else p.images[0] if p.images else None,
                               allow_none=True, metadata={
                                   "type": "string", "nullable": True,
                                   "description": "its first photo's largest rendition, else its artwork"})
    image_sizes = ma.fields.Function(lambda p: p.cover["sizes"] if p.cover else None, allow_none=True,
                                     metadata={**SIZES, "nullable": True,
                                               "description": "its first photo's renditions; null without photos"})
    category = ma.fields.Nested(CategoryRefSchema)
    in_stock = ma.fields.Function(lambda p: p.stock > 0, metadata={"type": "boolean"})
    stock = ma.fields.Integer(metadata={"description": "the sum of its variants' stock"})


class DetailSchema(CardSchema):
    description = _text("description")
    attributes = ma.fields.Function(lambda p: tr.attributes(p.attributes, p.translations), metadata=ATTRIBUTES)
    images = ma.fields.Function(lambda p: [photos.url_of(ph) for ph in p.photos] or list(p.images), metadata={
        "type": "array", "items": {"type": "string"},
        "description": "its photos' URLs in their order; its artwork when it has no photos"})
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema), metadata={"description": "uploaded, in their order"})
    variants = ma.fields.List(ma.fields.Nested(VariantSchema))
    translations = Stored(ProductTranslationsSchema, metadata={"description": STAFF_ONLY})


class ListedCardSchema(CardSchema):
    """A card in a list: with `stock_below` (staff), also the variants below it."""

    low_variants = ma.fields.List(ma.fields.Nested(VariantSchema), metadata={
        "description": "only with stock_below: its variants whose stock is below it, fewest first"})


class PageSchema(Schema):
    count = ma.fields.Integer()
    next = ma.fields.String(allow_none=True)
    previous = ma.fields.String(allow_none=True)
    suggestion = ma.fields.String(allow_none=True, metadata={
        "description": "only with `search`: \"did you mean\", the search in the catalogue's own words when it "
                       "found nothing or forgave typos to find what it did (\"lnen shrt\" -> \"linen shirt\"); "
                       "null when there is nothing better to suggest", "example": "linen shirt"})
    results = ma.fields.List(ma.fields.Nested(ListedCardSchema))


class FacetValueSchema(Schema):
    value = ma.fields.String(metadata={"description": "what the list's filter takes", "example": "M"})
    label = ma.fields.String(metadata={"description": "in the request's language", "example": "M"})
    count = ma.fields.Integer()


class FacetCategorySchema(Schema):
    slug = ma.fields.String()
    name = ma.fields.String(metadata={"description": "in the request's language"})
    count = ma.fields.Integer()


class FacetPriceSchema(Schema):
    min = Money(metadata={"description": "the list's min_price for this range", "example": "25.00"})
    max = Money(allow_none=True, metadata={"description": "its max_price (inclusive); null for the last range",
                                           "example": "49.99"})
    count = ma.fields.Integer()


class FacetStockSchema(Schema):
    true = ma.fields.Integer(data_key="true", metadata={"description": "products in stock"})
    false = ma.fields.Integer(data_key="false", metadata={"description": "sold out"})


class FacetsSchema(Schema):
    """Each facet counts the products of the list with every filter applied but its own (as shops do), so a
    shopper sees what choosing another value of it would give."""

    category = ma.fields.List(ma.fields.Nested(FacetCategorySchema), metadata={"description": "by name"})
    size = ma.fields.List(ma.fields.Nested(FacetValueSchema), metadata={
        "description": "of the products' variants (a product counts once per size it comes in), sizes in order"})
    color = ma.fields.List(ma.fields.Nested(FacetValueSchema), metadata={"description": "likewise, by label"})
    price = ma.fields.List(ma.fields.Nested(FacetPriceSchema), metadata={
        "description": "fixed ranges of the lowest price, every range (empty ones too), cheapest first"})
    in_stock = ma.fields.Nested(FacetStockSchema)


# -- queries -------------------------------------------------------------------------------------------------

MAX_VALUES = 30


class Values(ma.fields.List):
    """A facet filter: the parameter repeated, or values separated by commas (`size=M,L` or `size=M&size=L`);
    a product matches any of them. Sorted and deduplicated, so equal filters share their cache entries."""

    def __init__(self, **kwargs):
        super().__init__(Text(min_length=1, max_length=50), validate=validate.Length(min=1, max=MAX_VALUES), metadata={
            "description": "any of these values (repeat the parameter, or separate values with commas)",
            **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list | tuple) else [value]
        split = [part for item in items for part in (item.split(",") if isinstance(item, str) else [item])]
        if all(isinstance(part, str) and not part.strip() for part in split):
            raise ma.ValidationError("Name at least one value.")
        if len(split) > MAX_VALUES:  # counted as sent: the validator below sees them deduplicated
            raise ma.ValidationError(f"At most {MAX_VALUES} values.")
        return sorted(set(super()._deserialize([p for p in split if not isinstance(p, str) or p.strip()],
                                               attr, data, **kwargs)))


class FilterQuerySchema(PageQuerySchema):
    """The filters of a list, which its facets take too."""

    category = Text(max_length=120, validate=[SLUG])
    search = Text(max_length=200)
    min_price = Money()
    max_price = Money()
    in_stock = ma.fields.Boolean()
    size = Values(metadata={"example": ["M", "L"]})
    color = Values(metadata={"example": ["Navy"]})

    @ma.validates_schema
    def _price_range(self, data, **_):
        if "min_price" in data and "max_price" in data and data["min_price"] > data["max_price"]:
            raise ma.ValidationError("Must not be above max_price.", "min_price")


class ListQuerySchema(FilterQuerySchema):
    ordering = ma.fields.String(validate=validate.OneOf(ORDERINGS),
                                metadata={"description": "default: relevance for a search, else -created_at; these two "
                                                       "put sold-out products after the buyable ones"})
    stock_below = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_STOCK), metadata={
        "description": "staff only (401 without a token, 403 staff_only): only products with a variant whose "
                       "stock is below this, each with those variants as low_variants; never cached"})


# -- staff writes --------------------------------------------------------------------------------------------

class VariantInSchema(Schema):
    sku = Text(min_length=1, max_length=64, required=True,
               validate=[validate.Regexp(r"^[A-Za-z0-9._\-/]+$", error="Use letters, digits and . _ - /.")],
               metadata={"example": "SEERSUCKER-S-BLUE"})
    label = Text(min_length=1, max_length=100, required=True, metadata={"example": "S / Blue"})
    attributes = Attributes(load_default=dict, metadata={"example": {"size": "S", "color": "Blue"}})
    price = Money(required=True, metadata={"example": "54.00"})
    stock = ma.fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_STOCK),
                              metadata={"example": 10})


# examples (Swagger UI's) that a shop holding the demo catalogue takes as they are
class ProductInSchema(Schema):
    name = Text(min_length=1, max_length=PRODUCT_NAME, required=True, metadata={"example": "Seersucker Camp Shirt"})
    slug = Text(min_length=1, max_length=220, validate=[SLUG], metadata={"example": "seersucker-camp-shirt"})
    description = Text(max_length=PRODUCT_DESCRIPTION, load_default="",
                       metadata={"example": "Puckered cotton, camp collar."})
    attributes = Attributes(load_default=dict)
    images = ma.fields.List(Text(min_length=1, max_length=500), validate=validate.Length(max=20),
                            load_default=list, metadata={"example": []})
    category = Text(max_length=120, required=True, validate=[SLUG], metadata={"example": "shirts-tops"})
    variants = ma.fields.List(ma.fields.Nested(VariantInSchema), required=True,
                              validate=validate.Length(min=1, max=100))
    translations = ma.fields.Nested(ProductTranslationsSchema, load_default=dict)


class ProductChangesSchema(ProductInSchema):
    """A staff PATCH of a product: any of its fields, and `images` as the new order of its photos."""

    images = ma.fields.List(Int64(), validate=validate.Length(max=photos.MAX_PHOTOS), metadata={
        "description": "the ids of its photos in their new order: each of them, once", "example": []})


class UploadSchema(Schema):
    file = Upload(required=True, metadata={
        "description": f"a JPEG, PNG or WebP image of at most {photos.MAX_BYTES // 2**20} MiB"})


class CategoryInSchema(Schema):
    name = Text(min_length=1, max_length=CATEGORY_NAME, required=True, metadata={"example": "Swimwear"})
    slug = Text(min_length=1, max_length=120, validate=[SLUG], metadata={"example": "swimwear"})
    description = Text(max_length=CATEGORY_DESCRIPTION, load_default="",
                       metadata={"example": "Trunks, suits and towels."})
    translations = ma.fields.Nested(CategoryTranslationsSchema, load_default=dict)


# -- internal (other services) ---------------------------------------------------------------------------

class StockQuerySchema(Schema):
    variant_ids = ma.fields.List(Int64(), load_default=list, validate=validate.Length(max=200))
    product_ids = ma.fields.List(Int64(), load_default=list, validate=validate.Length(max=200))


class StockVariantSchema(VariantSchema):
    """A variant as the cart and orders see it: its text in the request's language (stock.availability)."""

    label = ma.fields.String()
    attributes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    product_id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    image = ma.fields.String(allow_none=True)
    in_stock = ma.fields.Boolean()


class StockSchema(Schema):
    variants = ma.fields.List(ma.fields.Nested(StockVariantSchema))


KEY = validate.Regexp(r"^[A-Za-z0-9._:\-]{1,100}$", error="Use 1 to 100 letters, digits and . _ : -.")


class ReservationLineInSchema(Schema):
    variant_id = Int64(required=True)
    quantity = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10_000))


class ReserveSchema(Schema):
    key = ma.fields.String(required=True, validate=KEY)
    lines = ma.fields.List(ma.fields.Nested(ReservationLineInSchema), required=True,
                           validate=validate.Length(min=1, max=100))
    ttl_seconds = ma.fields.Integer(strict=True, load_default=900, validate=validate.Range(min=10, max=86_400))


class ReservationLineSchema(Schema):
    variant_id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    unit_price = Money()


class ReservationSchema(Schema):
    key = ma.fields.String()
    status = ma.fields.String(metadata={"description": "held, confirmed, released or expired"})
    expires_at = ma.fields.DateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(ReservationLineSchema))
