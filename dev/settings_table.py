"""The README's settings table, made from the settings the code declares; tests/test_repo.py keeps the
README equal to it.

    uv run python dev/settings_table.py            print the table
    uv run python dev/settings_table.py --write    put it into README.md
"""

import sys
from pathlib import Path

from cart.config import SETTINGS as CART
from mailer.config import SETTINGS as MAILER
from orders.config import SETTINGS as ORDERS
from products.config import SETTINGS as PRODUCTS
from shop_common.config import COMMON, SERVER, describe
from users.config import SETTINGS as USERS

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- settings:start -->\n", "<!-- settings:end -->"

GROUPS = (
    ("every service", COMMON),
    ("every service, read by gunicorn (`shop_common.gunicorn_conf`)", SERVER),
    ("users", USERS),
    ("products", PRODUCTS),
    ("cart", CART),
    ("orders", ORDERS),
    ("mailer", MAILER),
)


def table() -> str:
    """One row per setting; one that several services declare alike is one row naming them all."""
    merged: dict[tuple[str, ...], list[str]] = {}
    for where, specs in GROUPS:
        for row in describe(specs):
            merged.setdefault((row["name"], row["default"], row["required"], row["help"]), []).append(where)
    rows = ["| setting | applies to | default | required | meaning |", "| --- | --- | --- | --- | --- |"]
    for (name, default, required, meaning), where in merged.items():
        default = f"`{default}`" if default else ""
        rows.append(f"| `{name}` | {', '.join(where)} | {default} | {required} | {meaning} |")
    return "\n".join(rows)


def documented(readme: str) -> str:
    return readme.split(START, 1)[1].split(END, 1)[0]


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        text = README.read_text()
        README.write_text(text.replace(START + documented(text), START + table() + "\n"))
    else:
        print(table())
