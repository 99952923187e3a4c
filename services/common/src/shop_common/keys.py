"""JWT key pairs: generated for development and tests, checked against the configured algorithm.

Production keys come from the environment (`SHOP_JWT_PRIVATE_KEY` for the users service only,
`SHOP_JWT_PUBLIC_KEY` everywhere). In development the first process to start writes a pair under
`var/keys/` (git-ignored); every other process reads the same files.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_keypair(algorithm: str = "ES256") -> KeyPair:
    """A fresh key pair for `algorithm` (ES256: P-256; RS256: 3072-bit RSA), PEM-encoded."""
    if algorithm == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        raise ValueError(f"unsupported JWT algorithm {algorithm!r}")
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return KeyPair(private_pem, public_pem)


def dev_keypair(directory: Path, algorithm: str = "ES256") -> KeyPair:
    """The development key pair in `directory`, made on first use.

    Safe when several processes start at once: the pair is written to a temporary folder and renamed into
    place, so a reader sees both files or neither.
    """
    target = directory / algorithm.lower()
    if not (target / "public.pem").exists():
        directory.mkdir(parents=True, exist_ok=True)
        # a folder of its own per call (mode 0700): threads of one process race here too
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
        pair = generate_keypair(algorithm)
        private = staging / "private.pem"
        private.write_text(pair.private_pem)
        private.chmod(0o600)
        (staging / "public.pem").write_text(pair.public_pem)
        try:
            staging.rename(target)
        except OSError:  # another process won the race: use its pair
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
    return KeyPair((target / "private.pem").read_text(), (target / "public.pem").read_text())


def check_key(pem: str, algorithm: str, *, private: bool) -> str:
    """Return `pem` if it is a key of the kind `algorithm` needs, else raise ValueError saying why."""
    try:
        if private:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        else:
            key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a PEM {'private' if private else 'public'} key ({exc})") from None
    wanted = (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey) if algorithm == "ES256" else (
        rsa.RSAPrivateKey, rsa.RSAPublicKey)
    if not isinstance(key, wanted):
        raise ValueError(f"the key does not fit {algorithm}")
    if algorithm == "ES256" and key.curve.name != "secp256r1":
        raise ValueError("ES256 needs a P-256 key")
    if algorithm == "RS256" and key.key_size < 2048:
        raise ValueError("RS256 needs an RSA key of at least 2048 bits")
    return pem


def dev_secret(directory: Path, name: str) -> str:
    """A random development secret kept in `directory/name`, made on first use (race-safe, like the keys)."""
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
    for _ in range(100):  # another process may be between creating the file and writing it
        if value := path.read_text().strip():
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty")
