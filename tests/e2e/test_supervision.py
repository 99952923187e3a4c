"""The stack's supervisor (dev/supervisor.py) brings a part back by itself: a service whose gunicorn master is
SIGKILLed answers ready again, and a mailer whose main process is SIGKILLed (its RQ scheduler left holding
the log pipe) is replaced by a worker that registers and sends mail. No hand touches the stack."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable

import redis as redis_lib
import requests
from rq import Worker

from shop_common import manifest

from .conftest import Stack

SHOP = manifest.load()


def _parts(stack: Stack) -> dict[str, int]:
    """The pid of each part of the stack, as its supervisor last recorded them."""
    return json.loads((stack.var / "stack.json").read_text())["parts"]


def _wait(condition: Callable[[], object], what: str, timeout: float = 90) -> object:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)
    return found


def _ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_a_service_whose_gunicorn_master_is_killed_is_back_by_itself(stack):
    port = SHOP.services["products"].port + stack.port - SHOP.gateway.port
    master = _parts(stack)["products"]

    os.kill(master, signal.SIGKILL)

    _wait(lambda: _parts(stack)["products"] != master, "a new products master")
    _wait(lambda: _ready(port), "products ready again")
    assert stack.get("/api/categories/").status_code == 200
    assert "products exited (killed by SIGKILL)" in (stack.var / "log" / "stack.log").read_text()


def test_a_mailer_whose_main_process_is_killed_is_replaced_and_mail_flows(stack):
    main = _parts(stack)["mailer"]
    connection = redis_lib.Redis.from_url(stack.redis_url)

    os.kill(main, signal.SIGKILL)

    new = _wait(lambda: (pid := _parts(stack)["mailer"]) != main and pid, "a new mailer worker")
    _wait(lambda: any(w.pid == new for w in Worker.all(connection=connection)), "the new worker registered")
    shopper = stack.register("after-the-mailer-died")
    stack.wait_for_mail(shopper.email, "Welcome", timeout=60)
    connection.close()
