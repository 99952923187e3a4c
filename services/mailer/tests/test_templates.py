# ruff: noqa: RUF001 (Cyrillic letters that look Latin are the Russian text)
"""The emails' words: every template renders a subject, a text and an HTML part in each language, shows
what the customer gave us as text (escaped in HTML), links to the shop, and refuses what it cannot show."""

import re

import pytest

from mailer.render import BadContext, UnknownTemplate, long_date, long_time, money, names, plural, render

EVIL = "<script>alert(1)</script>"
SHOP = {"shop_name": "Example Shop", "shop_url": "https://shop.example"}
TOKEN = "Zm9vYmFyLWJhei1xdXV4LXRva2VuLW9mLTMyLWJ5dGVz"
#: what the users service puts in each account email (DESIGN.md: outbox messages)
ACCOUNT = {"username": "ann", "first_name": "Ann", "token": TOKEN, "hours": 24}
ACCOUNT_EMAILS = {
    "welcome": ACCOUNT,
    "verify_email": ACCOUNT,
    "password_reset": {"username": "ann", "first_name": "Ann", "token": TOKEN, "minutes": 30},
    "password_changed": {"username": "ann", "first_name": "Ann", "how": "changed", "at": "2026-11-26T20:30:00+03:00"},
}
#: the link each email leads to
LINKS = {"welcome": f"https://shop.example/verify-email#token={TOKEN}",
         "verify_email": f"https://shop.example/verify-email#token={TOKEN}",
         "password_reset": f"https://shop.example/password-reset#token={TOKEN}",
         "password_changed": "https://shop.example/password-reset"}
LANGUAGES = ("en", "ru")


def contexts(make_order):
    """A context for every email, with a hostile name wherever a customer typed something."""
    order = make_order(shipping={**make_order()["shipping"], "full_name": EVIL}, comment=f"Leave at the door {EVIL}",
                       items=[{**make_order()["items"][0], "name": f"Shirt {EVIL}"}])
    return {
        **{name: {**context, "first_name": EVIL} for name, context in ACCOUNT_EMAILS.items()},
        "order_confirmation": {"order": order},
        "order_status": {"order": order, "status": "shipped"},
        "order_cancelled": {"order": order},
    }


def test_there_is_a_template_for_every_email_the_shop_sends():
    assert names() == ["order_cancelled", "order_confirmation", "order_status", "password_changed",
                       "password_reset", "verify_email", "welcome"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", names())
def test_every_email_has_text_and_html_and_escapes_what_customers_typed(name, language, make_order):
    mail = render(name, contexts(make_order)[name], language=language, recipient_name=EVIL, **SHOP)
    assert mail.subject and "\n" not in mail.subject
    assert EVIL in mail.text  # plain text shows it as typed
    assert "<script" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    # the order emails have no translation yet: English, and the HTML says so
    assert mail.language == (language if name in ACCOUNT_EMAILS else "en")
    assert mail.html.startswith(f'<!DOCTYPE html>\n<html lang="{mail.language}">') and "Example Shop" in mail.html
    link = LINKS.get(name, "https://shop.example/orders/42")
    assert f'href="{link}"' in mail.html and link in mail.text
    if name not in ACCOUNT_EMAILS:
        for shown in ("204-118-377", "$79.80", "$89.30", "26 November 2026", "Springfield"):
            assert shown in mail.text and shown in mail.html, shown


@pytest.mark.parametrize("name", list(ACCOUNT_EMAILS))
def test_a_russian_email_has_no_english_left_in_it(name):
    mail = render(name, ACCOUNT_EMAILS[name], language="ru", recipient_name="Ann", **SHOP)
    english = render(name, ACCOUNT_EMAILS[name], language="en", recipient_name="Ann", **SHOP)
    assert mail.subject != english.subject and mail.text != english.text
    body = mail.html.split("<body", 1)[1].split(">", 1)[1]
    for part in (mail.subject, mail.text, re.sub(r"<[^>]*>|&\w+;", " ", body)):
        # what is left once the shop's name, its links, the account's names and the time zone are taken out
        words = re.sub(r"https://\S+|Example Shop|\bann\b|\bAnn\b|\bUTC\b", " ", part)
        assert re.findall(r"[A-Za-z]{2,}", words) == [], part


def test_subjects_say_what_happened(make_order):
    order = make_order()
    subjects = {
        ("welcome", "-"): render("welcome", {"username": "ann", "first_name": "Ann"}, recipient_name="Ann", **SHOP),
        **{(name, language): render(name, context, language=language, recipient_name="Ann", **SHOP)
           for name, context in ACCOUNT_EMAILS.items() for language in LANGUAGES},
        ("password_reset", "reset"): render("password_changed", {**ACCOUNT_EMAILS["password_changed"], "how": "reset"},
                                            recipient_name="", **SHOP),
        ("password_reset", "reset, ru"): render("password_changed", {**ACCOUNT_EMAILS["password_changed"],
                                                                     "how": "reset"},
                                                language="ru", recipient_name="", **SHOP),
        ("order_confirmation", "-"): render("order_confirmation", {"order": order}, recipient_name="", **SHOP),
        ("order_cancelled", "-"): render("order_cancelled", {"order": order}, recipient_name="", **SHOP),
        **{("order_status", status): render("order_status", {"order": order, "status": status}, recipient_name="",
                                            **SHOP) for status in ("confirmed", "shipped", "delivered")},
    }
    assert {key: mail.subject for key, mail in subjects.items()} == {
        ("welcome", "-"): "Welcome to Example Shop, Ann!",
        ("welcome", "en"): "Welcome to Example Shop, Ann!",
        ("welcome", "ru"): "Добро пожаловать в Example Shop, Ann!",
        ("verify_email", "en"): "Confirm your email for Example Shop",
        ("verify_email", "ru"): "Подтвердите адрес электронной почты в Example Shop",
        ("password_reset", "en"): "Choose a new password for Example Shop",
        ("password_reset", "ru"): "Новый пароль для Example Shop",
        ("password_changed", "en"): "Your password at Example Shop was changed",
        ("password_changed", "ru"): "Ваш пароль в Example Shop изменён",
        ("password_reset", "reset"): "Your password at Example Shop was reset",
        ("password_reset", "reset, ru"): "Ваш пароль в Example Shop сброшен",
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


@pytest.mark.parametrize("name", ["no_such_email", "../welcome", "_layout", "Welcome", "welcome/ru", "ru"])
def test_an_unknown_template_is_refused(name):
    with pytest.raises(UnknownTemplate):
        render(name, {}, recipient_name="", **SHOP)


def test_a_context_the_template_cannot_show_is_refused(make_order):
    for name, context in [
        ("welcome", {"first_name": "Ann"}),  # no username
        ("verify_email", {**ACCOUNT, "hours": "a day"}),  # not a number of hours
        ("password_reset", {key: value for key, value in ACCOUNT_EMAILS["password_reset"].items() if key != "token"}),
        ("password_changed", {**ACCOUNT_EMAILS["password_changed"], "how": "guessed"}),  # no words for it
        ("password_changed", {**ACCOUNT_EMAILS["password_changed"], "at": "yesterday"}),  # not a moment
        ("order_status", {"order": make_order(), "status": "lost"}),  # a status there are no words for
        ("order_confirmation", {"order": make_order(total_price="lots")}),  # not an amount
    ]:
        for language in LANGUAGES:
            with pytest.raises(BadContext):
                render(name, context, language=language, recipient_name="", **SHOP)


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


def test_a_welcome_carries_the_verification_link_and_how_long_it_works():
    for language, says in (("en", "within 24 hours"), ("ru", "действует 24 часа")):
        mail = render("welcome", ACCOUNT, language=language, recipient_name="Ann", **SHOP)
        assert says in mail.text and says in mail.html
        assert LINKS["welcome"] in mail.text and f'href="{LINKS["welcome"]}"' in mail.html
        assert 'href="https://shop.example"' in mail.html  # and the shop itself


def test_a_welcome_owed_before_emails_were_verified_offers_no_link():
    for language in LANGUAGES:
        mail = render("welcome", {"username": "ann", "first_name": "Ann"}, language=language, recipient_name="",
                      **SHOP)
        assert "verify-email" not in mail.text and "verify-email" not in mail.html


def test_the_links_say_how_long_they_work_in_each_language():
    said = {(name, language): " ".join(render(name, {**ACCOUNT_EMAILS[name], "hours": 1, "minutes": 15},
                                              language=language, recipient_name="", **SHOP).text.split())
            for name in ("verify_email", "password_reset") for language in LANGUAGES}
    assert "within 1 hour." in said["verify_email", "en"] and "действует 1 час)" in said["verify_email", "ru"]
    assert "within 15 minutes;" in said["password_reset", "en"]
    assert "действует 15 минут " in said["password_reset", "ru"]


def test_a_reset_link_says_ignoring_it_changes_nothing():
    for language, says in (("en", "If you did not ask for this, ignore this email: your password is unchanged."),
                           ("ru", "ваш пароль не изменился.")):
        mail = render("password_reset", ACCOUNT_EMAILS["password_reset"], language=language, recipient_name="",
                      **SHOP)
        assert says in " ".join(mail.text.split()) and says in mail.html


@pytest.mark.parametrize("how, en, ru", [
    ("changed", "On 26 November 2026, 17:30 UTC, the password of your account ann was changed. Every other device",
     "Пароль вашей учётной записи ann был изменён 26 ноября 2026, 17:30 UTC. Все другие устройства"),
    ("reset", "On 26 November 2026, 17:30 UTC, the password of your account ann was reset with the link we emailed "
              "you. Every device", "Пароль вашей учётной записи ann был сброшен 26 ноября 2026, 17:30 UTC по ссылке"),
])
def test_the_password_notice_says_how_and_when_and_what_to_do_if_it_was_not_you(how, en, ru):
    context = {**ACCOUNT_EMAILS["password_changed"], "how": how}
    for language, says, not_you in (("en", en, "If this was not you, reset your password now"),
                                    ("ru", ru, "Если это были не вы, сразу сбросьте пароль")):
        mail = render("password_changed", context, language=language, recipient_name="", **SHOP)
        for part in (" ".join(mail.text.split()), mail.html):
            assert says in part and not_you in part


@pytest.mark.parametrize("language", ["fr", "EN", "../ru", "r", "", "ru/../../x"])
def test_a_language_without_a_translation_is_english(language):
    mail = render("password_reset", ACCOUNT_EMAILS["password_reset"], language=language, recipient_name="", **SHOP)
    assert mail == render("password_reset", ACCOUNT_EMAILS["password_reset"], recipient_name="", **SHOP)
    assert mail.language == "en" and mail.subject == "Choose a new password for Example Shop"


def test_an_order_email_asked_for_in_russian_is_the_english_one(make_order):
    order = {"order": make_order()}
    assert render("order_confirmation", order, language="ru", recipient_name="Ann", **SHOP) == render(
        "order_confirmation", order, language="en", recipient_name="Ann", **SHOP)


def test_dates_and_times_are_written_out_in_the_language():
    assert long_date("2026-11-26T17:30:00+00:00") == "26 November 2026"
    assert long_date("2026-05-01T00:00:00+00:00", "ru") == "1 мая 2026"
    # a moment is said in UTC (the reader's zone is not known); one without an offset is UTC already
    assert long_time("2027-01-01T01:05:00+03:00") == "31 December 2026, 22:05 UTC"
    assert long_time("2026-03-08T09:00:00", "ru") == "8 марта 2026, 09:00 UTC"


@pytest.mark.parametrize("count, english, russian", [
    (0, "0 hours", "0 часов"), (1, "1 hour", "1 час"), (2, "2 hours", "2 часа"), (4, "4 hours", "4 часа"),
    (5, "5 hours", "5 часов"), (11, "11 hours", "11 часов"), (12, "12 hours", "12 часов"),
    (21, "21 hours", "21 час"), (22, "22 hours", "22 часа"), (24, "24 hours", "24 часа"),
    (111, "111 hours", "111 часов"), (101, "101 hours", "101 час"),
])
def test_counts_take_the_nouns_form_for_them(count, english, russian):
    assert plural(count, "hour", "hours") == english
    assert plural(count, "час", "часа", "часов") == russian
