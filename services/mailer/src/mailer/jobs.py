"""The mail job, `mailer.jobs.send`, run by RQ workers off the `mail` queue (`shop_common.outbox` enqueues it).

A message `<service>:<key>` is owed by `<service>`: a row of its outbox, the record of the debt, which stays
owed until this job reports what became of it (`PUT /internal/outbox/<key>/` on that service, one of the
mailer's `calls`). Redis holds only the way there (the queue) and a claim per message, under
`shop:<queue>:sent:<message id>`, that stops two copies of a job from both sending:

1. Take the claim (`SET NX` of `sending:<random token>`, with a lease of MAIL_CLAIM_SECONDS). A copy that
   finds it `sent` or `dropped` sends nothing: it reports that outcome to the owing service again (the
   report of the copy that sent may have failed) and returns `duplicate`. A copy that finds it `sending:`
   raises `MessageBusy`, and RQ retries it later.
2. Holding a claim it found missing, the job asks the owing service whether the message is still owed
   (`GET /internal/outbox/<key>/`): the claim is in Redis, which may have lost it, the row is not. Reported
   `sent` or `dropped`: the claim is put back and nothing is sent (`duplicate`). No such row (pruned long after
   it was reported, or never owed): `not owed`, nothing sent. Owed (or `failed`, and an operator retries it):
   go on. The owing service unreachable: the claim is given back, and RQ retries.
3. Send (render, address, SMTP). The email is in the message's `language`, else (a message to a user id) the
   language of the account's emails as the users service says it, else English (`mailer.render`). The SMTP
   server accepted it: the claim becomes `sent` (`dropped` when the recipient's account is gone). A send that
   fails gives its claim back (only its own, by token), so its retry may send; one that can never succeed (a
   bad template or message) is reported `failed` and goes to RQ's failed registry at once (`shop-mailer
   retry-failed` may send it after a fix: `failed` turns `sent`).
4. Report the outcome to the owing service. If that fails (the service down), the job raises and RQ retries
   it: the retry finds the claim `sent` (step 1) and only reports. Only a report makes the row done; until
   then the outbox's recheck hands the message over again whenever Redis loses its job.

The windows, one by one:

- Killed before the SMTP server accepted the message: nothing was sent; the claim stays until its lease
  lapses, RQ's retry of the job (once it notices the dead worker) meets `MessageBusy` until then, then sends.
- Redis lost its data at any point: the job and the claim are gone with it. The owing service's recheck
  waits MAIL_REHAND_SECONDS (longer than any send runs) before handing the message over again, so a send in
  progress reports first; the copy then finds the row reported (step 2) and sends nothing.
- Sent, and the report failed: retried as a report only (step 4), as long as the claim `sent` lives
  (30 days, as long as RQ keeps a failed job).
- The one window left: the SMTP server accepted the message, and the worker died before the claim became
  `sent` and before the report (or Redis lost the claim and the report failed, both). A later copy finds the
  row still owed and sends the message a second time, with the same Message-ID. No design closes that gap
  without the SMTP server's help; everything else is exactly once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import quote

from redis import Redis
from rq import get_current_job

from mailer import config
from mailer.render import ENGLISH, BadContext, UnknownTemplate, render
from shop_common.http import ServiceClient
from shop_common.internal import service_headers
from shop_common.redis import REDIS_DOWN, make_redis

log = logging.getLogger(__name__)

CLAIM_PREFIX = "shop:mail:sent:"  # with the default queue, `mail`
#: how long a message stays known as done: as long as RQ keeps a failed job, which may be retried
DONE_SECONDS = 30 * 86_400
SENT, DROPPED, FAILED = "sent", "dropped", "failed"  # as the outbox has them (shop_common.outbox)


class MessageBusy(Exception):
    """Another copy of this message is being sent right now; RQ retries this one later."""


class BadMessage(ValueError):
    """The message does not have the shape `shop_common.outbox` gives it."""


class NotRecorded(RuntimeError):
    """The owing service did not take the report (or the question): RQ retries the job."""


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
def _client(service: str) -> ServiceClient:
    s = settings()
    return ServiceClient(service, s[f"{service.upper()}_URL"], headers=service_headers(s))


def reset() -> None:
    """Forget the settings and clients (tests change the environment between sends)."""
    for cached in (settings, _redis, _client):
        cached.cache_clear()


def send(message: dict[str, Any]) -> str:
    """Send one message (see the module docstring); returns `sent`, `no recipient`, `duplicate` or `not owed`.

    Raises `MessageBusy` while another copy is being sent, anything that failed otherwise (RQ retries).
    """
    try:
        mail_id = str(message["id"])
    except (TypeError, KeyError):
        _fail_now()
        raise BadMessage("a message needs an id") from None
    owner = _owner(mail_id)
    # per queue: shops sharing a Redis (a queue each) may use the same message ids
    key, token = f"shop:{settings()['MAIL_QUEUE']}:sent:{mail_id}", f"sending:{uuid.uuid4().hex}"
    redis = _redis()
    if not redis.set(key, token, nx=True, ex=settings()["MAIL_CLAIM_SECONDS"]):
        done = redis.get(key)
        if done in (SENT, DROPPED):
            _report(owner, done)  # again: the copy that sent may not have got its report through
            _log(mail_id, "duplicate", "already sent")
            return "duplicate"
        _log(mail_id, "busy", "another worker is sending it")
        raise MessageBusy(mail_id)
    try:
        recorded = _recorded(owner)
    except BaseException:
        _release(redis, key, token)
        raise
    if recorded in (SENT, DROPPED):  # Redis forgot the claim; the owing service did not
        _mark(redis, key, recorded, mail_id)
        _log(mail_id, "duplicate", f"{recorded} already, by the owing service's record")
        return "duplicate"
    if recorded is NOT_OWED:
        _release(redis, key, token)
        log.warning("email %s: not owed by its service (no such outbox row): not sent", mail_id,
                    extra={"mail_id": mail_id, "outcome": "not owed"})
        return "not owed"
    try:
        outcome = _deliver(mail_id, message)
    except BaseException as exc:
        _release(redis, key, token)
        if isinstance(exc, PERMANENT):
            _fail_now()
            _report_failure(owner, exc)
        log.warning("email %s: not sent (%s)", mail_id, type(exc).__name__,
                    extra={"mail_id": mail_id, "outcome": "error"})
        raise
    done = SENT if outcome == "sent" else DROPPED
    _mark(redis, key, done, mail_id)
    log.info("email %s: %s", mail_id, outcome, extra={"mail_id": mail_id, "template": message["template"],
                                                      "outcome": outcome})
    _report(owner, done)
    return outcome


def _log(mail_id: str, outcome: str, why: str) -> None:
    log.info("email %s: %s, %s", mail_id, outcome, why, extra={"mail_id": mail_id, "outcome": outcome})


def _owner(mail_id: str) -> tuple[str, str]:
    """(owing service, outbox key) of a message id; a service the mailer does not call is a bad message."""
    service, _, key = mail_id.partition(":")
    if not key or f"{service.upper()}_URL" not in settings():
        _fail_now()
        raise BadMessage(f"message {mail_id!r} is not `<service>:<key>` of a service the mailer calls")
    return service, key


def _mark(redis: Redis, key: str, done: str, mail_id: str) -> None:
    try:
        redis.set(key, done, ex=DONE_SECONDS)
    except REDIS_DOWN:
        # the message is gone; the report below is its record (raising would only make RQ send it again)
        log.exception("email %s: %s, but the claim could not say so", mail_id, done, extra={"mail_id": mail_id})


#: `_recorded` when the owing service has no such row
NOT_OWED = object()


def _path(owner: tuple[str, str]) -> str:
    return f"/internal/outbox/{quote(owner[1], safe='')}/"


def _recorded(owner: tuple[str, str]) -> str | object | None:
    """What the owing service has recorded of the message: None (owed), an outcome, or NOT_OWED."""
    response = _client(owner[0]).get(_path(owner))
    if response.status_code == 404 and _code(response) == "message_not_found":
        return NOT_OWED
    if response.status_code != 200:  # see _recipient: a wrong URL or credential fails loudly, and is retried
        raise NotRecorded(f"{owner[0]} answered {response.status_code} for its outbox row {owner[1]}")
    return response.json()["outcome"]


def _report(owner: tuple[str, str], outcome: str, error: str | None = None) -> None:
    """Tell the owing service what became of its message (an idempotent PUT); raises NotRecorded if it did not
    take it (a message it has no row of, pruned meanwhile, needs no report)."""
    response = _client(owner[0]).request("PUT", _path(owner), json={"outcome": outcome, "error": error})
    if response.status_code == 404 and _code(response) == "message_not_found":
        return
    if response.status_code != 200:
        raise NotRecorded(f"{owner[0]} answered {response.status_code} to the report on {owner[1]}")


def _report_failure(owner: tuple[str, str], exc: BaseException) -> None:
    """Report a message that can never be sent as it is; if that fails too, the row stays owed (and its job
    stays in RQ's failed registry, where the outbox's recheck finds it)."""
    try:
        _report(owner, FAILED, f"{type(exc).__name__}: {exc}")
    except Exception as failure:
        log.warning("could not report %s:%s as failed: %s", *owner, failure)


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
    language = message.get("language")
    if language is not None and not isinstance(language, str):
        raise BadMessage(f"a message's language is a language code, not {language!r}")
    recipient = _recipient(to)
    if recipient is None:  # the account is gone: there is no one to write to, now or later
        return "no recipient"
    name = " ".join(recipient.name.split())  # the user's own text: a line break in a header would fail every send
    shop_name = parseaddr(s["MAIL_FROM"])[0] or "Shop"
    rendered = render(template, context, language=language or recipient.language or ENGLISH, shop_name=shop_name,
                      shop_url=s["SHOP_URL"], recipient_name=name)

    mail = EmailMessage()
    mail["From"] = s["MAIL_FROM"]
    mail["To"] = Address(display_name=name, addr_spec=recipient.address)
    mail["Subject"] = rendered.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(mail_id, s["MAIL_FROM"])
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    mail["Content-Language"] = rendered.language  # after the parts: making them drops every Content-* header
    _smtp_send(mail, s)
    return "sent"


def message_id(mail_id: str, mail_from: str) -> str:
    """The Message-ID of every copy of message `mail_id`: a mailbox given it twice shows it as one email."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2]
    return f"<{hashlib.sha256(mail_id.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str
    #: the language of the account's emails, for a message to a user id (None: the users service did not say)
    language: str | None = None


def _recipient(to: Any) -> Recipient | None:
    """Who the message goes to; None when the user's account is gone."""
    if isinstance(to, dict) and to.get("email"):
        return Recipient(to.get("name") or "", to["email"])
    if isinstance(to, dict) and isinstance(to.get("user_id"), int):
        response = _client("users").get(f"/internal/users/{to['user_id']}/")
        if response.status_code == 404 and _code(response) == "user_not_found":
            return None
        # a wrong service credential, or a USERS_URL that is not the users service (the gateway answers
        # /internal/ with 404 too): fail and retry, loudly, rather than drop every email as sent to nobody
        if response.status_code != 200:
            raise RuntimeError(f"users answered {response.status_code} for user {to['user_id']}")
        return account_recipient(response.json())
    raise BadMessage("`to` needs an email or a user_id")


def account_recipient(user: Mapping[str, Any]) -> Recipient:
    """The recipient of an email to an account, from the users service's answer (`/internal/users/{id}/`): its
    names (else its username), its `notify_email` (where its emails go while a changed email waits to be
    verified; `email` from a users service that does not say) and its `language`."""
    name = " ".join(part for part in (user["first_name"], user["last_name"]) if part)
    return Recipient(name or user["username"], user.get("notify_email") or user["email"], user.get("language"))


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
