"""The word lists synthetic products are made of, and the small helpers that combine them.

Every kind of goods (a silhouette of `artwork`) has its nouns, materials, a way of sizing and a price
range. Nothing here may hold a tab, newline, backslash or double quote: `synthetic` writes these words
straight into COPY text and JSON without escaping them, and the check at the bottom enforces that.
"""

from __future__ import annotations

import functools
import random
import re

APPAREL, WAIST, SHOE, BELT, ONE, OPTION = "apparel", "waist", "shoe", "belt", "one", "option"

#: kind -> (nouns, materials, sizing, (lowest, highest) price)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, tuple[float, float]]] = {
    "shirt": (("Shirt", "Overshirt", "Work Shirt", "Camp Shirt", "Popover Shirt", "Western Shirt"),
              ("Oxford", "Linen", "Flannel", "Chambray", "Poplin", "Seersucker", "Twill", "Denim"), APPAREL, (35, 160)),
    "tee": (("Tee", "Pocket Tee", "Henley", "Polo", "Tank Top", "Long-Sleeve Tee"),
            ("Cotton", "Slub Cotton", "Merino", "Jersey", "Pique", "Hemp"), APPAREL, (18, 80)),
    "sweater": (("Crewneck", "Sweater", "Rollneck", "Quarter-Zip", "Sweatshirt", "Hoodie"),
                ("Lambswool", "Merino", "Cashmere", "Cotton", "Alpaca", "Mohair", "Fleece"), APPAREL, (45, 260)),
    "coat": (("Cardigan", "Overcoat", "Topcoat", "Trench Coat", "Car Coat", "Duffle Coat"),
             ("Wool", "Gabardine", "Tweed", "Melton", "Cashmere Blend", "Boiled Wool"), APPAREL, (90, 480)),
    "trousers": (("Chinos", "Jeans", "Trousers", "Cargo Trousers", "Shorts", "Joggers"),
                 ("Denim", "Twill", "Corduroy", "Linen", "Wool", "Moleskin", "Ripstop"), WAIST, (40, 220)),
    "jacket": (("Jacket", "Field Jacket", "Bomber", "Parka", "Gilet", "Shell Jacket", "Harrington"),
               ("Waxed Cotton", "Nylon", "Ventile", "Down", "Canvas", "Suede", "Fleece"), APPAREL, (80, 420)),
    "sneaker": (("Sneakers", "Trainers", "Runners", "Plimsolls", "High-Tops"),
                ("Leather", "Suede", "Canvas", "Mesh", "Nubuck"), SHOE, (50, 220)),
    "boot": (("Chelsea Boots", "Derby Boots", "Hiking Boots", "Chukka Boots", "Work Boots"),
             ("Leather", "Suede", "Nubuck", "Waxed Leather"), SHOE, (110, 380)),
    "shoe": (("Loafers", "Derby Shoes", "Boat Shoes", "Slippers", "Espadrilles", "Mules"),
             ("Calf Leather", "Suede", "Canvas", "Shearling", "Jute"), SHOE, (40, 320)),
    "bag": (("Tote", "Shopper", "Weekender", "Messenger Bag", "Crossbody Bag", "Duffel Bag"),
            ("Canvas", "Waxed Canvas", "Leather", "Nylon", "Cordura", "Jute"), ONE, (25, 350)),
    "backpack": (("Backpack", "Rucksack", "Daypack", "Roll-Top Pack"),
                 ("Nylon", "Canvas", "Cordura", "Waxed Canvas", "Recycled Polyester"), ONE, (60, 260)),
    "pouch": (("Card Holder", "Wallet", "Coin Purse", "Pen Case", "Wash Bag", "Passport Cover"),
              ("Leather", "Suede", "Canvas", "Cork", "Nylon"), ONE, (20, 140)),
    "beanie": (("Beanie", "Watch Cap", "Bucket Hat", "Flat Cap", "Baseball Cap"),
               ("Merino", "Lambswool", "Cotton", "Tweed", "Corduroy"), ONE, (20, 80)),
    "belt": (("Belt", "Dress Belt", "Webbing Belt", "Braided Belt"),
             ("Leather", "Bridle Leather", "Suede", "Cotton Webbing"), BELT, (30, 120)),
    "textile": (("Scarf", "Blanket", "Throw", "Tea Towels", "Napkins", "Cushion Cover", "Tablecloth"),
                ("Linen", "Wool", "Cotton", "Cashmere", "Alpaca", "Waffle Cotton"), ONE, (15, 240)),
    "mug": (("Mug", "Cup", "Bowl", "Plate", "Jug", "Vase"),
            ("Stoneware", "Porcelain", "Enamel", "Earthenware", "Glass"), ONE, (8, 90)),
    "skillet": (("Skillet", "Frying Pan", "Saucepan", "Casserole", "Wok", "Griddle"),
                ("Cast Iron", "Carbon Steel", "Copper", "Stainless Steel", "Enamelled Iron"), OPTION, (30, 260)),
    "carafe": (("Carafe", "Coffee Dripper", "French Press", "Teapot", "Decanter", "Water Jug"),
               ("Glass", "Porcelain", "Borosilicate", "Ceramic", "Stainless Steel"), ONE, (18, 120)),
    "candle": (("Candle", "Tealights", "Candle Holder", "Lantern", "Diffuser"),
               ("Beeswax", "Soy Wax", "Brass", "Glass", "Ceramic"), OPTION, (8, 70)),
    "board": (("Chopping Board", "Serving Board", "Tray", "Salad Servers", "Spoon Set", "Bread Board"),
              ("Oak", "Walnut", "Olive Wood", "Beech", "Acacia", "Maple"), OPTION, (14, 110)),
    "notebook": (("Notebook", "Journal", "Planner", "Sketchbook", "Notepad", "Diary"),
                 ("Linen", "Leather", "Recycled Paper", "Cloth", "Kraft"), OPTION, (6, 60)),
    "pen": (("Pen", "Fountain Pen", "Pencil Set", "Rollerball", "Mechanical Pencil"),
            ("Brass", "Aluminium", "Walnut", "Resin", "Steel", "Cedar"), ONE, (5, 180)),
    "cards": (("Card Set", "Postcards", "Envelopes", "Writing Paper", "Gift Wrap"),
              ("Cotton Paper", "Recycled Paper", "Kraft", "Letterpress", "Laid Paper"), ONE, (6, 40)),
    "bottle": (("Ink", "Ink Cartridges", "Glue", "Desk Spray"),
               ("Blue-Black", "Sepia", "Archival", "Iron Gall", "Pigment"), ONE, (6, 35)),
}

#: the demo categories' kinds of goods; any other category gets one of these groups
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "shirts-tops": ("shirt", "tee"),
    "knitwear": ("sweater", "coat"),
    "trousers-jeans": ("trousers",),
    "outerwear": ("jacket", "coat"),
    "footwear": ("sneaker", "boot", "shoe"),
    "bags-accessories": ("bag", "backpack", "pouch", "beanie", "belt", "textile"),
    "home-kitchen": ("mug", "textile", "skillet", "carafe", "candle", "board"),
    "paper-desk": ("notebook", "pen", "cards", "bottle"),
}

SIZES = {
    APPAREL: ("XS", "S", "M", "L", "XL", "XXL"),
    WAIST: ("28", "30", "32", "34", "36", "38"),
    SHOE: ("39", "40", "41", "42", "43", "44", "45", "46"),
    BELT: ("80", "85", "90", "95", "100", "105"),
}
#: options that cost more as they grow: (label, percent above the smallest)
OPTIONS = (("Small", 0), ("Medium", 30), ("Large", 60), ("Extra Large", 100))

ADJECTIVES = (
    "Classic", "Relaxed", "Slim", "Everyday", "Heritage", "Lightweight", "Heavyweight", "Garment-Dyed", "Washed",
    "Organic", "Recycled", "Essential", "Vintage", "Tailored", "Cropped", "Oversized", "Field", "Studio",
    "Coastal", "Alpine", "Harbour", "Weekend", "Travel", "Utility", "Nordic", "Workshop", "Market", "Summer",
    "Winter", "Artisan", "Rustic", "Modern", "Compact", "Soft", "Rugged", "Minimal",
)
BRANDS = (
    "Northfold", "Marlow & Reed", "Hollis Supply", "Kestrel", "Atelier Brun", "Ferro & Ash", "Oakmoss Home",
    "Linden Paper Co.", "Aldgate Knit", "Tamsin Cole", "Harbour Goods", "Fenwick Row", "Alder & Pine",
    "Brightwater", "Copperfield Works", "Wren Studio", "Saltmarsh", "Greyhound Mill", "Tidewell", "Oxbow Trading",
)
ORIGINS = ("Portugal", "Italy", "England", "Scotland", "Japan", "France", "Spain", "Lithuania", "Wales",
           "Ireland", "Denmark", "Germany", "Vietnam", "India", "Turkey", "Peru")
#: (name, slug, #rrggbb)
COLOURS = (
    ("Navy", "navy", "#1f2a44"), ("Black", "black", "#26262a"), ("White", "white", "#f3f1ec"),
    ("Ecru", "ecru", "#ece4d2"), ("Charcoal", "charcoal", "#3c3f45"), ("Heather Grey", "heather-grey", "#9c9c9a"),
    ("Olive", "olive", "#6f7349"), ("Sand", "sand", "#d9c9a8"), ("Camel", "camel", "#b08a5c"),
    ("Rust", "rust", "#a4522f"), ("Forest", "forest", "#2f4a3a"), ("Sage", "sage", "#9aa88f"),
    ("Indigo", "indigo", "#27324f"), ("Tobacco", "tobacco", "#7b5232"), ("Burgundy", "burgundy", "#6b2430"),
    ("Pale Blue", "pale-blue", "#a9c1dd"), ("Mustard", "mustard", "#c99a2e"), ("Terracotta", "terracotta", "#c0694e"),
    ("Slate", "slate", "#55606e"), ("Blush", "blush", "#e6c3c0"),
)
PHRASES = (
    "Cut generously for an easy fit and finished with reinforced seams.",
    "Designed to be used every day and to last for years.",
    "Hand-finished in a small family workshop.",
    "Made from responsibly sourced materials and dyed with low-impact dyes.",
    "Light and breathable, with a soft hand from the first use.",
    "Built around a simple, timeless shape that never dates.",
    "Pre-washed for a soft feel and minimal shrinkage.",
    "Durable enough for the workshop, refined enough for the weekend.",
    "A quiet classic, refined over many seasons.",
    "Crafted in small batches, so each piece is slightly different.",
    "Water-resistant and easy to care for.",
    "Thoughtfully detailed, with nothing you do not need.",
    "Warm without bulk and comfortable all day long.",
    "Naturally textured and full of character.",
    "Generously sized and sturdy, with a satisfying weight.",
    "Finished by hand with natural oils and waxes.",
    "Inspired by vintage workwear and outdoor gear.",
    "Packs flat and travels well.",
)
CLOSINGS = (
    "Repairable, and guaranteed for two years.", "A favourite with our customers for years.",
    "Pairs well with almost everything in the shop.", "Gift wrapped on request.",
    "Look after it and it will look after you.", "It only gets better with age.", "Also makes a thoughtful gift.",
    "Plastic-free packaging, always.", "Restocked regularly in seasonal colours.",
    "Part of our permanent collection.", "A small batch, so do not wait too long.",
    "Easy to care for and hard to wear out.",
)


def kinds_for(category_slug: str, index: int) -> tuple[str, ...]:
    """The kinds of goods a category holds: its own for a demo category, else a group chosen by `index`."""
    groups = list(CATEGORY_KINDS.values())
    return CATEGORY_KINDS.get(category_slug) or groups[index % len(groups)]


def article(word: str) -> str:
    return "An" if word[0] in "AEIOU" else "A"


@functools.cache
def slug(name: str) -> str:
    """The slug of a name made of these words (cached: there are only some tens of thousands)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def variant_options(sizing: str, rng: random.Random, count: int, colour: str) -> list[tuple[str, str, int]]:
    """Up to `count` variants of a product sized by `sizing`: (label, attributes as JSON, percent extra)."""
    if sizing in SIZES:
        sizes = SIZES[sizing]
        start = rng.randint(0, len(sizes) - count)
        return [(f"{size} / {colour}", f'{{"size": "{size}", "color": "{colour}"}}', 0)
                for size in sizes[start:start + count]]
    if sizing == OPTION:
        return [(label, f'{{"size": "{label}"}}', extra) for label, extra in OPTIONS[:count]]
    others = [name for name, _, _ in COLOURS if name != colour]
    return [(name, f'{{"color": "{name}"}}', 0) for name in [colour, *rng.sample(others, count - 1)]]


def _check() -> None:
    texts = [*ADJECTIVES, *BRANDS, *ORIGINS, *PHRASES, *CLOSINGS, *(c for row in COLOURS for c in row),
             *(w for nouns, materials, _, _ in KINDS.values() for w in (*nouns, *materials)),
             *(s for sizes in SIZES.values() for s in sizes), *(label for label, _ in OPTIONS)]
    bad = [t for t in texts if re.search(r'[\t\n\r\\"]', t) or not t.isascii()]
    if bad:
        raise ValueError(f"synthetic words must not need escaping in COPY text or JSON: {bad}")


_check()
