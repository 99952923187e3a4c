"""What is stored of each picture, by name, and its SVG document drawn from that.

Whatever makes products with pictures (the demo seed, the synthetic loader) stores the pictures with
`add`; the images endpoint answers `svg(name)`. A stored picture never changes, so its bytes do not
either: they change only when the artwork code does.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from products.models import Picture, db
from products.pictures.artwork import render
from shop_common.db import unit_of_work

_DEFAULTS = {"brand": "", "caption": "", "stripes": None, "salt": ""}


def add(pictures: dict[str, dict[str, Any]]) -> int:
    """Store these pictures (name -> `artwork.render` keyword arguments) whose names are not stored yet; a
    stored name keeps its picture. Committed; returns how many were added."""
    if not pictures:
        return 0
    rows = [{**_DEFAULTS, **drawing, "name": name} for name, drawing in pictures.items()]
    with unit_of_work(db):
        added = db.session.scalars(insert(Picture).values(rows).on_conflict_do_nothing(index_elements=["name"])
                                   .returning(Picture.name)).all()
    return len(added)


def svg(name: str) -> bytes | None:
    """The SVG document of the picture stored under `name`; None if there is none."""
    row = db.session.execute(select(Picture.kind, Picture.colour, Picture.brand, Picture.caption, Picture.stripes,
                                    Picture.salt).where(Picture.name == name)).first()
    return None if row is None else _drawn(*row)


@functools.lru_cache(maxsize=1024)  # pictures of 1-2 kB: the demo's and synthetic ones are some hundreds
def _drawn(kind: str, colour: str, brand: str, caption: str, stripes: str | None, salt: str) -> bytes:
    return render(kind, colour, brand=brand, caption=caption, stripes=stripes, salt=salt).encode()
