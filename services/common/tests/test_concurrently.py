"""`shop_common.testing.concurrently`, which every service's concurrency tests use."""

import threading

import pytest

from shop_common.testing import concurrently


def test_every_thread_runs_at_once_and_results_come_in_order():
    inside = []
    lock = threading.Lock()

    def work(n):
        with lock:
            inside.append(n)
        return n * n

    assert concurrently(12, work) == [n * n for n in range(12)]
    assert sorted(inside) == list(range(12))


def test_an_exception_in_a_thread_is_raised_in_the_test():
    def work(n):
        if n == 3:
            raise ValueError("thread three failed")
        return n

    with pytest.raises(ValueError, match="thread three failed"):
        concurrently(5, work)
