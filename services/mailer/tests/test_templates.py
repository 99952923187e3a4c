"""The emails' words: every template renders a subject, a text and an HTML part, shows what the customer
gave us as text (escaped in HTML), links to the shop, and refuses what it cannot show."""

import pytest

from mailer.render import BadContext, UnknownTemplate, money, names, render

EVIL = "<script>alert(1)</script>"
SHOP = {"shop_name": "Example Shop", "shop_url": "https://shop.example"}


def contexts(make_order):
    """A context for every email, with a hostile name wherever a customer typed something."""
    order = make_order(shipping={**make_order()["shipping"], "full_name": EVIL}, comment=f"Leave at the door {EVIL}",
                       items=[{**make_order()["items"][0], "name": f"Shirt {EVIL}"}])
    return {
        "welcome": {"username": "ann", "first_name": EVIL},
        "order_confirmation": {"order": order},
        "order_status": {"order": order, "status": "shipped"},
        "order_cancelled": {"order": order},
    }


def test_there_is_a_template_for_every_email_the_shop_sends():
    assert names() == ["order_cancelled", "order_confirmation", "order_status", "welcome"]


@pytest.mark.parametrize("name", ["welcome", "order_confirmation", "order_status", "order_cancelled"])
def test_every_email_has_text_and_html_and_escapes_what_customers_typed(name, make_order):
    mail = render(name, contexts(make_order)[name], recipient_name=EVIL, **SHOP)
    assert mail.subject and "\n" not in mail.subject
    assert EVIL in mail.text  # plain text shows it as typed
    assert "<script" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert mail.html.startswith("<!DOCTYPE html>") and "Example Shop" in mail.html
    link = "https://shop.example" if name == "welcome" else "https://shop.example/orders/42"
    assert f'href="{link}"' in mail.html and link in mail.text
    if name != "welcome":
        for shown in ("204-118-377", "$79.80", "$89.30", "26 November 2026", "Springfield"):
            assert shown in mail.text and shown in mail.html, shown


def test_subjects_say_what_happened(make_order):
    order = make_order()
    subjects = {
        ("welcome", "-"): render("welcome", {"username": "ann", "first_name": "Ann"}, recipient_name="Ann", **SHOP),
        ("order_confirmation", "-"): render("order_confirmation", {"order": order}, recipient_name="", **SHOP),
        ("order_cancelled", "-"): render("order_cancelled", {"order": order}, recipient_name="", **SHOP),
        **{("order_status", status): render("order_status", {"order": order, "status": status}, recipient_name="",
                                            **SHOP) for status in ("confirmed", "shipped", "delivered")},
    }
    assert {key: mail.subject for key, mail in subjects.items()} == {
        ("welcome", "-"): "Welcome to Example Shop, Ann!",
        ("order_confirmation", "-"): "Thank you for your order 204-118-377",
        ("order_cancelled", "-"): "Your order 204-118-377 has been cancelled",
        ("order_status", "confirmed"): "Your order 204-118-377 is confirmed",
        ("order_status", "shipped"): "Your order 204-118-377 is on its way",
        ("order_status", "delivered"): "Your order 204-118-377 has been delivered",
    }
    assert subjects["order_confirmation", "-"].text.startswith("Hello,\n\n")


def test_money_is_in_dollars_or_followed_by_its_currency():
    assert [money("39.9", "USD"), money("1234.5", "USD"), money("39.90", "EUR"), money("0", "GBP")] == [
        "$39.90", "$1,234.50", "39.90 EUR", "0.00 GBP"]


def test_an_order_in_euros_shows_euros(make_order):
    mail = render("order_confirmation", {"order": make_order(currency="EUR")}, recipient_name="Ann", **SHOP)
    assert "89.30 EUR" in mail.text and "89.30 EUR" in mail.html and "$" not in mail.text


@pytest.mark.parametrize("name", ["no_such_email", "../welcome", "_layout", "Welcome"])
def test_an_unknown_template_is_refused(name):
    with pytest.raises(UnknownTemplate):
        render(name, {}, recipient_name="", **SHOP)


def test_a_context_the_template_cannot_show_is_refused(make_order):
    for name, context in [
        ("welcome", {"first_name": "Ann"}),  # no username
        ("order_status", {"order": make_order(), "status": "lost"}),  # a status there are no words for
        ("order_confirmation", {"order": make_order(total_price="lots")}),  # not an amount
    ]:
        with pytest.raises(BadContext):
            render(name, context, recipient_name="", **SHOP)


def test_the_confirmation_promises_only_the_email_that_comes_next(make_order):
    """Checkout confirms the order itself and owes no `confirmed` email for it (orders' tests: confirmation,
    then shipped): the next email a customer gets is when the order ships, so that is the one to announce."""
    mail = render("order_confirmation", {"order": make_order()}, recipient_name="Ann", **SHOP)
    for part in (" ".join(mail.text.split()), mail.html):
        assert "as soon as it is confirmed" not in part
        assert "will write again when it ships" in part


def _paid(make_order, **payment):
    order = make_order()
    return {**order, "payment": {**order["payment"], "method": "card", **payment}}


def test_the_emails_say_how_the_order_is_paid_and_never_charged_before_it_is(make_order):
    def says(name, order):
        mail = render(name, {"order": order}, recipient_name="", **SHOP)
        return " ".join(mail.text.split()), " ".join(mail.html.split())

    due = says("order_confirmation", make_order())
    assert all("To pay on delivery: $89.30" in part and "payment" not in part.split("Total")[0] for part in due)
    card = says("order_confirmation", _paid(make_order, status="paid", paid_at="2026-11-26T17:31:00+00:00"))
    assert all("Paid by card on 26 November 2026" in part and "and your payment" in part for part in card)
    old = says("order_confirmation", {key: value for key, value in make_order().items() if key != "payment"})
    assert old == due  # an email queued before orders had a payment: they were all paid on delivery

    cancelled = {status: says("order_cancelled", _paid(make_order, status=status))[0]
                 for status in ("requires_action", "failed", "expired", "paid", "refunded")}
    assert "was declined" in cancelled["failed"] and "nothing was charged" in cancelled["failed"]
    assert "ran out" in cancelled["expired"] and "nothing was charged" in cancelled["expired"]
    for status in ("paid", "refunded"):
        assert "The $89.30 you paid by card is being refunded to your card" in cancelled[status]
    assert "refund" not in cancelled["requires_action"] and "Awaiting your card payment" in cancelled["requires_action"]
    plain = says("order_cancelled", make_order())[0]
    assert "If you did not expect this" in plain and "refund" not in plain
