"""The one HTTP client for calls between services.

Every call has a connect and a read timeout and an overall deadline; it is retried, with exponential
backoff and jitter (tenacity), only when retrying cannot do a thing twice: the method is idempotent, the
caller says the call is (a POST carrying an idempotency key), or the connection was never made. A circuit
breaker per client (`Breaker`) stops calling a service that keeps failing and answers at once until it
has had time to recover. The request id of the current request goes along as `X-Request-ID`, and its
`Accept-Language` as it came (so the cart's lines and an order's snapshot of product names are in the shopper's
language: the service called answers in it).

Callers get the `requests.Response` for anything below 500; a service that is down, slow, failing or
whose breaker is open becomes `ServiceUnavailable`, a 503 problem with the code `<service>_unavailable`.

No call is made while the calling service's database session holds a transaction (`InsideTransaction`):
the house rule "no call to another service inside a transaction" is enforced here, not only written down.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
import urllib3
from flask import current_app, has_app_context, has_request_context, request
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from shop_common import manifest
from shop_common.config import Setting, positive_float, positive_int
from shop_common.errors import PROBLEM_JSON, RETRY_AFTER_SECONDS, Problem
from shop_common.logs import request_id_var

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUS = frozenset({502, 503, 504})


class ServiceUnavailable(Problem):
    """Another service could not give an answer in time: 503 `<service>_unavailable`, with `Retry-After` (the
    other service's own when it answered with a longer one, up to a minute)."""

    def __init__(self, service: str, reason: str, retry_after: int = RETRY_AFTER_SECONDS):
        super().__init__(503, f"{service}_unavailable", f"The {service} service is unavailable ({reason}).",
                         headers={"Retry-After": str(min(max(retry_after, RETRY_AFTER_SECONDS), 60))})
        self.service = service
        self.reason = reason


def _server_error(service: str, response: requests.Response) -> ServiceUnavailable:
    """The 503 of a call whose last answer was a 5xx: its reason quotes the problem's `code` when the other
    service sent one (`answered 503 database_unavailable`: its database is down, not the service)."""
    reason = f"answered {response.status_code}"
    try:
        body = response.json() if response.headers.get("Content-Type", "").startswith(PROBLEM_JSON) else {}
        code = body.get("code") if isinstance(body, dict) else None
    except ValueError:
        code = None
    if isinstance(code, str) and code.isidentifier():  # ours to quote only when it is a code, not a sentence
        reason += f" {code}"
    retry_after = response.headers.get("Retry-After", "")
    return ServiceUnavailable(service, reason, int(retry_after) if retry_after.isdigit() else RETRY_AFTER_SECONDS)


class InsideTransaction(RuntimeError):
    """A call to another service began while this service's database transaction was open: a bug of the
    caller, never retried. End the transaction first (`shop_common.db.unit_of_work`, or `end_read`)."""


def refuse_inside_transaction(service: str, method: str, path: str) -> None:
    """Raise `InsideTransaction` if the current app's database session holds a transaction, even one only
    reads began (SQLAlchemy begins it at the first query).

    Always on, not only in tests: it costs a dictionary look-up and two attribute reads, no I/O, while the
    call it stops would hold the transaction's locks and a pooled connection for as long as the other
    service takes to answer (or to time out), and a saga step would no longer be its own commit. The
    database is the one Flask-SQLAlchemy registers on the app (`app.extensions["sqlalchemy"]`); outside an
    app context, or in an app without one, there is nothing to check.
    """
    if not has_app_context():
        return
    db = current_app.extensions.get("sqlalchemy")
    if db is None or not db.session.registry.has():  # no session yet: no transaction either
        return
    if db.session().in_transaction():
        raise InsideTransaction(
            f"{method} {service}{path} inside a database transaction: no call to another service while a "
            "transaction is open; end it first (unit_of_work, or end_read after reads)")


class _ServerError(Exception):
    """A 5xx answer: a failure for retries and for the breaker."""

    def __init__(self, response: requests.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class _NoTimeLeft(Exception):
    pass


class CircuitOpen(Exception):
    """The breaker is open: the call was not made."""


class Breaker:
    """A circuit breaker whose lock is never held while a call runs.

    Closed, calls go through, and `fail_max` failed calls in a row open it. Open, calls fail at once with
    `CircuitOpen` until `reset_timeout` seconds have passed; then one trial call goes through (the others
    still fail at once): its success closes the breaker, its failure opens it again for `reset_timeout`.

    (pybreaker's `call` holds its lock for the whole call, so the threads of a process could only talk to a
    service one at a time: under load every cart add and every checkout queued behind the others' calls.)
    """

    def __init__(self, fail_max: int, reset_timeout: float):
        self.fail_max, self.reset_timeout = fail_max, reset_timeout
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def close(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._trial_running = 0, None, False

    def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            trial = False
            if self._opened_at is not None:
                if self._trial_running or time.monotonic() - self._opened_at < self.reset_timeout:
                    raise CircuitOpen()
                self._trial_running = trial = True
        try:
            result = func(*args, **kwargs)
        except Exception:
            with self._lock:
                self._failures += 1
                if trial or (self._opened_at is None and self._failures >= self.fail_max):
                    self._opened_at = time.monotonic()
                if trial:
                    self._trial_running = False
            raise
        with self._lock:
            self._failures = 0
            if trial:
                self._opened_at, self._trial_running = None, False
        return result


# the connection broke, or the body was garbled, after the answer began (not ConnectionErrors in requests)
_BROKEN_ANSWER = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class ServiceClient:
    """Calls one other service at `base_url`.

    `deadline` bounds a whole call, retries and backoff included; no single attempt waits longer than
    what is left of it. The breaker opens after `breaker_failures` failed calls in a row and lets one
    trial call through after `breaker_reset` seconds.
    """

    def __init__(self, service: str, base_url: str, *, connect_timeout: float = 0.5,
                 read_timeout: float = 2.0, retries: int = 2, backoff: float = 0.05,
                 deadline: float = 3.0, breaker_failures: int = 5, breaker_reset: float = 10.0,
                 headers: dict[str, str] | None = None):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline
        self.headers = dict(headers or {})
        self.breaker = Breaker(fail_max=breaker_failures, reset_timeout=breaker_reset)
        self._local = threading.local()  # requests.Session is not shared across threads

    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # What the environment says for this service (proxies, CA bundle) is read once, here: requests
            # reads it again for every call otherwise (the whole environment, twice: half a millisecond).
            settings = session.merge_environment_settings(self.base_url, {}, None, None, None)
            session.trust_env = False  # nor a ~/.netrc looked for at each call
            session.proxies, session.verify, session.cert = settings["proxies"], settings["verify"], settings["cert"]
        return session

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """Send `method path` (kwargs as for `requests`); see the class for timeouts, retries, breaker.
        Raises `InsideTransaction` (before anything is sent) when called inside a database transaction."""
        method = method.upper()
        refuse_inside_transaction(self.service, method, path)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        sent_headers = {**self.headers, **(headers or {})}
        if request_id := request_id_var.get():
            sent_headers["X-Request-ID"] = request_id
        if "Accept-Language" not in sent_headers and has_request_context() and (
                language := request.headers.get("Accept-Language")):
            sent_headers["Accept-Language"] = language
        url = self.base_url + path
        ends = time.monotonic() + self.deadline

        def attempt() -> requests.Response:
            left = ends - time.monotonic()
            if left <= 0.01:
                raise _NoTimeLeft()
            timeout = (min(self.connect_timeout, left), min(self.read_timeout, left))
            response = self._session.request(method, url, headers=sent_headers, timeout=timeout, stream=True,
                                             **kwargs)
            _read_body(response, ends)
            if response.status_code >= 500:
                raise _ServerError(response)
            return response

        def may_retry(exc: BaseException) -> bool:
            if isinstance(exc, requests.ConnectionError | requests.ConnectTimeout):
                # never connected: nothing was done, so even a POST may go again
                return idempotent or isinstance(exc, requests.ConnectTimeout) or _refused(exc)
            if isinstance(exc, _ServerError):
                return idempotent and exc.response.status_code in RETRYABLE_STATUS
            return idempotent and isinstance(exc, (requests.Timeout, *_BROKEN_ANSWER))

        retrying = Retrying(
            # no backoff sleep may carry the call past its deadline
            stop=stop_after_attempt(self.retries + 1) | stop_before_delay(self.deadline),
            wait=wait_exponential_jitter(multiplier=self.backoff, max=1.0, jitter=self.backoff),
            retry=retry_if_exception(may_retry),
            reraise=True,
            before_sleep=lambda state: log.info(
                "retrying %s %s%s after %s", method, self.service, path, state.outcome.exception()),
        )
        try:
            return self.breaker.call(retrying, attempt)
        except CircuitOpen:
            raise ServiceUnavailable(self.service, "circuit open") from None
        except _NoTimeLeft:
            raise ServiceUnavailable(self.service, "timed out") from None
        except requests.Timeout:
            raise ServiceUnavailable(self.service, "timed out") from None
        except requests.ConnectionError:
            raise ServiceUnavailable(self.service, "unreachable") from None
        except _BROKEN_ANSWER:
            raise ServiceUnavailable(self.service, "broken answer") from None
        except _ServerError as exc:
            raise _server_error(self.service, exc.response) from None

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _read_body(response: requests.Response, ends: float) -> None:
    """Read the body as it arrives, giving up at the deadline: a read timeout bounds each wait for bytes,
    not a server that sends a byte every little while."""
    chunks = []
    try:
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() > ends:
                raise _NoTimeLeft()
    except _NoTimeLeft:
        response.close()  # the connection is mid-answer: it cannot go back to the pool
        raise
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
        response.close()
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.ProtocolError as exc:
        response.close()
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(exc) from exc
    response._content = b"".join(chunks)  # what requests itself does when it reads a streamed body
    response._content_consumed = True
    response.raw.release_conn()


def _refused(exc: BaseException | None) -> bool:
    """Whether the connection was refused (so the request never reached the service)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ConnectionRefusedError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)
    return False


def client_settings(service: str, *, connect: float = 0.3, read: float = 0.8, deadline: float = 1.5,
                    retries: int = 1, failures: int = 5, reset: float = 10.0) -> tuple[Setting, ...]:
    """The settings of a client of `service` (its URL, timeouts, retries, breaker), prefixed with its name. In
    development its URL defaults to the service's port in the local stack (services.toml)."""
    name = service.upper().replace("-", "_")
    return (
        Setting(f"{name}_URL", f"base URL of the {service} service", required=True,
                dev_default=lambda s: manifest.load().services[service].local_url),
        Setting(f"{name}_CONNECT_TIMEOUT", f"seconds to wait to connect to {service}", f"{connect:g}",
                cast=positive_float),
        Setting(f"{name}_READ_TIMEOUT", f"seconds to wait for the {service} service's answer", f"{read:g}",
                cast=positive_float),
        Setting(f"{name}_DEADLINE", f"seconds a whole call to {service} may take, retries included",
                f"{deadline:g}", cast=positive_float),
        Setting(f"{name}_RETRIES", f"retries of a failed call to {service} that is safe to repeat", str(retries),
                cast=int),
        Setting(f"{name}_BREAKER_FAILURES", f"failed calls in a row that open the circuit to {service}",
                str(failures), cast=positive_int),
        Setting(f"{name}_BREAKER_RESET", "seconds the circuit stays open before one trial call", f"{reset:g}",
                cast=positive_float),
    )


def client_from_settings(service: str, settings: Any, headers: dict[str, str] | None = None) -> ServiceClient:
    """A `ServiceClient` of `service` configured by `client_settings(service, ...)`."""
    name = service.upper()
    return ServiceClient(
        service, settings[f"{name}_URL"], connect_timeout=settings[f"{name}_CONNECT_TIMEOUT"],
        read_timeout=settings[f"{name}_READ_TIMEOUT"], deadline=settings[f"{name}_DEADLINE"],
        retries=settings[f"{name}_RETRIES"], breaker_failures=settings[f"{name}_BREAKER_FAILURES"],
        breaker_reset=settings[f"{name}_BREAKER_RESET"], headers=headers)
