"""A local SMTP server that keeps every message it receives as a `.eml` file: the inbox of the local stack
(`shop-mailer sink`) and of the mailer's tests.

Each message is one file, `<UTC time>-<8 hex>.eml`, written under a hidden temporary name and renamed, so a
reader never sees half a message. The envelope goes first as two header fields, `X-Envelope-From` and
`X-Envelope-To`, which keeps the file a valid RFC 5322 message.

For tests it can also offer STARTTLS or implicit TLS and require AUTH (LOGIN or PLAIN), and hold every
conversation at RCPT until a gate opens, to stop a sender in the middle of a send.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import secrets
import socket
import ssl
import threading
import warnings
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _BoundController(Controller):
    """aiosmtpd's Controller serving on a socket bound beforehand, so a busy port fails at once (the
    Controller would first wait out its start-up timeout)."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

    def factory(self):
        with warnings.catch_warnings():
            # aiosmtpd counts only STARTTLS as TLS, and warns when AUTH is allowed on an implicit TLS connection
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


class MailSink:
    """SMTP on `host:port` keeping messages in `directory`; `start()` returns once it answers, `stop()` ends it.

    `security` is `none`, `starttls` (required before MAIL) or `tls` (implicit), with `tls_context` as the
    server's; `credentials` (`(username, password)`) makes AUTH required. With a `gate` (a
    `threading.Event`), each RCPT waits until the gate is set; `held` is set when one is waiting.
    """

    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 1025, *,
                 security: str = "none", tls_context: ssl.SSLContext | None = None,
                 credentials: tuple[str, str] | None = None, gate: threading.Event | None = None):
        if (security != "none") != (tls_context is not None):
            raise ValueError("a tls_context goes with security 'starttls' or 'tls', and only with them")
        self.directory = Path(directory)
        self.host, self.port = host, port
        self.security, self.tls_context, self.credentials = security, tls_context, credentials
        self.gate = gate
        self.held = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen; raises OSError at once when the port is taken."""
        self.directory.mkdir(parents=True, exist_ok=True)
        family = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((self.host, self.port), family=family)
        options: dict[str, Any] = {"server_hostname": "shop-mail-sink"}  # else aiosmtpd asks DNS for the FQDN
        if self.security == "starttls":
            options.update(tls_context=self.tls_context, require_starttls=True)
        elif self.security == "tls":
            options.update(ssl_context=self.tls_context)
        if self.credentials:
            # with implicit TLS aiosmtpd must be told that AUTH may go ahead (see factory())
            options.update(authenticator=self._authenticate, auth_required=True,
                           auth_require_tls=self.security == "starttls")
        controller = _BoundController(self, sock, **options)
        try:
            controller.start()
        except BaseException:
            sock.close()
            controller.loop.close()
            raise
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and end every conversation (one held at the gate too)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[EmailMessage]:
        """The messages kept so far, oldest first."""
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
                for path in sorted(self.directory.glob("*.eml"))]

    # aiosmtpd handler hooks

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        if self.gate is not None and not self.gate.is_set():
            self.held.set()
            while not self.gate.is_set():  # polled: blocking on the Event would stop the event loop
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self._keep(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism: str, auth_data: Any) -> AuthResult:
        given = (auth_data.login.decode(), auth_data.password.decode()) if isinstance(auth_data, LoginPassword) \
            else None
        return AuthResult(success=given == self.credentials, handled=False)  # handled=False: aiosmtpd answers

    def _keep(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        envelope = (f"X-Envelope-From: <{mail_from}>\r\n"
                    f"X-Envelope-To: {', '.join(f'<{rcpt}>' for rcpt in rcpt_tos)}\r\n").encode()
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(4)}.eml"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(envelope + content)
        os.replace(temporary, self.directory / name)
