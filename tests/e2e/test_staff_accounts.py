"""Staff deactivate a customer (issue 16): every service refuses the customer's tokens at once, the session
cannot be refreshed, the login is refused, and the customer's order emails still go out."""

from __future__ import annotations

from shop_common.testing import assert_problem


def test_a_deactivated_customer_is_signed_out_everywhere_and_still_gets_order_emails(stack, goods):
    shopper = stack.logged_in(stack.register("deactivated"))
    stack.add_to_cart(shopper, goods["id"], goods["variant"])
    placed = stack.checkout(shopper)
    assert placed.status_code == 201, placed.text
    order = placed.json()

    deactivated = stack.post(f"/api/users/{shopper.id}/deactivate/", headers=stack.staff_headers())
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False, deactivated.text
    # at once: the revocation reached Redis before the deactivation answered
    for path in ("/api/cart/", "/api/order/list/", f"/api/order/{order['id']}/", "/api/users/profile/"):
        assert_problem(stack.get(path, headers=shopper.headers), 401, "token_revoked")
    assert_problem(stack.post("/api/auth/refresh/", json={"refresh": shopper.refresh}), 401, "token_revoked")
    assert_problem(stack.login(shopper.username), 403, "account_inactive")

    shipped = stack.post(f"/api/order/{order['id']}/status/", json={"status": "shipped"},
                         headers=stack.staff_headers())
    assert shipped.status_code == 200, shipped.text
    stack.wait_for_mail(shopper.email, f"Your order {order['number']} is on its way")

    activated = stack.post(f"/api/users/{shopper.id}/activate/", headers=stack.staff_headers())
    assert activated.status_code == 200 and activated.json()["is_active"] is True, activated.text
    again = stack.logged_in(shopper)
    assert stack.get("/api/cart/", headers=again.headers).status_code == 200
