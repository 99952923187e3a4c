"""dev/stack.py's SHOP_STACK_* settings "let a second stack run beside the first". Beside the first, on
the same Redis (what two stacks on one machine get unless told otherwise), each must still be a shop of
its own. This module starts a second stack (about 25 s) and runs last, so that the second stack's mailer,
listening on the same mail queue, is gone before another test waits for an email of the first."""

from __future__ import annotations

import uuid

from shop_common.testing import assert_problem


def test_each_stack_has_its_own_catalogue_and_accounts(stack, second_stack):
    shopper = stack.register("only-here")
    assert_problem(second_stack.login(shopper.username), 401, "invalid_credentials")
    stack.new_product(stack.new_category("Only here"), "Solitary Samovar", ("One size", "10.00", 1))
    assert stack.get("/api/products/?search=solitary").json()["count"] == 1
    assert second_stack.get("/api/products/?search=solitary").json()["count"] == 0
    assert second_stack.get("/api/products/").json()["count"] == 45  # the demo catalogue alone


def test_failed_logins_on_one_stack_do_not_throttle_the_other(stack, second_stack):
    name = f"ghost-{uuid.uuid4().hex[:8]}"  # no account on either stack: no one else is locked out
    assert [stack.login_from("127.0.0.6", name, "wrong").status_code for _ in range(5)] == [401] * 5

    elsewhere = second_stack.login_from("127.0.0.7", name, "wrong")

    assert_problem(elsewhere, 401, "invalid_credentials")
