"""Print the README's settings table from the settings the code declares (tests/test_repo.py keeps
the README equal to this output)."""

from shop_common.config import COMMON, SERVER, describe
from users.config import SETTINGS as USERS

GROUPS = (
    ("every service", COMMON),
    ("every service, read by gunicorn (`shop_common.gunicorn_conf`)", SERVER),
    ("users", USERS),
)


def table() -> str:
    rows = ["| setting | applies to | default | required | meaning |", "| --- | --- | --- | --- | --- |"]
    for where, specs in GROUPS:
        for row in describe(specs):
            default = f"`{row['default']}`" if row["default"] else ""
            rows.append(f"| `{row['name']}` | {where} | {default} | {row['required']} | {row['help']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
