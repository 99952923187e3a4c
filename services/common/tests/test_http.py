"""`ServiceClient` against a real HTTP server whose answers each test scripts."""

from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from shop_common.http import ServiceClient, ServiceUnavailable
from shop_common.logs import request_id_var

# The calls below have a deadline of 1 s where, without it, they would take 7 s or more: ending within
# BOUND shows the deadline cut them, however busy the machine (a bound near 1 s would bet on its speed)
BOUND = 4.0


@dataclass(frozen=True)
class Answer:
    status: int = 200
    delay: float = 0.0
    cut: bool = False  # promise a longer body than is sent, then hang up (a server dying mid-answer)
    trickle: float = 0.0  # send the body one byte at a time, this many seconds apart


class Upstream:
    """A threaded HTTP server on 127.0.0.1: per path, a script of answers (the last one repeats).

    Unscripted paths answer 200. It counts the hits and keeps the headers of every request per path.
    """

    def __init__(self, bind_port):
        self.plans: dict[str, list[Answer]] = {}
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.serving: threading.Thread | None = None
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                answer = upstream.record(self.path, dict(self.headers))
                if answer.delay and upstream.stopping.wait(answer.delay):
                    return  # the test is over
                body = json.dumps({"path": self.path}).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) + 100 * answer.cut))
                self.end_headers()
                if not answer.trickle:
                    self.wfile.write(body)
                for byte in body if answer.trickle else b"":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if upstream.stopping.wait(answer.trickle):
                        return

            do_GET = do_POST = do_PUT = do_DELETE = answer

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = False  # a port bound but not yet listening must stay ours alone

            def handle_error(self, request, client_address) -> None:
                pass  # a client that gave up on a slow answer is what some tests are about

        def bind(port: int) -> Server:
            server = Server(("127.0.0.1", port), Handler, bind_and_activate=False)
            try:
                server.server_bind()
            except OSError:
                server.server_close()
                raise
            return server

        self.server = bind_port(bind)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def plan(self, path: str, *answers: int | Answer) -> None:
        with self.lock:
            self.plans[path] = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def record(self, path: str, headers: dict[str, str]) -> Answer:
        with self.lock:
            self.hits[path] += 1
            self.headers[path].append(headers)
            plan = self.plans.get(path) or [Answer()]
            return plan.pop(0) if len(plan) > 1 else plan[0]

    def listen(self) -> None:
        """Accept connections from now on (until then, connecting is refused)."""
        if self.serving is None:
            self.server.server_activate()
            self.serving = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                            daemon=True)
            self.serving.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.serving is not None:
            self.server.shutdown()
            self.serving.join(5)
        self.server.server_close()


@pytest.fixture
def make_upstream(bind_port) -> Iterator:
    made: list[Upstream] = []

    def make(listening: bool = True) -> Upstream:
        upstream = Upstream(bind_port)
        made.append(upstream)
        if listening:
            upstream.listen()
        return upstream

    yield make
    for upstream in made:
        upstream.stop()


@pytest.fixture
def upstream(make_upstream) -> Upstream:
    return make_upstream()


def client_of(upstream: Upstream, **options) -> ServiceClient:
    """A client of `upstream`; timeouts no busy machine reaches (a late answer would be retried, and counted),
    unless the test is about them and sets its own."""
    options = {"backoff": 0.01, "connect_timeout": 10.0, "read_timeout": 20.0, "deadline": 30.0, **options}
    return ServiceClient("catalog", upstream.url, **options)


@pytest.fixture
def retry_log(caplog) -> pytest.LogCaptureFixture:
    """The client's own log, where it says each time it retries."""
    caplog.set_level(logging.INFO, logger="shop_common.http")
    return caplog


def retries_logged(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.name == "shop_common.http" and r.getMessage().startswith("retrying"))


def test_a_get_is_retried_after_a_503_and_succeeds(upstream):
    upstream.plan("/items", 503, 503, 200)

    response = client_of(upstream, retries=2).get("/items")

    assert response.status_code == 200
    assert response.json() == {"path": "/items"}
    assert upstream.hits["/items"] == 3


def test_a_get_that_keeps_failing_becomes_service_unavailable_after_its_retries(upstream):
    upstream.plan("/items", 503)

    with pytest.raises(ServiceUnavailable) as raised:
        client_of(upstream, retries=2).get("/items")

    assert upstream.hits["/items"] == 3
    problem = raised.value
    assert (problem.code, problem.problem_code) == (503, "catalog_unavailable")
    assert problem.extra_headers["Retry-After"].isdigit()
    assert "503" in problem.detail


def test_a_500_is_not_retried_even_for_a_get(upstream):
    upstream.plan("/items", 500, 200)

    with pytest.raises(ServiceUnavailable):
        client_of(upstream, retries=2).get("/items")

    assert upstream.hits["/items"] == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_is_not_retried_after_a_server_error(upstream, status):
    upstream.plan("/orders", status, 200)

    with pytest.raises(ServiceUnavailable) as raised:
        client_of(upstream, retries=3).post("/orders", json={"sku": "A-1"})

    assert raised.value.problem_code == "catalog_unavailable"
    assert upstream.hits["/orders"] == 1


def test_a_post_the_caller_declares_idempotent_is_retried(upstream):
    upstream.plan("/orders", 503, 200)

    response = client_of(upstream, retries=3).post(
        "/orders", json={"sku": "A-1"}, idempotent=True, headers={"Idempotency-Key": "k-1"})

    assert response.status_code == 200
    assert upstream.hits["/orders"] == 2
    assert [h["Idempotency-Key"] for h in upstream.headers["/orders"]] == ["k-1", "k-1"]


def test_a_post_is_retried_when_the_connection_was_refused(make_upstream, retry_log):
    upstream = make_upstream(listening=False)  # the port is taken but refuses connections

    class StartOnFirstRetry(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            upstream.listen()  # the service comes up while the client backs off

    handler = StartOnFirstRetry()
    logging.getLogger("shop_common.http").addHandler(handler)
    try:
        response = client_of(upstream, retries=3).post("/orders", json={"sku": "A-1"})
    finally:
        logging.getLogger("shop_common.http").removeHandler(handler)

    assert response.status_code == 200
    assert upstream.hits["/orders"] == 1
    assert retries_logged(retry_log) == 1


def test_a_service_that_refuses_connections_is_unavailable_after_the_retries(make_upstream, retry_log):
    upstream = make_upstream(listening=False)

    with pytest.raises(ServiceUnavailable) as raised:
        client_of(upstream, retries=2).post("/orders", json={})

    assert raised.value.problem_code == "catalog_unavailable"
    assert retries_logged(retry_log) == 2


def test_a_read_timeout_is_service_unavailable_within_the_deadline(upstream):
    upstream.plan("/slow", Answer(200, delay=10))
    client = client_of(upstream, read_timeout=0.3, deadline=1.0, retries=5)

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/slow")
    elapsed = time.monotonic() - started

    assert (raised.value.code, raised.value.problem_code) == (503, "catalog_unavailable")
    assert elapsed < BOUND  # the upstream answers after 10 s
    assert upstream.hits["/slow"] >= 2  # a GET may go again after a timeout


def test_a_post_is_not_retried_after_a_read_timeout(upstream):
    upstream.plan("/orders", Answer(201, delay=10))

    with pytest.raises(ServiceUnavailable):
        client_of(upstream, read_timeout=0.2, deadline=2.0, retries=3).post("/orders", json={})

    assert upstream.hits["/orders"] == 1


def test_an_answer_that_trickles_in_is_cut_off_at_the_deadline(upstream):
    # every byte comes within the read timeout, but the whole body (18 bytes) would take 7 s
    upstream.plan("/drip", Answer(200, trickle=0.4))
    client = client_of(upstream, read_timeout=0.5, deadline=1.0, retries=0)

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/drip")

    assert time.monotonic() - started < BOUND
    assert raised.value.reason == "timed out"


def test_a_body_read_in_pieces_arrives_whole(upstream):
    upstream.plan("/drip", Answer(200, trickle=0.001))
    response = client_of(upstream, read_timeout=0.5, deadline=5.0).get("/drip")
    assert response.json() == {"path": "/drip"}


def test_the_deadline_bounds_the_backoff_between_retries_too(upstream):
    upstream.plan("/items", 503)
    client = client_of(upstream, backoff=0.4, retries=20, deadline=1.0)  # 0.4 s doubling to 1 s: 18 s of pauses

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/items")

    assert time.monotonic() - started < BOUND
    assert raised.value.reason == "answered 503"  # the last answer, not a made-up timeout


def test_an_answer_cut_short_is_service_unavailable_and_a_get_is_tried_again(upstream):
    upstream.plan("/items", Answer(200, cut=True), 200)
    upstream.plan("/orders", Answer(201, cut=True), 201)
    client = client_of(upstream, retries=2)

    assert client.get("/items").status_code == 200
    with pytest.raises(ServiceUnavailable) as raised:
        client.post("/orders", json={})

    assert raised.value.problem_code == "catalog_unavailable"
    assert upstream.hits == {"/items": 2, "/orders": 1}


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_a_4xx_is_returned_not_raised_nor_retried(upstream, status):
    upstream.plan("/items/7", status)

    response = client_of(upstream, retries=3).get("/items/7")

    assert response.status_code == status
    assert upstream.hits["/items/7"] == 1


def test_4xx_answers_do_not_count_as_failures_for_the_breaker(upstream):
    upstream.plan("/fail", 500)
    upstream.plan("/missing", 404)
    client = client_of(upstream, retries=0, breaker_failures=2, breaker_reset=60)

    for _ in range(3):
        with pytest.raises(ServiceUnavailable) as raised:
            client.get("/fail")
        assert raised.value.reason == "answered 500"  # the server was asked: the breaker is closed
        assert client.get("/missing").status_code == 404

    assert upstream.hits == {"/fail": 3, "/missing": 3}


def test_the_breaker_opens_after_consecutive_failures_fails_fast_and_recovers(upstream, wait_until):
    upstream.plan("/fail", 500)
    client = client_of(upstream, retries=0, breaker_failures=3, breaker_reset=0.5)

    for _ in range(3):
        with pytest.raises(ServiceUnavailable):
            client.get("/fail")
    opened = time.monotonic()
    assert upstream.hits["/fail"] == 3

    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/fail")
    assert (raised.value.problem_code, raised.value.reason) == ("catalog_unavailable", "circuit open")
    assert upstream.hits["/fail"] == 3  # not asked

    upstream.plan("/fail", 200)  # the service is back

    def call() -> int | None:
        try:
            return client.get("/fail").status_code
        except ServiceUnavailable:
            return None

    assert wait_until(call, timeout=5, message="the breaker letting a call through") == 200
    assert time.monotonic() - opened >= 0.5
    assert upstream.hits["/fail"] == 4  # one trial call, which closed the breaker
    assert client.get("/fail").status_code == 200


def test_threads_sharing_a_client_call_at_the_same_time(upstream):
    """Four threads of one process each ask a service that takes 1 s: all four get their answer within the 2.5 s
    deadline. (A breaker holding a lock through each call made them take turns: the third ran out of time.)"""
    upstream.plan("/slow", Answer(200, delay=1.0))
    client = client_of(upstream, retries=0, read_timeout=2.0, deadline=2.5)
    barrier = threading.Barrier(4)
    answers: list[int | str] = []

    def call() -> None:
        barrier.wait()
        try:
            answers.append(client.get("/slow").status_code)
        except ServiceUnavailable as exc:
            answers.append(exc.reason)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 4
    assert upstream.hits["/slow"] == 4


def test_the_current_request_id_is_sent_along(upstream):
    client = client_of(upstream, headers={"User-Agent": "shop-orders"})

    token = request_id_var.set("req-4f2a")
    try:
        client.get("/items")
    finally:
        request_id_var.reset(token)
    # in a context of its own: outside any request, whatever an earlier test in this thread left set
    contextvars.Context().run(client.get, "/items")

    first, second = upstream.headers["/items"]
    assert first["X-Request-ID"] == "req-4f2a"
    assert first["User-Agent"] == "shop-orders"
    assert "X-Request-ID" not in second  # outside a request there is none to pass on


def test_each_thread_sends_its_own_request_id(upstream):
    client = client_of(upstream)
    barrier = threading.Barrier(4)

    def call(request_id: str) -> None:
        request_id_var.set(request_id)  # each thread has its own context
        barrier.wait(5)
        client.get("/items", headers={"X-Sent-For": request_id})

    threads = [threading.Thread(target=call, args=(f"req-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    sent = {h["X-Sent-For"]: h["X-Request-ID"] for h in upstream.headers["/items"]}
    assert sent == {f"req-{i}": f"req-{i}" for i in range(4)}


def test_the_current_requests_accept_language_is_sent_along(upstream):
    client = client_of(upstream)
    app = Flask(__name__)
    with app.test_request_context(headers={"Accept-Language": "ru-RU,ru;q=0.9"}):
        client.get("/items")
        client.get("/items", headers={"Accept-Language": "en"})  # the caller's own wins
    with app.test_request_context():
        client.get("/items")
    client.get("/items")  # outside any request

    sent = [h.get("Accept-Language") for h in upstream.headers["/items"]]
    assert sent == ["ru-RU,ru;q=0.9", "en", None, None]
