"""Sending over TLS, as to a real relay: STARTTLS or implicit TLS with the server's certificate checked, and
AUTH with the configured login, its password given as a value or as a file (a mounted secret)."""

import datetime
import ipaddress
import ssl
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mailer.jobs import CLAIM_PREFIX

MESSAGE = {"id": "users:welcome:8", "template": "welcome", "to": {"email": "cy@example.com", "name": "Cy"},
           "context": {"username": "cy", "first_name": "Cy"}}
LOGIN = ("shop-mailer", "s3cret pass")


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A certificate authority made for this run and a certificate it signed for 127.0.0.1: the sink's
    `tls.context`, and `tls.ca_file` for workers to trust (OpenSSL reads SSL_CERT_FILE)."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, key, issuer, issuer_key, *extensions):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1)))
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Shop test CA")])
    ca = certificate(ca_name, ca_key, ca_name, ca_key, (x509.BasicConstraints(ca=True, path_length=0), True),
                     (x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                    encipher_only=False, decipher_only=False), True),
                     (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False))
    leaf = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), key, ca_name, ca_key,
                       (x509.BasicConstraints(ca=False, path_length=None), True),
                       (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
                       (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                       (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False))
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(leaf.public_bytes(pem) + key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.pem")
    return SimpleNamespace(context=context, ca_file=str(folder / "ca.pem"))


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_tls_with_a_login(security, mailer, queue, sinks, tls, redis, wait_for_mail):
    sink = sinks.start(security=security, tls_context=tls.context, credentials=LOGIN)
    queue.put(MESSAGE)
    mailer.burst(SMTP_PORT=sink.port, SMTP_SECURITY=security, SMTP_USERNAME=LOGIN[0], SMTP_PASSWORD=LOGIN[1],
                 env={"SSL_CERT_FILE": tls.ca_file})  # OpenSSL trusts the run's CA
    (mail,) = wait_for_mail(sink)
    assert mail["To"] == "Cy <cy@example.com>"
    assert redis.get(CLAIM_PREFIX + MESSAGE["id"]) == b"sent"


@pytest.mark.parametrize("problem", ["untrusted certificate", "wrong password", "no STARTTLS offered"])
def test_nothing_is_sent_when_tls_or_login_is_not_right(problem, mailer, queue, sinks, tls, redis):
    settings = {"SMTP_SECURITY": "starttls", "SMTP_USERNAME": LOGIN[0], "SMTP_PASSWORD": LOGIN[1]}
    env = {"SSL_CERT_FILE": tls.ca_file}
    if problem == "untrusted certificate":
        env = {}
    elif problem == "wrong password":
        settings["SMTP_PASSWORD"] = "guess"
    if problem == "no STARTTLS offered":  # plain SMTP: the worker must not go on without TLS
        sink = sinks.start(credentials=LOGIN)
    else:
        sink = sinks.start(security="starttls", tls_context=tls.context, credentials=LOGIN)
    queue.put(MESSAGE, retry_seconds=(60,))
    worker = mailer.burst(SMTP_PORT=sink.port, env=env, **settings)
    assert sink.received() == []
    errors = {"untrusted certificate": "SSLCertVerificationError", "wrong password": "SMTPAuthenticationError",
              "no STARTTLS offered": "SMTPNotSupportedError"}
    (event,) = worker.events(MESSAGE["id"])
    assert event["message"] == f"email {MESSAGE['id']}: not sent ({errors[problem]})"
    assert not redis.exists(CLAIM_PREFIX + MESSAGE["id"])


def test_the_smtp_password_can_be_a_file(mailer, queue, sinks, tls, redis, tmp_path, wait_for_mail):
    sink = sinks.start(security="starttls", tls_context=tls.context, credentials=LOGIN)
    secret = tmp_path / "smtp-password"
    secret.write_text(LOGIN[1] + "\n")  # as a secret mounted from `kubectl create secret --from-file` often is
    queue.put(MESSAGE)
    mailer.burst(SMTP_PORT=sink.port, SMTP_SECURITY="starttls", SMTP_USERNAME=LOGIN[0],
                 env={"SHOP_SMTP_PASSWORD_FILE": str(secret), "SSL_CERT_FILE": tls.ca_file})
    (mail,) = wait_for_mail(sink)  # the sink takes mail only after AUTH with exactly LOGIN's password
    assert mail["To"] == "Cy <cy@example.com>"
    assert redis.get(CLAIM_PREFIX + MESSAGE["id"]) == b"sent"


def test_a_password_file_that_is_not_there_stops_the_worker_at_start(mailer, tmp_path):
    secret = tmp_path / "smtp-password"
    worker = mailer.start(SMTP_USERNAME=LOGIN[0], env={"SHOP_SMTP_PASSWORD_FILE": str(secret)})
    assert worker.wait() == 1
    assert (f"SHOP_SMTP_PASSWORD: cannot read SHOP_SMTP_PASSWORD_FILE={secret}: No such file or directory"
            in worker.log.read_text())
    assert not worker.heartbeat.exists()  # never alive
