"""A message enqueued the way producers enqueue it arrives in the mailbox once, as a proper email: to the
address given or to the user's address from the users service; a message to a deleted account is dropped."""

from email.utils import parsedate_to_datetime

from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from mailer.jobs import CLAIM_PREFIX, message_id
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
