"""The payments service's tables. Models never commit: the services do."""

from __future__ import annotations

from shop_common.db import make_db

db = make_db()
