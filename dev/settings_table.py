"""The README's settings table, made from the settings the code declares (the kit's, and each service's of the
manifest). `dev/manifest.py --write` puts it into README.md; tests/test_manifest.py keeps the README equal to it.

    uv run python dev/settings_table.py            print the table
"""

import importlib
from pathlib import Path

from shop_common import manifest
from shop_common.config import COMMON, SERVER, describe

ROOT = Path(__file__).resolve().parents[1]


def groups(shop: manifest.Manifest | None = None) -> list[tuple[str, tuple]]:
    """(who, settings) for the kit and for each Python service of the manifest (its `<package>.config.SETTINGS`)."""
    shop = shop or manifest.load(ROOT / "services.toml")
    return [
        ("every service", COMMON),
        ("every service, read by gunicorn (`shop_common.gunicorn_conf`)", SERVER),
        *((s.name, importlib.import_module(f"{s.package}.config").SETTINGS) for s in shop.python()),
    ]


def table(shop: manifest.Manifest | None = None) -> str:
    """One row per setting; one that several services declare alike is one row naming them all."""
    merged: dict[tuple[str, ...], list[str]] = {}
    for where, specs in groups(shop):
        for row in describe(specs):
            merged.setdefault((row["name"], row["default"], row["required"], row["help"]), []).append(where)
    rows = ["| setting | applies to | default | required | meaning |", "| --- | --- | --- | --- | --- |"]
    for (name, default, required, meaning), where in merged.items():
        default = f"`{default}`" if default else ""
        rows.append(f"| `{name}` | {', '.join(where)} | {default} | {required} | {meaning} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
