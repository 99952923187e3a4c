"""The mail job, `mailer.jobs.send`, run by RQ workers off the `mail` queue (`shop_common.outbox` enqueues it).

Each message is sent once, however often it is enqueued or retried, thanks to a claim in Redis under
`shop:mail:sent:<message id>`: a send first takes the claim (`SET NX` of `sending:<random token>`, with a
lease of MAIL_CLAIM_SECONDS), and marks the message `sent` once the SMTP server has accepted it (`dropped`
when its recipient's account is gone). A copy that finds it done sends nothing; one that finds it claimed
raises `MessageBusy`, and RQ retries it later; a send that fails gives its claim back (only its own, by
token), so its retry may send. A worker killed mid-send, before the server accepted the message, leaves its
claim behind until the lease lapses: RQ's retry of the job (once it notices the dead worker) meets
`MessageBusy` until then, and sends after.

The one window left: the SMTP server accepted the message, and the worker died (or Redis failed) before
it recorded it as sent. The retry then sends the message a second time, with the same Message-ID. No
design closes that gap without the SMTP server's help; everything else is exactly once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from redis import Redis
from rq import get_current_job

from mailer import config
from mailer.render import BadContext, UnknownTemplate, render
from shop_common.http import ServiceClient
from shop_common.internal import service_headers
from shop_common.redis import REDIS_DOWN, make_redis

log = logging.getLogger(__name__)

CLAIM_PREFIX = "shop:mail:sent:"  # with the default queue, `mail`
#: how long a message stays known as done: as long as RQ keeps a failed job, which may be retried
DONE_SECONDS = 30 * 86_400
SENT, DROPPED = "sent", "dropped"


class MessageBusy(Exception):
    """Another copy of this message is being sent right now; RQ retries this one later."""


class BadMessage(ValueError):
    """The message does not have the shape `shop_common.outbox` gives it."""


# retrying these cannot help: the job goes straight to the failed registry (`shop-mailer retry-failed`
# sends it again once a deploy has fixed the template or the producer)
PERMANENT = (BadMessage, UnknownTemplate, BadContext)


@functools.cache
def settings() -> Mapping[str, Any]:
    """The mailer's settings, read once per process (a worker reads them before it forks each job)."""
    return config.load()


@functools.cache
def _redis() -> Redis:
    s = settings()
    return make_redis(s["REDIS_URL"], s["REDIS_TIMEOUT"])


@functools.cache
def _users() -> ServiceClient:
    s = settings()
    return ServiceClient("users", s["USERS_URL"], headers=service_headers(s))


def reset() -> None:
    """Forget the settings and clients (tests change the environment between sends)."""
    for cached in (settings, _redis, _users):
        cached.cache_clear()


def send(message: dict[str, Any]) -> str:
    """Send one message (see the module docstring); returns `sent`, `duplicate` or `no recipient`.

    Raises `MessageBusy` while another copy is being sent, anything that failed otherwise (RQ retries).
    """
    try:
        mail_id = str(message["id"])
    except (TypeError, KeyError):
        _fail_now()
        raise BadMessage("a message needs an id") from None
    # per queue: shops sharing a Redis (a queue each) may use the same message ids
    key, token = f"shop:{settings()['MAIL_QUEUE']}:sent:{mail_id}", f"sending:{uuid.uuid4().hex}"
    redis = _redis()
    if not redis.set(key, token, nx=True, ex=settings()["MAIL_CLAIM_SECONDS"]):
        if redis.get(key) in (SENT, DROPPED):
            log.info("email %s: duplicate, already sent", mail_id, extra={"mail_id": mail_id, "outcome": "duplicate"})
            return "duplicate"
        log.info("email %s: busy, another worker is sending it", mail_id,
                 extra={"mail_id": mail_id, "outcome": "busy"})
        raise MessageBusy(mail_id)
    try:
        outcome = _deliver(mail_id, message)
    except BaseException as exc:
        _release(redis, key, token)
        if isinstance(exc, PERMANENT):
            _fail_now()
        log.warning("email %s: not sent (%s)", mail_id, type(exc).__name__,
                    extra={"mail_id": mail_id, "outcome": "error"})
        raise
    try:
        redis.set(key, SENT if outcome == "sent" else DROPPED, ex=DONE_SECONDS)
    except REDIS_DOWN:
        # the message is gone; raising would only make RQ send it again once the claim lapses
        log.exception("email %s: %s, but not recorded", mail_id, outcome, extra={"mail_id": mail_id})
    log.info("email %s: %s", mail_id, outcome, extra={"mail_id": mail_id, "template": message["template"],
                                                      "outcome": outcome})
    return outcome


# deletes the claim only if it is still this send's (its lease may have lapsed and another worker hold it)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _release(redis: Redis, key: str, token: str) -> None:
    try:
        redis.eval(_RELEASE, 1, key, token)
    except REDIS_DOWN:
        log.warning("could not give back the claim on %s: it lapses by itself", key)


def _fail_now() -> None:
    """Make RQ fail the running job without retrying it (it reads `retries_left` when the job raises)."""
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def _deliver(mail_id: str, message: dict[str, Any]) -> str:
    s = settings()
    try:
        template, to, context = message["template"], message["to"], message.get("context") or {}
    except KeyError as exc:
        raise BadMessage(f"a message needs {exc}") from None
    recipient = _recipient(to)
    if recipient is None:  # the account is gone: there is no one to write to, now or later
        return "no recipient"
    name, address = recipient
    name = " ".join(name.split())  # the user's own text: a line break in a header would fail every send
    shop_name = parseaddr(s["MAIL_FROM"])[0] or "Shop"
    rendered = render(template, context, shop_name=shop_name, shop_url=s["SHOP_URL"], recipient_name=name)

    mail = EmailMessage()
    mail["From"] = s["MAIL_FROM"]
    mail["To"] = Address(display_name=name, addr_spec=address)
    mail["Subject"] = rendered.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(mail_id, s["MAIL_FROM"])
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    _smtp_send(mail, s)
    return "sent"


def message_id(mail_id: str, mail_from: str) -> str:
    """The Message-ID of every copy of message `mail_id`: a mailbox given it twice shows it as one email."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2]
    return f"<{hashlib.sha256(mail_id.encode()).hexdigest()[:32]}@{domain}>"


def _recipient(to: Any) -> tuple[str, str] | None:
    """`(name, address)` of the recipient; None when the user's account is gone."""
    if isinstance(to, dict) and to.get("email"):
        return to.get("name") or "", to["email"]
    if isinstance(to, dict) and isinstance(to.get("user_id"), int):
        response = _users().get(f"/internal/users/{to['user_id']}/")
        if response.status_code == 404 and _code(response) == "user_not_found":
            return None
        # a wrong service credential, or a USERS_URL that is not the users service (the gateway answers
        # /internal/ with 404 too): fail and retry, loudly, rather than drop every email as sent to nobody
        if response.status_code != 200:
            raise RuntimeError(f"users answered {response.status_code} for user {to['user_id']}")
        user = response.json()
        name = " ".join(part for part in (user["first_name"], user["last_name"]) if part)
        return name or user["username"], user["email"]
    raise BadMessage("`to` needs an email or a user_id")


def _code(response: Any) -> str | None:
    """The problem code of an answer, if it is a problem."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _smtp_send(mail: EmailMessage, s: Mapping[str, Any]) -> None:
    host, port, timeout, security = s["SMTP_HOST"], s["SMTP_PORT"], s["SMTP_TIMEOUT"], s["SMTP_SECURITY"]
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())  # no STARTTLS offered: an error, never plain
        if s["SMTP_USERNAME"]:
            smtp.login(s["SMTP_USERNAME"], s["SMTP_PASSWORD"] or "")
        smtp.send_message(mail)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message was accepted or not before QUIT: how QUIT goes changes nothing
