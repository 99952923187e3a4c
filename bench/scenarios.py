"""What `make bench` asks the shop, through its gateway, and how it checks the checkout's books afterwards.

The catalogue: page 1, a deep page (the middle one), a filtered page, a search, a product detail and the
categories, each the same few requests over and over (a shop's hot pages, which the products service's cache
holds); and, to show what the database costs as the catalogue grows, deep pages, filtered pages and searches
sent as thousands of different queries in turn (each one the cache has not seen, until they come round again).

The cart and checkout: shoppers are tokens minted with the stack's development key (bench/tokens.py says why)
for made-up user ids of this run. "Add to cart" sends each shopper's first add (a new line, 201) of one of 20
products whose stock was set to 1,000,000 by the staff API, at the benchmark's connections and again at
`LIGHT` connections (latency without queueing); the cart view shows those carts; the checkout orders each of
them once, each request another shopper with a line in the cart and an Idempotency-Key of its own. Then
`verify_checkout` reads the databases: every checkout ended, no stock below zero, and the units of the orders
made are exactly the stock taken (less what reservations still hold).
"""

from __future__ import annotations

import json
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import requests
import tokens
from wrkrun import Request, run

from shop_common import localservers

SHIPPING = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
            "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}
SEARCHES = ("linen", "wool coat", "cash")
#: searches with typos (found by pg_trgm's word similarity, each with a "did you mean")
TYPOS = ("lnen shrt", "wol coat", "cashmre swetr")
HOT_PRODUCTS = 20
STOCK = 1_000_000  # per hot variant: the most a variant may hold
LIGHT = 4  # connections of the light-load run of add to cart


class Bench:
    def __init__(self, *, url: str, var: Path, admin_url: str, prefix: str, args: Any):
        self.url, self.var, self.admin_url, self.prefix, self.args = url, var, admin_url, prefix, args
        self.key = tokens.private_key(var / "keys")
        self.base = int(time.time()) * 1000  # this run's shoppers are base+1, base+2, ...
        self.hot: list[tuple[int, int, str]] = []  # (product id, variant id, slug)
        self.checkout_answers: dict[str, int] = {}

    # -- plumbing --------------------------------------------------------------------------------------------

    def db(self, service: str) -> psycopg.Connection:
        url = localservers.with_database(self.admin_url, f"{self.prefix}{service}")
        return psycopg.connect(url, autocommit=True)

    def measure(self, url: str, requests_: list[Request], *, expect=(200,), keys: str | None = None,
                warm: list[Request] | None = None, connections: int | None = None) -> dict[str, Any]:
        a = self.args
        common = {"connections": connections or a.connections, "threads": a.threads, "expect": expect}
        if a.warmup > 0:
            run(url, warm or requests_, seconds=a.warmup, keys=f"{keys}-warm" if keys else None, **common)
        figures = run(url, requests_, seconds=a.seconds, keys=keys, **common).as_dict()
        first = requests_[0]
        return {**figures, "request": f"{first.method} {first.path}", "distinct": len(set(requests_)),
                "expect": list(expect)}

    def measure_ceiling(self, url: str) -> dict[str, Any]:
        found = {"label": "ceiling: bare Flask JSON, same gunicorn and nginx", **self.measure(
            url, [Request("/api/products/")])}
        print(f"{'ceiling (bare Flask)':<44} {_line(found)}", flush=True)
        return found

    def token(self, n: int, **claims: Any) -> str:
        return tokens.mint(self.key, self.base + n, **claims)

    # -- the catalogue ---------------------------------------------------------------------------------------

    def catalogue(self) -> list[tuple[str, str, list[Request]]]:
        """(id, label, requests) of each catalogue scenario."""
        with self.db("products") as conn:
            count = conn.execute("SELECT count(*) FROM products").fetchone()[0]
            category = conn.execute("SELECT slug FROM categories ORDER BY id LIMIT 1").fetchone()[0]
            slugs = [r[0] for r in conn.execute("SELECT slug FROM products TABLESAMPLE BERNOULLI (%s) LIMIT 200",
                                                (min(100.0, 100 * 400 / max(count, 1)),))]
        pages = max(1, math.ceil(count / 20))
        deep = max(2, pages // 2)
        rng = random.Random(7)
        spread = list(range(max(2, deep - pages // 4), min(pages, deep + pages // 4) + 1))
        rng.shuffle(spread)
        filtered = f"/api/products/?category={category}&in_stock=true&min_price=10"
        # upper bounds above every price: the same products each time, but a question the cache has not seen
        bounds = [f"{9000 + n / 100:.2f}" for n in range(20_000)]
        search = [t.replace(" ", "%20") for t in SEARCHES]
        typos = [t.replace(" ", "%20") for t in TYPOS]
        facets = "/api/products/facets/"
        return [
            ("page1", "page 1", [Request("/api/products/")]),
            ("deep", f"deep page ({deep:,} of {pages:,})", [Request(f"/api/products/?page={deep}")]),
            ("filtered", "filtered page", [Request(f"{filtered}&max_price=200")]),
            ("search", f"search ({len(SEARCHES)} terms)", [Request(f"/api/products/?search={t}") for t in search]),
            ("detail", f"product detail ({len(slugs)} products)", [Request(f"/api/products/{s}/") for s in slugs]),
            ("categories", "categories", [Request("/api/categories/")]),
            ("deep_fresh", f"deep pages ({len(spread):,} different)",
             [Request(f"/api/products/?page={p}") for p in spread]),
            ("filtered_fresh", f"filtered pages ({len(bounds):,} different)",
             [Request(f"{filtered}&max_price={b}") for b in bounds]),
            ("search_fresh", f"searches ({len(bounds):,} different)",
             [Request(f"/api/products/?search={search[n % len(search)]}&max_price={b}") for n, b in enumerate(bounds)]),
            ("facets", "facets (catalogue, category)", [Request(facets), Request(f"{facets}?category={category}")]),
            ("facets_filtered", "facets (size and price filtered)",
             [Request(f"{facets}?category={category}&size=M&max_price=200")]),
            ("typo", f"typo search ({len(TYPOS)} terms)", [Request(f"/api/products/?search={t}") for t in typos]),
            ("facets_fresh", f"filtered facets ({len(bounds):,} different)",
             [Request(f"{facets}?size=M&max_price={b}") for b in bounds]),
            ("typo_fresh", f"typo searches ({len(bounds):,} different)",
             [Request(f"/api/products/?search={typos[n % len(typos)]}&max_price={b}") for n, b in enumerate(bounds)]),
        ]

    # -- the cart --------------------------------------------------------------------------------------------

    def stock_up(self) -> None:
        """Give HOT_PRODUCTS products' first variant all the stock a variant may hold (the staff API)."""
        with self.db("products") as conn:
            rows = conn.execute("SELECT p.id, (SELECT min(v.id) FROM variants v WHERE v.product_id = p.id), p.slug "
                                "FROM (SELECT id, slug FROM products ORDER BY id LIMIT %s) p", (HOT_PRODUCTS,))
            self.hot = [tuple(r) for r in rows]
        staff = {"Authorization": f"Bearer {self.token(0, staff=True)}"}
        for _, variant, slug in self.hot:
            answer = requests.patch(f"{self.url}/api/products/{slug}/variants/{variant}/", json={"stock": STOCK},
                                    headers=staff, timeout=30)
            answer.raise_for_status()

    def add(self, n: int) -> Request:
        product, variant, _ = self.hot[n % len(self.hot)]
        return Request("/api/cart/add/", "POST", self.token(n),
                       json.dumps({"product_id": product, "variant_id": variant, "quantity": 1}))

    def with_lines(self) -> list[int]:
        with self.db("cart") as conn:
            return [r[0] - self.base for r in conn.execute(
                "SELECT DISTINCT user_id FROM cart_items WHERE user_id > %s AND user_id <= %s ORDER BY 1",
                (self.base, self.base + self.args.shoppers))]

    def top_up(self, wanted: int) -> list[int]:
        """At least `wanted` shoppers with a line in their cart (the checkout orders each once)."""
        have = self.with_lines()
        missing = sorted(set(range(1, self.args.shoppers + 1)) - set(have))[:max(0, wanted - len(have))]

        def add(n: int) -> None:
            r = self.add(n)
            requests.post(self.url + r.path, data=r.body, timeout=30, headers={
                "Authorization": f"Bearer {r.token}", "Content-Type": "application/json"}).raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(add, missing))
        return self.with_lines()

    # -- everything ------------------------------------------------------------------------------------------

    def _measure(self, found: dict, key: str, label: str, requests_: list[Request], **kwargs: Any) -> dict:
        found[key] = {"label": label, **self.measure(self.url, requests_, **kwargs)}
        found[key]["connections"] = kwargs.get("connections") or self.args.connections
        print(f"{label:<44} {_line(found[key])}", flush=True)
        return found[key]

    def run_all(self) -> dict[str, dict[str, Any]]:
        """Every scenario, in order: {id: {label, figures...}}."""
        found: dict[str, dict[str, Any]] = {}
        for key, label, requests_ in self.catalogue():
            self._measure(found, key, label, requests_)
        self.stock_up()
        shoppers = list(range(1, self.args.shoppers + 1))
        warm = max(1, len(shoppers) // 5)
        added = self._measure(found, "add", "add to cart", [self.add(n) for n in shoppers[warm:]], expect=(200, 201),
                              warm=[self.add(n) for n in shoppers[:warm]])
        # the same adds at a light load, for latency without queueing (the shoppers' lines grow: 200)
        self._measure(found, "add_light", f"add to cart, {LIGHT} connections", [self.add(n) for n in shoppers[warm:]],
                      expect=(200, 201), connections=LIGHT)
        wanted = int(1.25 * added["requests_per_s"] * (self.args.seconds + self.args.warmup))
        ready = self.top_up(min(self.args.shoppers, max(1000, wanted)))
        self._measure(found, "cart", "cart view", [Request("/api/cart/", token=self.token(n)) for n in ready])
        body = json.dumps({"shipping": SHIPPING})
        orders = [Request("/api/order/create/", "POST", self.token(n), body) for n in ready]
        split = max(1, round(len(orders) * self.args.warmup / (self.args.warmup + self.args.seconds)))
        checkout = self._measure(found, "checkout", "checkout", orders[split:], expect=(201,),
                                 keys=f"bench-{self.base}", warm=orders[:split])
        checkout["shoppers"] = len(orders) - split
        checkout["orders_per_s"] = round(checkout["statuses"].get("201", 0) / checkout["seconds"], 1)
        print(f"{'':<44} orders/s {checkout['orders_per_s']} ({checkout['shoppers']} shoppers ready)", flush=True)
        return found

    def verify_checkout(self, timeout: float = 60) -> dict[str, Any]:
        """The books after the checkouts: every one ended, no stock below zero, units ordered == stock taken."""
        deadline = time.monotonic() + timeout
        with self.db("orders") as orders:
            while (running := orders.execute("SELECT count(*) FROM checkouts WHERE state IN ('started', 'ordered')")
                   .fetchone()[0]) and time.monotonic() < deadline:
                time.sleep(0.5)
            made, units = orders.execute(
                "SELECT count(DISTINCT o.id), coalesce(sum(l.quantity), 0) FROM orders o JOIN order_lines l "
                "ON l.order_id = o.id WHERE o.user_id > %s AND o.user_id <= %s AND o.status <> 'cancelled'",
                (self.base, self.base + self.args.shoppers)).fetchone()
        variants = [v for _, v, _ in self.hot]
        with self.db("products") as products:
            left = products.execute("SELECT coalesce(sum(stock), 0) FROM variants WHERE id = ANY(%s)",
                                    (variants,)).fetchone()[0]
            held = products.execute(
                "SELECT coalesce(sum(l.quantity), 0) FROM reservation_lines l JOIN reservations r "
                "ON r.id = l.reservation_id WHERE r.status = 'held' AND l.variant_id = ANY(%s)",
                (variants,)).fetchone()[0]
            negative, lowest = products.execute("SELECT count(*) FILTER (WHERE stock < 0), min(stock) FROM variants"
                                                ).fetchone()
        taken = STOCK * len(variants) - left
        return {"orders": made, "units_ordered": units, "stock_taken": taken, "units_held": held,
                "unfinished_checkouts": running, "variants_below_zero": negative, "lowest_stock": lowest,
                "oversold_units": max(0, units - (taken - held)),
                "books_balance": negative == 0 and units == taken - held and running == 0}


def _line(f: dict[str, Any]) -> str:
    return (f"{f['requests_per_s']:>8} req/s  p50 {f['p50_ms']:>7} ms  p99 {f['p99_ms']:>7} ms  "
            f"errors {f['errors']}  {f['statuses']}")
