"""A message enqueued the way producers enqueue it arrives in the mailbox once, as a proper email: to the
address given or to the user's address from the users service, in the message's language or the account's;
a message to a deleted account is dropped."""

from email.utils import parsedate_to_datetime

import pytest
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from mailer.jobs import CLAIM_PREFIX, Recipient, account_recipient, message_id
from shop_common.mailqueue import QUEUE


def welcome(mail_id="users:welcome:7", to=None, **context):
    return {"id": mail_id, "template": "welcome", "to": to or {"email": "ann@example.com", "name": "Ann Example"},
            "context": {"username": "ann", "first_name": "Ann", **context}}


def test_an_email_arrives_with_both_parts_and_the_right_headers(mailer, queue, sink, redis, wait_for_mail):
    job_id = queue.put(welcome())
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["From"] == "Example Shop <orders@shop.example>"
    assert mail["To"] == "Ann Example <ann@example.com>"
    assert mail["Subject"] == "Welcome to Example Shop, Ann!"
    assert parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail["Message-ID"] == message_id("users:welcome:7", "orders@shop.example")
    assert mail["X-Envelope-From"] == "<orders@shop.example>" and mail["X-Envelope-To"] == "<ann@example.com>"
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain" and "Your account ann is ready." in text.get_content()
    assert html.get_content_type() == "text/html" and 'href="https://shop.example"' in html.get_content()
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.FINISHED
    assert redis.get(CLAIM_PREFIX + "users:welcome:7") == b"sent"
    assert queue.outcome("users:welcome:7") == "sent"  # the users service's outbox owes it no more


def test_a_message_enqueued_twice_is_sent_once(mailer, queue, sink, wait_for_mail):
    queue.put(welcome())
    queue.put(welcome())  # the outbox relay handed the row over twice
    first = mailer.burst()
    assert len(sink.received()) == 1
    queue.put(welcome())  # and once more, after it was sent
    second = mailer.burst()
    assert len(sink.received()) == 1
    outcomes = [e["outcome"] for e in first.events("users:welcome:7") + second.events("users:welcome:7")]
    assert outcomes.count("sent") == 1 and outcomes.count("duplicate") >= 1


def test_a_user_id_is_addressed_with_the_users_services_answer(mailer, queue, sink, register, make_order,
                                                                wait_for_mail):
    user = register("bea", email="Bea@Example.org", first_name="Bea", last_name="Smith")
    queue.put({"id": "orders:order:42:confirmation", "template": "order_confirmation",
               "to": {"user_id": user["id"]}, "context": {"order": make_order()}})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["To"] == "Bea Smith <Bea@Example.org>" and mail["X-Envelope-To"] == "<Bea@Example.org>"
    assert mail["Subject"] == "Thank you for your order 204-118-377"
    assert mail.get_body(("plain",)).get_content().startswith("Hi Bea Smith,")


def test_a_message_to_an_account_that_is_gone_is_dropped(mailer, queue, sink, redis, register):
    register("someone")  # the users service knows someone, not user 999999
    job_id = queue.put({"id": "orders:order:9:shipped", "template": "order_status", "to": {"user_id": 999_999},
                        "context": {"status": "shipped"}})
    worker = mailer.burst()
    job = Job.fetch(job_id, connection=redis)
    assert job.get_status() == JobStatus.FINISHED and job.return_value() == "no recipient"
    assert sink.received() == []
    assert redis.get(CLAIM_PREFIX + "orders:order:9:shipped") == b"dropped"
    assert queue.outcome("orders:order:9:shipped") == "dropped"
    assert [e["outcome"] for e in worker.events("orders:order:9:shipped")] == ["no recipient"]


def test_an_unknown_template_fails_at_once_without_retrying(mailer, queue, sink, redis):
    job_id = queue.put({**welcome(), "template": "no_such_email"}, retry_seconds=(1, 1, 1))
    mailer.burst()
    assert FailedJobRegistry(QUEUE, connection=redis).get_job_ids() == [job_id]
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.FAILED
    assert sink.received() == []
    assert not redis.exists(CLAIM_PREFIX + "users:welcome:7")  # given back: a fixed deploy may send it
    assert queue.outcome("users:welcome:7") == "failed"  # not owed for ever: failed for good, until retried


# -- the language of an email, and where an account's emails go ---------------------------------------------------

ACCOUNT_CONTEXT = {"username": "bea", "first_name": "Bea", "how": "changed", "at": "2026-11-26T17:30:00+00:00"}


def change_account(users_app, user_id: int, **fields) -> None:
    """Set columns of an account as the users service's own code would have (its language, a changed email)."""
    from users.models import User, db

    with users_app.app_context():
        user = db.session.get(User, user_id)
        for field, value in fields.items():
            setattr(user, field, value)
        db.session.commit()
        db.session.remove()


def test_a_message_in_a_language_arrives_in_that_language(mailer, queue, sink, wait_for_mail):
    queue.put({**welcome(token="t0ken", hours=24), "language": "ru"})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["Subject"] == "Добро пожаловать в Example Shop, Ann!" and mail["Content-Language"] == "ru"
    text, html = (part.get_content() for part in mail.iter_parts())
    assert text.startswith("Здравствуйте, Ann!") and "https://shop.example/verify-email#token=t0ken" in text
    assert '<html lang="ru">' in html and 'href="https://shop.example/verify-email#token=t0ken"' in html


def test_a_message_without_a_language_to_an_address_is_in_english(mailer, queue, sink, wait_for_mail):
    queue.put(welcome(token="t0ken", hours=24))
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["Subject"] == "Welcome to Example Shop, Ann!" and mail["Content-Language"] == "en"
    assert "within 24 hours" in mail.get_body(("plain",)).get_content()


def test_an_email_asked_for_in_a_language_the_shop_does_not_speak_arrives_in_english(mailer, queue, sink, make_order,
                                                                                     wait_for_mail):
    queue.put({"id": "orders:order:42:confirmation", "template": "order_confirmation", "language": "fr",
               "to": {"email": "ann@example.com", "name": "Ann"}, "context": {"order": make_order()}})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["Subject"] == "Thank you for your order 204-118-377" and mail["Content-Language"] == "en"
    assert '<html lang="en">' in mail.get_body(("html",)).get_content()


#: every email the shop sends, as its producer owes it: (owing service, template, context)
EVERY_EMAIL = [
    ("users", "welcome", {"username": "bea", "first_name": "Bea", "token": "t0ken", "hours": 24}),
    ("users", "verify_email", {"username": "bea", "first_name": "Bea", "token": "t0ken", "hours": 24}),
    ("users", "password_reset", {"username": "bea", "first_name": "Bea", "token": "t0ken", "minutes": 30}),
    ("users", "password_changed", ACCOUNT_CONTEXT),
    ("orders", "order_confirmation", None),
    ("orders", "order_status", "shipped"),
    ("orders", "order_cancelled", None),
]
#: the first words of each email's text, in each language
OPENING = {"en": "Hi Bea", "ru": "Здравствуйте, Bea"}


def test_every_email_arrives_in_the_accounts_language(mailer, queue, sink, register, users_app, make_order,
                                                      wait_for_mail):
    """Each email, to an account that reads Russian and to one that reads English, through a worker and the
    SMTP server: its Content-Language, its HTML's lang and its words are the account's language."""
    from mailer.render import render

    contexts = {template: {"order": make_order(), **({"status": context} if context else {})}
                if service == "orders" else context for service, template, context in EVERY_EMAIL}
    sent = {}  # Message-ID: (language, template)
    for language in ("en", "ru"):
        user_id = register(f"bea_{language}", first_name="Bea", language=language)["id"]
        for service, template, _ in EVERY_EMAIL:
            mail_id = f"{service}:{template}:{user_id}"
            queue.put({"id": mail_id, "template": template, "to": {"user_id": user_id},
                       "context": contexts[template]})
            sent[message_id(mail_id, "orders@shop.example")] = language, template
    mailer.burst()
    mails = wait_for_mail(sink, len(sent))
    assert sorted(mail["Message-ID"] for mail in mails) == sorted(sent)
    for mail in mails:
        language, template = sent[mail["Message-ID"]]
        expected = render(template, contexts[template], language=language, shop_name="Example Shop",
                          shop_url="https://shop.example", recipient_name="Bea")
        text, html = (part.get_content() for part in mail.iter_parts())
        assert mail["X-Envelope-To"] == f"<bea_{language}@example.com>"
        assert (mail["Content-Language"], mail["Subject"]) == (language, expected.subject), template
        assert text.startswith(OPENING[language]) and text.replace("\r\n", "\n") == expected.text, template
        assert f'<html lang="{language}">' in html, template


def test_a_message_to_a_user_id_is_in_the_accounts_language(mailer, queue, sink, register, users_app,
                                                            wait_for_mail):
    user = register("bea", first_name="Bea")
    change_account(users_app, user["id"], language="ru")
    queue.put({"id": "users:password_changed:1:1", "template": "password_changed", "to": {"user_id": user["id"]},
               "context": ACCOUNT_CONTEXT})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["Subject"] == "Ваш пароль в Example Shop изменён" and mail["Content-Language"] == "ru"
    assert "26 ноября 2026, 17:30 UTC" in mail.get_body(("plain",)).get_content()


def test_the_messages_own_language_wins_over_the_accounts(mailer, queue, sink, register, users_app,
                                                          wait_for_mail):
    user = register("bea", first_name="Bea")
    change_account(users_app, user["id"], language="ru")
    queue.put({"id": "users:password_changed:1:2", "template": "password_changed", "to": {"user_id": user["id"]},
               "language": "en", "context": ACCOUNT_CONTEXT})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["Subject"] == "Your password at Example Shop was changed" and mail["Content-Language"] == "en"


def test_a_user_id_is_addressed_where_the_accounts_emails_go(mailer, queue, sink, register, users_app,
                                                            make_order, wait_for_mail):
    """A changed email waits to be verified: until then order emails go to the address verified before."""
    user = register("bea", email="bea@new.example", first_name="Bea")
    change_account(users_app, user["id"], verified_email="bea@old.example")
    queue.put({"id": "orders:order:42:confirmation", "template": "order_confirmation",
               "to": {"user_id": user["id"]}, "context": {"order": make_order()}})
    mailer.burst()
    (mail,) = wait_for_mail(sink)
    assert mail["To"] == "Bea <bea@old.example>" and mail["X-Envelope-To"] == "<bea@old.example>"


def test_an_accounts_recipient_is_its_notify_email_and_language_else_its_email():
    bea = {"id": 3, "username": "bea", "email": "bea@new.example", "first_name": "Bea", "last_name": "Smith"}
    assert account_recipient(bea) == Recipient("Bea Smith", "bea@new.example", None)  # a users service of before
    assert account_recipient({**bea, "first_name": "", "last_name": "", "notify_email": "bea@old.example",
                              "language": "ru"}) == Recipient("bea", "bea@old.example", "ru")


@pytest.mark.parametrize("language", [7, ["ru"], {"ru": True}])
def test_a_language_that_is_not_a_language_code_fails_at_once(mailer, queue, sink, redis, language):
    job_id = queue.put({**welcome(), "language": language}, retry_seconds=(1, 1, 1))
    mailer.burst()
    assert FailedJobRegistry(QUEUE, connection=redis).get_job_ids() == [job_id]
    assert sink.received() == [] and queue.outcome("users:welcome:7") == "failed"
