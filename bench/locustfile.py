"""The shop's load generator (Locust), like Online Boutique's: shoppers who browse, look, fill carts and buy.

    make load                                   headless against http://localhost:8000 (`make up`'s shop)
    uv run locust -f bench/locustfile.py --headless --host http://localhost:8000 -u 20 -r 5 -t 1m

Each simulated shopper, between pauses of 0.5 to 2 s, picks one of (weights as Online Boutique's mix):

    browse or filter the catalogue   10   a page, a category, in stock only, a price range, an ordering, a search
    view a product                    5   one seen while browsing
    add to cart                       3   an in-stock variant of a product viewed
    view the cart                     3
    check out                         1   when the cart holds something; with an Idempotency-Key of its own

Who the shoppers are: with `SHOP_LOAD_KEYS` naming a local stack's key (`var/keys`, which `make load` passes
when it is there), each mints its own access token for a made-up user id (bench/tokens.py says why: the
gateway lets one address log in only 10 times a minute). Without it, as in the chart's load generator, each
registers an account and logs in, waiting out the throttles' `Retry-After` (a 429 there is the gateway doing
its job, not a failure), and refreshes its token when it expires.

Answers a busy shop gives by design are not failures: 409 `insufficient_stock` (another shopper took the last
units) and `cart_full`. Every other answer outside 2xx is. `SHOP_LOAD_WAIT` ("0.5,2") sets the pause range.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid

from locust import FastHttpUser, between, task

try:  # bench/tokens.py, beside this file (locust has its folder on the path while it imports this one)
    import tokens
except ImportError:  # the chart's load generator: this file alone, and no key to mint with
    tokens = None

SHIPPING = {"full_name": "Ada Lovelace", "phone": "+44 20 7946 0958", "address_line": "12 St James's Square",
            "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}
SEARCHES = ("linen", "wool", "shirt", "coat", "cotton", "leather", "bag", "cash", "merino", "boot")
ORDERINGS = ("price", "-price", "name", "-created_at")
PASSWORD = "load generator's own password"
#: answers that are a busy shop's normal refusals, not failures
EXPECTED_REFUSALS = {"insufficient_stock", "cart_full"}
#: most seconds a shopper waits for a throttle before trying again
MAX_WAIT = 60
#: the shoppers' whims (not secrets)
rng = random.SystemRandom()


def _code(response) -> str | None:
    try:
        return response.json().get("code")
    except Exception:
        return None


def _pause() -> tuple[float, float]:
    low, high = (float(x) for x in os.environ.get("SHOP_LOAD_WAIT", "0.5,2").split(","))
    return low, high


class Shopper(FastHttpUser):
    wait_time = between(*_pause())

    def on_start(self) -> None:
        self.cards: list[dict] = []  # products seen on pages
        self.buyable: list[tuple[int, int]] = []  # (product id, variant id) of in-stock variants seen
        self.categories: list[str] = []
        self.in_cart = 0
        self.access = self.refresh = ""
        self.minted_at = 0.0
        keys = os.environ.get("SHOP_LOAD_KEYS")
        if keys:
            if tokens is None:
                raise RuntimeError("SHOP_LOAD_KEYS needs bench/tokens.py beside this file")
            self.key = tokens.private_key(keys)
            self.user_id = rng.randrange(10**12, 10**15)
            self.mint()
        else:
            self.key = None
            self.register_and_log_in()

    # -- who I am ------------------------------------------------------------------------------------------

    def mint(self) -> None:
        self.access, self.minted_at = tokens.mint(self.key, self.user_id), time.monotonic()

    def _throttled(self, response) -> bool:
        """A 429: wait as told and say so (the caller tries again)."""
        if response.status_code != 429:
            return False
        response.success()
        time.sleep(min(MAX_WAIT, int(response.headers.get("Retry-After") or 5)))
        return True

    def register_and_log_in(self) -> None:
        username = f"load-{socket.gethostname()[-20:]}-{uuid.uuid4().hex[:10]}".lower()
        account = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        while True:
            with self.client.post("/api/auth/register/", json=account, name="/api/auth/register/",
                                  catch_response=True) as r:
                if not self._throttled(r):
                    break
        while True:
            with self.client.post("/api/auth/login/", json={"username": username, "password": PASSWORD},
                                  name="/api/auth/login/", catch_response=True) as r:
                if self._throttled(r):
                    continue
                if r.status_code == 200:
                    self.access, self.refresh = r.json()["access"], r.json()["refresh"]
                return

    def renew(self) -> None:
        """A new access token: minted again, or from the refresh token (a new login if that fails)."""
        if self.key:
            self.mint()
            return
        with self.client.post("/api/auth/refresh/", json={"refresh": self.refresh}, name="/api/auth/refresh/",
                              catch_response=True) as r:
            if r.status_code == 200:
                self.access, self.refresh = r.json()["access"], r.json()["refresh"]
                return
            r.success()  # a spent or expired refresh token: log in afresh
        self.register_and_log_in()

    def authed(self, method: str, path: str, name: str | None = None, **kwargs):
        """An authenticated request (renewing the token once on a 401), as a `catch_response` context."""
        if self.key and time.monotonic() - self.minted_at > 3000:
            self.mint()
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.access}"}
        response = self.client.request(method, path, name=name or path, headers=headers, catch_response=True,
                                       **kwargs)
        if response.status_code != 401:
            return response
        with response:
            response.success()
        self.renew()
        headers["Authorization"] = f"Bearer {self.access}"
        return self.client.request(method, path, name=name or path, headers=headers, catch_response=True, **kwargs)

    # -- what shoppers do ----------------------------------------------------------------------------------

    @task(10)
    def browse(self) -> None:
        if not self.categories:
            answer = self.client.get("/api/categories/")
            if answer.status_code == 200:
                self.categories = [c["slug"] for c in answer.json()]
        query: dict[str, str] = {}
        choice = rng.random()
        if choice < 0.3 and self.categories:
            query["category"] = rng.choice(self.categories)
        elif choice < 0.5:
            query["search"] = rng.choice(SEARCHES)
        if rng.random() < 0.3:
            query["in_stock"] = "true"
        if rng.random() < 0.2:
            low = rng.choice((0, 10, 25, 50))
            query.update(min_price=str(low), max_price=str(low + rng.choice((25, 50, 100, 500))))
        if rng.random() < 0.3:
            query["ordering"] = rng.choice(ORDERINGS)
        if rng.random() < 0.3:
            query["page"] = str(rng.randint(2, 5))
        name = "/api/products/?" + "&".join(sorted(query)) if query else "/api/products/"
        with self.client.get("/api/products/", params=query, name=name, catch_response=True) as r:
            if r.status_code == 404 and _code(r) == "page_not_found":  # fewer pages than asked: fine
                r.success()
            elif r.status_code == 200:
                self.cards = (r.json()["results"] or self.cards)[:20]

    @task(5)
    def view_product(self) -> None:
        if not self.cards:
            return self.browse()
        card = rng.choice(self.cards)
        answer = self.client.get(f"/api/products/{card['slug']}/", name="/api/products/[slug]/")
        if answer.status_code == 200:
            product = answer.json()
            self.buyable = [(product["id"], v["id"]) for v in product["variants"] if v["stock"] > 0] + \
                self.buyable[:10]
        return None

    @task(3)
    def add_to_cart(self) -> None:
        if not self.buyable:
            return self.view_product()
        product, variant = rng.choice(self.buyable)
        with self.authed("POST", "/api/cart/add/", json={"product_id": product, "variant_id": variant,
                                                         "quantity": 1}) as r:
            if r.status_code in (200, 201):
                self.in_cart += 1
            elif r.status_code == 409 and _code(r) in EXPECTED_REFUSALS:
                r.success()
                self.buyable.remove((product, variant))
        return None

    @task(3)
    def view_cart(self) -> None:
        with self.authed("GET", "/api/cart/") as r:
            if r.status_code == 200:
                self.in_cart = len(r.json()["items"])

    @task(1)
    def checkout(self) -> None:
        if not self.in_cart:
            return self.add_to_cart()
        with self.authed("POST", "/api/order/create/", json={"shipping": SHIPPING},
                         headers={"Idempotency-Key": str(uuid.uuid4())}) as r:
            if r.status_code == 201:
                self.in_cart = 0
            elif r.status_code == 409 and _code(r) in EXPECTED_REFUSALS:
                r.success()
                self.in_cart = 0
                self.client.post("/api/cart/clear/", headers={"Authorization": f"Bearer {self.access}"})
        return None
