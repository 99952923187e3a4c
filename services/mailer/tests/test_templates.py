# ruff: noqa: RUF001 (Cyrillic letters that look Latin are the Russian text)
"""The emails' words: every template renders a subject, a text and an HTML part in each language, shows
what the customer gave us as text (escaped in HTML), links to the shop, and refuses what it cannot show."""

import re

import pytest

from mailer.render import BadContext, UnknownTemplate, long_date, long_time, money, names, plural, render
from shop_common.language import LANGUAGES

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
#: what an order email shows of the order, in each language (amounts as the storefront's Intl writes them)
SHOWN = {"en": ("204-118-377", "$79.80", "$89.30", "26 November 2026", "Springfield"),
         "ru": ("204-118-377", "79,80\u00a0$", "89,30\u00a0$", "26 ноября 2026", "Springfield")}


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
    assert mail.language == language  # every email is written in every language the shop speaks
    assert mail.html.startswith(f'<!DOCTYPE html>\n<html lang="{language}">') and "Example Shop" in mail.html
    link = LINKS.get(name, "https://shop.example/orders/42")
    assert f'href="{link}"' in mail.html and link in mail.text
    if name not in ACCOUNT_EMAILS:
        for shown in SHOWN[language]:
            assert shown in mail.text and shown in mail.html, shown


def every_case(make_order):
    """(email, what it is about, context): every email, and every branch of words in it (each status, each way
    an order is paid or cancelled)."""
    cases = [(name, "-", context) for name, context in ACCOUNT_EMAILS.items()]
    cases += [("password_changed", "reset", {**ACCOUNT_EMAILS["password_changed"], "how": "reset"}),
              ("welcome", "no link", {"username": "ann", "first_name": "Ann"})]
    order = make_order(comment="Leave it at the door")
    cases += [("order_status", status, {"order": order, "status": status})
              for status in ("confirmed", "shipped", "delivered")]
    payments = [("cash", order), *((status, _paid(make_order, status=status, paid_at="2026-11-26T17:31:00+00:00",
                                                  refunded_at="2026-11-27T09:00:00+00:00"))
                                   for status in ("requires_action", "paid", "failed", "expired", "refunded"))]
    cases += [(name, status, {"order": paid}) for name in ("order_confirmation", "order_cancelled")
              for status, paid in payments]
    return cases


def english_words(text: str, context: dict) -> list[str]:
    """The words in Latin letters left in `text` once the shop's name, its links, the time zone and whatever
    the customer or the catalogue wrote (names, product names, the address: not ours to translate) are out."""
    theirs = ["Example Shop", "ann", "Ann"]
    if "order" in context:
        order = context["order"]
        theirs += [item[key] for item in order["items"] for key in ("name", "label")]
        theirs += [*order["shipping"].values(), order["comment"]]
    for known in sorted((t for t in theirs if t), key=len, reverse=True):
        text = text.replace(known, " ")
    return re.findall(r"[A-Za-z]{2,}", re.sub(r"https://\S+|\bUTC\b", " ", text))


def test_a_russian_email_has_no_english_left_in_it(make_order):
    for name, about, context in every_case(make_order):
        mail = render(name, context, language="ru", recipient_name="Ann", **SHOP)
        english = render(name, context, language="en", recipient_name="Ann", **SHOP)
        assert mail.language == "ru" and mail.subject != english.subject and mail.text != english.text
        # the HTML's words: its title, preheader and body (the tags and their attributes out)
        for part in (mail.subject, mail.text, re.sub(r"<[^>]*>|&\w+;", " ", mail.html)):
            assert english_words(part, context) == [], (name, about, part)
        assert english_words(english.text, context), (name, about)  # the check finds English where there is


def test_every_email_is_written_in_every_language_the_shop_speaks(make_order):
    """`shop_common.language.LANGUAGES` is the one list: a language added there needs its emails here."""
    written = {(name, language): render(name, context, language=language, recipient_name="", **SHOP).language
               for name, _, context in every_case(make_order) for language in LANGUAGES}
    assert {name for name, _ in written} == set(names())
    assert all(written[name, language] == language for name, language in written)


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
        **{(name, language): render(name, {"order": order}, language=language, recipient_name="", **SHOP)
           for name in ("order_confirmation", "order_cancelled") for language in LANGUAGES},
        **{(status, language): render("order_status", {"order": order, "status": status}, language=language,
                                      recipient_name="", **SHOP)
           for status in ("confirmed", "shipped", "delivered") for language in LANGUAGES},
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
        ("order_confirmation", "en"): "Thank you for your order 204-118-377",
        ("order_confirmation", "ru"): "Спасибо за заказ 204-118-377",
        ("order_cancelled", "en"): "Your order 204-118-377 has been cancelled",
        ("order_cancelled", "ru"): "Ваш заказ 204-118-377 отменён",
        ("confirmed", "en"): "Your order 204-118-377 is confirmed",
        ("confirmed", "ru"): "Ваш заказ 204-118-377 подтверждён",
        ("shipped", "en"): "Your order 204-118-377 is on its way",
        ("shipped", "ru"): "Ваш заказ 204-118-377 в пути",
        ("delivered", "en"): "Your order 204-118-377 has been delivered",
        ("delivered", "ru"): "Ваш заказ 204-118-377 доставлен",
    }
    assert subjects["order_confirmation", "en"].text.startswith("Hello,\n\n")
    assert subjects["order_confirmation", "ru"].text.startswith("Здравствуйте!\n\n")


def test_money_is_in_dollars_or_followed_by_its_currency():
    assert [money("39.9", "USD"), money("1234.5", "USD"), money("39.90", "EUR"), money("0", "GBP")] == [
        "$39.90", "$1,234.50", "39.90 EUR", "0.00 GBP"]


def test_money_in_russian_is_written_as_the_storefront_writes_it():
    """`new Intl.NumberFormat("ru", {style: "currency", currency: "USD"}).format(1234.5)` is `1 234,50 $`, with
    no-break spaces; a currency without a symbol here keeps its code, after the amount as in English."""
    nbsp = "\u00a0"
    assert [money("1234.5", "USD", "ru"), money("39.9", "USD", "ru"), money("1234567.891", "USD", "ru"),
            money("39.90", "EUR", "ru")] == [f"1{nbsp}234,50{nbsp}$", f"39,90{nbsp}$",
                                             f"1{nbsp}234{nbsp}567,89{nbsp}$", f"39,90{nbsp}EUR"]
    with pytest.raises(ValueError):
        money("lots", "USD", "ru")


@pytest.mark.parametrize("language, shown", [("en", "89.30 EUR"), ("ru", "89,30\u00a0EUR")])
def test_an_order_in_euros_shows_euros(make_order, language, shown):
    mail = render("order_confirmation", {"order": make_order(currency="EUR")}, language=language,
                  recipient_name="Ann", **SHOP)
    assert shown in mail.text and shown in mail.html and "$" not in mail.text


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
    for language, says in (("en", "will write again when it ships"),
                           ("ru", "напишем снова, когда он будет отправлен")):
        mail = render("order_confirmation", {"order": make_order()}, language=language, recipient_name="Ann", **SHOP)
        for part in (" ".join(mail.text.split()), mail.html):
            assert "as soon as it is confirmed" not in part and "как только он будет подтверждён" not in part
            assert says in part


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


def test_the_russian_emails_say_how_the_order_is_paid_and_never_charged_before_it_is(make_order):
    def says(name, order):
        mail = render(name, {"order": order}, language="ru", recipient_name="", **SHOP)
        return re.sub(r"[ \n]+", " ", mail.text), re.sub(r"[ \n]+", " ", mail.html)  # keeps the no-break spaces

    due = says("order_confirmation", make_order())
    assert all("К оплате при получении: 89,30\u00a0$" in part and "оплат" not in part.split("Итого")[0]
               for part in due)
    card = says("order_confirmation", _paid(make_order, status="paid", paid_at="2026-11-26T17:31:00+00:00"))
    assert all("Оплачено картой 26 ноября 2026" in part and "и вашу оплату" in part for part in card)
    old = says("order_confirmation", {key: value for key, value in make_order().items() if key != "payment"})
    assert old == due

    cancelled = {status: says("order_cancelled", _paid(make_order, status=status))[0]
                 for status in ("requires_action", "failed", "expired", "paid", "refunded")}
    assert "отклонена" in cancelled["failed"] and "деньги не списаны" in cancelled["failed"]
    assert "истекло" in cancelled["expired"] and "деньги не списаны" in cancelled["expired"]
    for status in ("paid", "refunded"):
        assert "Оплаченные картой 89,30\u00a0$ возвращаются на вашу карту" in cancelled[status]
    assert "возвращ" not in cancelled["requires_action"] and "Ждём оплаты картой" in cancelled["requires_action"]
    plain = says("order_cancelled", make_order())[0]
    assert "Если вы этого не ждали" in plain and "возвращ" not in plain


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
