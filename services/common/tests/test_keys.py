"""JWT keys: the development pair is made once, whoever asks first; `check_key` refuses what does not fit."""

from __future__ import annotations

import subprocess
import sys
import threading

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from shop_common.keys import KeyPair, check_key, dev_keypair, generate_keypair


def pem_of(key) -> KeyPair:
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return KeyPair(private, public)


@pytest.fixture(scope="module")
def rsa_pair() -> KeyPair:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def assert_matching(pair: KeyPair, algorithm: str = "ES256") -> None:
    token = jwt.encode({"sub": "1"}, pair.private_pem, algorithm=algorithm)
    assert jwt.decode(token, pair.public_pem, algorithms=[algorithm]) == {"sub": "1"}


def test_the_development_pair_is_made_once_and_then_read(tmp_path):
    first = dev_keypair(tmp_path / "keys")
    second = dev_keypair(tmp_path / "keys")

    assert second == first
    assert_matching(first)
    private = tmp_path / "keys" / "es256" / "private.pem"
    assert private.read_text() == first.private_pem
    assert private.stat().st_mode & 0o077 == 0  # only the owner may read the private key
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["es256"]


def test_threads_asking_at_once_all_get_the_same_pair(tmp_path):
    directory = tmp_path / "keys"
    barrier = threading.Barrier(8)
    results: list[KeyPair] = []
    errors: list[BaseException] = []

    def ask() -> None:
        barrier.wait(5)
        try:
            results.append(dev_keypair(directory))
        except BaseException as exc:  # collected: the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert len(results) == 8
    assert all(pair == results[0] for pair in results)
    assert_matching(results[0])
    assert dev_keypair(directory) == results[0]
    assert sorted(p.name for p in directory.iterdir()) == ["es256"]  # no leftovers


def test_processes_starting_at_once_all_get_the_same_pair(tmp_path):
    directory = tmp_path / "keys"
    # each process imports first, says so, and asks for the pair when told to go: they race for real
    script = ("import sys; from pathlib import Path; from shop_common.keys import dev_keypair; "
              "print('ready', flush=True); sys.stdin.readline(); "
              "print(dev_keypair(Path(sys.argv[1])).public_pem, end='')")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(directory)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for proc in procs:
            assert proc.stdout.readline() == "ready\n"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=20) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)

    assert [proc.returncode for proc in procs] == [0] * 4, [err for _, err in outputs]
    public = dev_keypair(directory).public_pem
    assert [out for out, _ in outputs] == [public] * 4
    assert sorted(p.name for p in directory.iterdir()) == ["es256"]


def test_the_pairs_of_two_algorithms_live_side_by_side(tmp_path, rsa_pair):
    es = dev_keypair(tmp_path)
    (tmp_path / "rs256").mkdir()  # an RS256 pair made earlier (3072-bit generation is slow)
    (tmp_path / "rs256" / "private.pem").write_text(rsa_pair.private_pem)
    (tmp_path / "rs256" / "public.pem").write_text(rsa_pair.public_pem)

    assert dev_keypair(tmp_path, "RS256") == rsa_pair
    assert dev_keypair(tmp_path, "ES256") == es


@pytest.mark.parametrize("private", [True, False], ids=["private", "public"])
def test_a_key_that_fits_is_accepted_as_it_is(private, rsa_pair):
    es = generate_keypair("ES256")

    for pair, algorithm in ((es, "ES256"), (rsa_pair, "RS256")):
        pem = pair.private_pem if private else pair.public_pem
        assert check_key(pem, algorithm, private=private) == pem


@pytest.mark.parametrize("private", [True, False], ids=["private", "public"])
def test_an_rsa_key_is_refused_for_es256_and_an_ec_key_for_rs256(private, rsa_pair):
    es = generate_keypair("ES256")

    for pair, algorithm in ((rsa_pair, "ES256"), (es, "RS256")):
        with pytest.raises(ValueError, match=f"does not fit {algorithm}"):
            check_key(pair.private_pem if private else pair.public_pem, algorithm, private=private)


def test_a_public_key_is_refused_where_a_private_one_is_needed_and_the_other_way_round():
    pair = generate_keypair("ES256")

    with pytest.raises(ValueError, match="not a PEM private key"):
        check_key(pair.public_pem, "ES256", private=True)
    with pytest.raises(ValueError, match="not a PEM public key"):
        check_key(pair.private_pem, "ES256", private=False)


def test_keys_of_the_right_family_but_too_weak_are_refused():
    p384 = pem_of(ec.generate_private_key(ec.SECP384R1()))
    rsa1024 = pem_of(rsa.generate_private_key(public_exponent=65537, key_size=1024))

    with pytest.raises(ValueError, match="P-256"):
        check_key(p384.public_pem, "ES256", private=False)
    with pytest.raises(ValueError, match="2048"):
        check_key(rsa1024.private_pem, "RS256", private=True)


def test_another_kind_of_key_is_refused():
    ed = pem_of(ed25519.Ed25519PrivateKey.generate())

    with pytest.raises(ValueError, match="does not fit ES256"):
        check_key(ed.public_pem, "ES256", private=False)


def test_an_encrypted_private_key_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"passphrase")).decode()

    with pytest.raises(ValueError, match="not a PEM private key"):
        check_key(pem, "ES256", private=True)


@pytest.mark.parametrize("garbage", [
    "",
    "not a key",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    "-----BEGIN PRIVATE KEY-----\n\u00e9\u00e9\n-----END PRIVATE KEY-----\n",
], ids=["empty", "text", "truncated", "non-ascii"])
@pytest.mark.parametrize("private", [True, False], ids=["private", "public"])
def test_garbage_is_refused_with_a_value_error(garbage, private):
    with pytest.raises(ValueError, match="not a PEM"):
        check_key(garbage, "ES256", private=private)
