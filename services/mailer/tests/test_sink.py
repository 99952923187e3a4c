"""The local SMTP sink: one valid .eml per message with its envelope, the gate that holds a sender at RCPT,
and `shop-mailer sink` running until SIGTERM."""

import email
import email.policy
import re
import signal
import smtplib
import subprocess
import threading
from email.message import EmailMessage

from mailer.testing import SHOP_MAILER


def message(subject="Hello"):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "shop@example.com", "Ann <ann@example.com>", subject
    mail.set_content("Hi Ann")
    return mail


def test_each_message_is_one_eml_file_with_its_envelope_first(sink):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.send_message(message(), from_addr="bounces@example.com", to_addrs=["ann@example.com", "bo@example.com"])
        smtp.send_message(message("Again"))
    files = sorted(sink.directory.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # and no temporary file left behind
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.eml", f.name) for f in files), files
    first = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.strict)
    assert first["X-Envelope-From"] == "<bounces@example.com>"
    assert first["X-Envelope-To"] == "<ann@example.com>, <bo@example.com>"
    assert first["Subject"] == "Hello" and first.get_content().strip() == "Hi Ann"
    assert [m["Subject"] for m in sink.received()] == ["Hello", "Again"]


def test_the_gate_holds_a_sender_at_rcpt_until_it_opens(sinks):
    gate = threading.Event()
    sink = sinks.start(gate=gate)

    def send():
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            smtp.send_message(message())

    sent = threading.Thread(target=send)
    sent.start()
    assert sink.held.wait(5)
    assert sink.received() == []
    gate.set()
    sent.join(10)
    assert [m["Subject"] for m in sink.received()] == ["Hello"]


def test_the_sink_command_keeps_mail_until_sigterm(tmp_path, free_port):
    folder = tmp_path / "mail"
    process = subprocess.Popen([SHOP_MAILER, "sink", "--port", str(free_port), "--dir", str(folder)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith(f"SMTP sink on 127.0.0.1:{free_port}")
        with smtplib.SMTP("127.0.0.1", free_port, timeout=5) as smtp:
            smtp.send_message(message())
        assert len(list(folder.glob("*.eml"))) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
