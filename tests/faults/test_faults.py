"""Nothing lost when a part of the shop fails (issue 15): twelve shoppers add to their carts and check out
through the gateway the whole time, while each fault comes in turn: Redis killed and started again empty, the
mailer's worker killed (its whole process group), the mailer's main process killed (its RQ scheduler left
behind), Postgres stopped for 20 s, products stopped (SIGSTOP) for 10 s. Nobody touches the stack between
them: each time it must answer ready again by itself.

A shopper behaves as the storefront does: a 503 is retried after its Retry-After with the same
Idempotency-Key (an add's, a checkout's) until it has its answer. Afterwards:

- every answer during the run was a documented one: 2xx, the call's documented 4xx as problem+json, or a 503
  problem+json with Retry-After; never a 500, an HTML page or a dropped connection;
- every order answered 201 exists, holds what the shopper's cart held, and no other order was made;
- each has exactly one confirmation email (a second copy, with the same Message-ID, is allowed only for a
  message a killed worker had handed to SMTP: at most one per kill);
- no unit was oversold or lost: for each variant, the stock left and the units ordered add up to the stock
  it had (one variant runs out on the way);
- each cart holds what its shopper put in it and did not order.

And sessions survive Redis losing its data: a token logged out before Redis was killed and started
again empty is still refused after it (the revocations are kept in the users service's Postgres too, and
restored), and a token that was not logged out works again once they are. Until they are restored, a token is
answered 503 `revocations_unavailable` with Retry-After: never trusted in between.
"""

from __future__ import annotations

import collections
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from shop_common.testing import wait_until

from .conftest import FaultStack, e2e

SHOPPERS = 12
#: seconds of load before the first fault, and after the stack is ready again from each
STEADY = 8
#: the variants' stock: plenty, and one that runs out while the shoppers buy
PLENTY, SCARCE = 100_000, 40
#: the documented 4xx of each call (CONTRACT.md), beside its successes and a 503
DOCUMENTED = {
    "add": ({200, 201}, {"insufficient_stock"}),
    "checkout": ({201}, {"insufficient_stock", "cart_empty", "checkout_in_progress", "idempotency_key_in_use"}),
    "clear": ({204}, set()),
}
#: "not now" answers (with Retry-After) after which the same request is sent again, as after a 503: another
#: checkout of the cart, or of the key, has not finished yet (the repair finishes one a fault interrupted)
NOT_NOW = {"checkout_in_progress", "idempotency_key_in_use"}
#: how long a shopper keeps retrying one call through a fault before it counts as lost
PATIENCE = 120


@dataclass
class Seen:
    phase: str
    call: str
    status: int  # 0: no answer (a connection refused, reset or timed out)
    code: str = ""
    problem: bool = False
    retry_after: str | None = None

    def acceptable(self) -> bool:
        successes, codes = DOCUMENTED[self.call]
        if self.status in successes:
            return True
        if self.status == 503:
            return self.problem and self.retry_after is not None
        return 400 <= self.status < 500 and self.problem and self.code in codes


@dataclass
class Shopper:
    id: int
    headers: dict[str, str]
    cart: collections.Counter = field(default_factory=collections.Counter)  # variant -> units, as believed
    journal: list[str] = field(default_factory=list)  # what it sent and was answered, for a failure's message


class Load:
    """The shoppers: threads that add and check out until `stop`, recording every answer."""

    def __init__(self, faulty: FaultStack, variants: dict[int, int]):
        self.stack = faulty.stack
        self.variants = variants  # variant -> product
        self.phase = "steady"
        self.seen: list[Seen] = []
        self.orders: dict[int, dict] = {}  # answered 201: id -> the order
        self.broken: list[str] = []  # promises seen broken on the way
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.shoppers = []
        for n in range(SHOPPERS):
            account = self.stack.register(f"fault-{n}")
            self.shoppers.append(Shopper(account.id, {"Authorization": f"Bearer {self.stack.mint_token(account.id)}"}))
        self.threads = [threading.Thread(target=self._shop, args=(s,), daemon=True) for s in self.shoppers]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(PATIENCE + 60)
        assert not any(t.is_alive() for t in self.threads), "a shopper is still waiting for an answer"

    def _call(self, shopper: Shopper, call: str, path: str, **kwargs) -> requests.Response | None:
        """POST until the answer is neither a 503 nor a NOT_NOW (waiting its Retry-After, at most 2 s) nor
        none; None when PATIENCE ran out."""
        headers = {**shopper.headers, **kwargs.pop("headers", {})}  # the same each time: its Idempotency-Key too
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                response = self.stack.post(path, headers=headers, timeout=40, **kwargs)
            except requests.RequestException as exc:
                shopper.journal.append(f"{time.strftime('%H:%M:%S')} {call} {kwargs.get('json')}: {exc}")
                self._record(Seen(self.phase, call, 0))
                time.sleep(1)
                continue
            shopper.journal.append(f"{time.strftime('%H:%M:%S')} {call} {kwargs.get('json')} "
                                   f"{response.headers.get('X-Request-ID', '')}: {response.status_code} "
                                   f"{response.text[:160]}")
            problem = response.headers.get("Content-Type", "").startswith("application/problem+json")
            code = response.json().get("code", "") if problem else ""
            self._record(Seen(self.phase, call, response.status_code, code, problem,
                              response.headers.get("Retry-After")))
            if response.status_code != 503 and code not in NOT_NOW:
                return response
            time.sleep(min(float(response.headers.get("Retry-After") or 1), 2.0))
        self._broken(f"shopper {shopper.id}: {call} had no answer but 'not now' for {PATIENCE} s")
        return None

    def _record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def _broken(self, what: str) -> None:
        with self.lock:
            self.broken.append(f"[{self.phase}] {what}")

    def _shop(self, shopper: Shopper) -> None:
        rng = random.Random(shopper.id)
        while not self.done.is_set():
            variant = rng.choice(list(self.variants))
            quantity = rng.randint(1, 2)
            added = self._call(shopper, "add", "/api/cart/add/", headers={"Idempotency-Key": str(uuid.uuid4())},
                               json={"product_id": self.variants[variant], "variant_id": variant, "quantity": quantity})
            if added is not None and added.status_code in (200, 201):
                shopper.cart[variant] += quantity
            if shopper.cart and rng.random() < 0.5:
                self._checkout(shopper)
            time.sleep(0.05)

    def _checkout(self, shopper: Shopper) -> None:
        key = str(uuid.uuid4())  # one checkout: the same key through every retry
        answer = self._call(shopper, "checkout", "/api/order/create/", headers={"Idempotency-Key": key},
                            json={"shipping": dict(e2e.SHIPPING)})
        if answer is None:
            return
        if answer.status_code == 201:
            order = answer.json()
            ordered = {item["variant_id"]: item["quantity"] for item in order["items"]}
            if ordered != dict(shopper.cart):
                self._broken(f"order {order['number']} holds {ordered}, the cart held {dict(shopper.cart)}; "
                             + "\n".join(shopper.journal[-12:]))
            with self.lock:
                self.orders[order["id"]] = {**order, "shopper": shopper.id}
            shopper.cart.clear()
        elif answer.status_code == 409:
            if answer.json()["code"] == "cart_empty":
                self._broken(f"shopper {shopper.id}: cart_empty with {dict(shopper.cart)} in the cart; "
                             + "\n".join(shopper.journal[-12:]))
            cleared = self._call(shopper, "clear", "/api/cart/clear/")
            if cleared is not None and cleared.status_code == 204:
                shopper.cart.clear()


# -- the faults -------------------------------------------------------------------------------------------------


def redis_killed_and_empty(faulty: FaultStack) -> None:
    faulty.redis.stop()
    time.sleep(3)
    faulty.redis.start()  # no persistence: an empty Redis


def mailer_worker_killed(faulty: FaultStack) -> Callable[[], bool]:
    killed = faulty.parts()["mailer"]
    faulty.signal(faulty.members("mailer"), signal.SIGKILL)  # the worker, its scheduler and any work horse
    return lambda: faulty.worker_registered(instead_of=killed)


def mailer_main_killed(faulty: FaultStack) -> Callable[[], bool]:
    killed = faulty.parts()["mailer"]
    faulty.signal([killed], signal.SIGKILL)  # its children live on, holding its pipes
    return lambda: faulty.worker_registered(instead_of=killed)


def postgres_stopped(faulty: FaultStack) -> None:
    faulty.postgres.stop()
    time.sleep(20)
    faulty.postgres.start()


def products_stopped(faulty: FaultStack) -> None:
    members = faulty.members("products")
    faulty.signal(members, signal.SIGSTOP)
    time.sleep(10)
    faulty.signal(members, signal.SIGCONT)


#: each fault, in turn; one may return what must come true besides every part answering ready (a new worker)
FAULTS: list[Callable[[FaultStack], Callable[[], bool] | None]] = [
    redis_killed_and_empty, mailer_worker_killed, mailer_main_killed, postgres_stopped, products_stopped]
#: faults that may leave one message sent twice (SMTP had it when the worker died)
KILLS_OF_THE_WORKER = 2


# -- afterwards -------------------------------------------------------------------------------------------------


def _all(stack, path: str, headers: dict[str, str]) -> list[dict]:
    """Every item of a paginated list, following `next`."""
    found, page = [], f"{path}?page_size=100"
    while page:
        response = stack.get(page, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        found += body["results"]
        page = (lambda u: f"{u.path}?{u.query}")(urlsplit(body["next"])) if body["next"] else None
    return found


def _wait_for(condition: Callable[[], list[str]], timeout: float) -> list[str]:
    """What is still wrong once `condition` says nothing is, or `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while (wrong := condition()) and time.monotonic() < deadline:
        time.sleep(1)
    return wrong


def test_nothing_is_lost_through_each_fault_under_load(faulty: FaultStack):
    stack = faulty.stack
    category = stack.new_category("Faults")
    initial: dict[int, int] = {}  # variant -> its stock before
    variants: dict[int, int] = {}  # variant -> its product
    slugs: dict[int, str] = {}  # variant -> its product's slug
    for name, stock in [("Oak Stool", PLENTY), ("Tin Lamp", PLENTY), ("Wool Rug", PLENTY), ("Rare Vase", SCARCE)]:
        product = stack.new_product(category, name, ("One size", "12.50", stock))
        variant = product["variants"][0]["id"]
        variants[variant], initial[variant], slugs[variant] = product["id"], stock, product["slug"]
    load = Load(faulty, variants)
    recovered: dict[str, float] = {}

    load.start()
    try:
        time.sleep(STEADY)
        for fault in FAULTS:
            load.phase = fault.__name__
            back = fault(faulty) or (lambda: True)
            started = time.monotonic()
            faulty.wait_ready()
            wait_until(back, timeout=120, interval=1)  # the mailer's new worker, for the mailer's faults
            recovered[fault.__name__] = round(time.monotonic() - started, 1)
            load.phase = f"after {fault.__name__}"
            time.sleep(STEADY)
    finally:
        load.stop()

    # every answer a documented one
    def key(s: Seen) -> tuple:
        return s.phase, s.call, s.status, s.code, s.problem, s.retry_after is not None

    tally = collections.Counter(map(key, load.seen))
    wrong = collections.Counter(key(s) for s in load.seen if not s.acceptable())
    print(f"\n{len(load.seen)} answers, {len(load.orders)} orders; ready again after (s): {recovered}")
    for seen, count in sorted(tally.items()):
        print(f"  {count:5d}  {seen}")
    assert not wrong, f"answers that are not documented ones (phase, call, status, code, problem, Retry-After): {wrong}"
    assert not load.broken, load.broken
    assert len(load.orders) > 50, "too few orders to have seen the faults under load"

    # every order answered 201 exists, and only those
    held = {}
    for shopper in load.shoppers:
        held.update({o["id"]: o for o in _all(stack, "/api/order/list/", shopper.headers)})
    assert set(held) == set(load.orders), (f"answered 201 but missing: {sorted(set(load.orders) - set(held))}; "
                                           f"made without a 201: {sorted(set(held) - set(load.orders))}")
    given_up = {o["number"]: o["status"] for o in held.values() if o["status"] not in ("pending", "confirmed")}
    assert not given_up, f"orders the shop gave up on (a reservation lost on the way): {given_up}"

    # one confirmation per order (the mailer has had its faults too: it catches up)
    def unconfirmed() -> list[str]:
        subjects = collections.Counter(str(m["Subject"]) for m in stack.mail())
        return [o["number"] for o in load.orders.values() if not subjects[f"Thank you for your order {o['number']}"]]

    missing = _wait_for(unconfirmed, timeout=180)
    assert not missing, f"{len(missing)} of {len(load.orders)} orders have no confirmation: {missing[:20]}"
    time.sleep(3)  # a second copy on its way would be here by now
    copies = collections.defaultdict(list)
    for message in stack.mail():
        copies[str(message["Subject"])].append(str(message["Message-ID"]))
    twice = {}
    for order in load.orders.values():
        ids = copies[f"Thank you for your order {order['number']}"]
        assert len(set(ids)) == 1, f"order {order['number']}: {len(set(ids))} different confirmations"
        if len(ids) > 1:
            twice[order["number"]] = len(ids)
    assert sum(n - 1 for n in twice.values()) <= KILLS_OF_THE_WORKER, f"confirmations sent more than once: {twice}"

    # no unit oversold or lost (a failed checkout's reservation is given back by the repair)
    def unaccounted() -> list[str]:
        ordered = collections.Counter()
        for order in held.values():
            for item in order["items"]:
                ordered[item["variant_id"]] += item["quantity"]
        left = {v["id"]: v["stock"] for slug in set(slugs.values()) for v in stack.product(slug)["variants"]}
        return [f"variant {v}: {left[v]} left + {ordered[v]} ordered != {initial[v]}"
                for v in initial if left[v] + ordered[v] != initial[v]]

    assert not (lost := _wait_for(unaccounted, timeout=90)), lost
    scarce = next(v for v, stock in initial.items() if stock == SCARCE)
    assert sum(i["quantity"] for o in held.values() for i in o["items"] if i["variant_id"] == scarce) <= SCARCE

    # carts hold what their shoppers put in and did not order (an order a fault interrupted after it was
    # stored has its lines taken out by the repair)
    def carts() -> list[str]:
        wrong = []
        for shopper in load.shoppers:
            response = stack.get("/api/cart/", headers=shopper.headers)
            assert response.status_code == 200, response.text
            if (held := {i["variant_id"]: i["quantity"] for i in response.json()["items"]}) != dict(shopper.cart):
                wrong.append(f"shopper {shopper.id}: the cart holds {held}, not {dict(shopper.cart)}")
        return wrong

    assert not (wrong_carts := _wait_for(carts, timeout=90)), wrong_carts


# -- sessions -------------------------------------------------------------------------------------------------

#: how long the services may take to trust tokens again after the wipe
RESTORED_WITHIN = 60


def _profile(stack, access: str):
    return stack.get("/api/users/profile/", headers={"Authorization": f"Bearer {access}"})


def test_a_token_logged_out_before_redis_lost_its_data_is_still_refused_after(faulty: FaultStack):
    stack = faulty.stack
    gone, kept = stack.register("logged-out"), stack.register("still-in")
    tokens = {}
    for n, shopper in enumerate((gone, kept)):
        login = stack.login_from(f"127.0.6.{n + 1}", shopper.username, shopper.password)
        assert login.status_code == 200, login.text
        tokens[shopper.username] = login.json()
    logged_out = stack.post("/api/auth/logout/", json={"refresh": tokens[gone.username]["refresh"]},
                            headers={"Authorization": f"Bearer {tokens[gone.username]['access']}"})
    assert logged_out.status_code == 204, logged_out.text
    assert _profile(stack, tokens[gone.username]["access"]).status_code == 401

    faulty.redis.stop()
    faulty.redis.start()  # empty

    seen = []
    deadline = time.monotonic() + RESTORED_WITHIN
    while time.monotonic() < deadline:
        answers = {name: _profile(stack, tokens[name]["access"]) for name in (gone.username, kept.username)}
        seen.append({name: (a.status_code, a.headers.get("Retry-After")) for name, a in answers.items()})
        if answers[kept.username].status_code == 200:
            break
        time.sleep(0.5)
    for moment in seen:
        status, retry_after = moment[gone.username]
        assert status in (401, 503), f"the logged-out token answered {status}: {seen}"
        assert status == 401 or retry_after, f"503 without Retry-After: {seen}"
    assert seen[-1][kept.username][0] == 200, f"the kept session not trusted again within {RESTORED_WITHIN} s: {seen}"
    assert seen[-1][gone.username][0] == 401, seen
    refreshed = stack.post("/api/auth/refresh/", json={"refresh": tokens[gone.username]["refresh"]})
    assert refreshed.status_code == 401, refreshed.text
    faulty.wait_ready()
