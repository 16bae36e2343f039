"""The ABDM (Fidelius) encryption against the published vectors of NHA's reference
implementation (Fidelius CLI, Java/BouncyCastle; the same vectors as dimagi's Python port), and
round trips in both key formats."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hims.abdm import crypto

# From the Fidelius CLI README (mgrmtech/fidelius-cli), also dimagi/pyfidelius tests.py.
REQUESTER_PRIVATE_KEY = "DMxHPri8d7IT23KgLk281zZenMfVHSdeamq0RhwlIBk="
REQUESTER_PUBLIC_KEY = (
    "BAheD5rUqTy4V5xR4/6HWmYpopu5CO+KO8BECS0udNqUTSNo91TIqIIy1A4Vh+F94c+n9vAcwXU2bGcfsI5f69Y="
)
SENDER_PRIVATE_KEY = "AYhVZpbVeX4KS5Qm/W0+9Ye2q3rnVVGmqRICmseWni4="
SENDER_PUBLIC_KEY = (
    "BABVt+mpRLMXiQpIfEq6bj8hlXsdtXIxLsspmMgLNI1SR5mHgDVbjHO2A+U4QlMddGzqyEidzm1AkhtSxSO2Ahg="
)
SENDER_NONCE = "lmXgblZwotx+DfBgKJF0lZXtAXgBEYr5khh79Zytr2Y="
REQUESTER_NONCE = "6uj1RdDUbcpI3lVMZvijkMC8Te20O4Bcyz0SyivX8Eg="
SHARED_SECRET = "HZbc9a4h9kMAReILN5VtvbSYHWQpfIcrZ9pWHlQZUHs="
PLAINTEXT = b"Wormtail should never have been Potter cottage's secret keeper."
CIPHERTEXT = "pzMvVZNNVtJzqPkkxcCbBUWgDEBy/mBXIeT2dJWI16ZAQnnXUb9lI+S4k8XK6mgZSKKSRIHkcNvJpllnBg548wUgavBa0vCRRwdL6kY6Yw=="


def montgomery_ladder(scalar: int, u: int) -> int:
    """Test-only: X25519 scalar multiplication *without* clamping (RFC 7748 ladder), because
    BouncyCastle's private keys are plain integers. Production code uses `cryptography`."""
    p = crypto.P
    x2, z2, x3, z3, swap = 1, 0, u, 1, 0
    for bit in reversed(range(scalar.bit_length())):
        k = (scalar >> bit) & 1
        swap ^= k
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = k
        a, b = (x2 + z2) % p, (x2 - z2) % p
        aa, bb = a * a % p, b * b % p
        e = (aa - bb) % p
        c, d = (x3 + z3) % p, (x3 - z3) % p
        da, cb = d * a % p, c * b % p
        x3, z3 = pow(da + cb, 2, p), u * pow(da - cb, 2, p) % p
        x2, z2 = aa * bb % p, e * (aa + 121665 * e) % p
    if swap:
        x2, z2 = x3, z3
    return x2 * pow(z2, p - 2, p) % p


def _bc_scalar(value: str) -> int:
    return int.from_bytes(base64.b64decode(value), "big")


def _fidelius_secret(private_key: str, public_key: str) -> bytes:
    u = montgomery_ladder(_bc_scalar(private_key), crypto.peer_key_read(public_key).u)
    return ((u + crypto.A_THIRD) % crypto.P).to_bytes(32, "big")


def test_the_reference_public_key_is_read_as_the_same_curve_point() -> None:
    # The requester's public key is its private key times the base point (u = 9).
    key = crypto.peer_key_read(REQUESTER_PUBLIC_KEY)
    assert key.fidelius
    assert key.u == montgomery_ladder(_bc_scalar(REQUESTER_PRIVATE_KEY), 9)


def test_the_reference_shared_secret_is_reproduced_from_both_sides() -> None:
    expected = base64.b64decode(SHARED_SECRET)
    assert _fidelius_secret(REQUESTER_PRIVATE_KEY, SENDER_PUBLIC_KEY) == expected
    assert _fidelius_secret(SENDER_PRIVATE_KEY, REQUESTER_PUBLIC_KEY) == expected


def test_the_reference_ciphertext_is_reproduced_and_decrypted() -> None:
    secret = base64.b64decode(SHARED_SECRET)
    nonces = {"sender_nonce": SENDER_NONCE, "requester_nonce": REQUESTER_NONCE}
    assert crypto.encrypt_with_secret(PLAINTEXT, secret=secret, **nonces) == CIPHERTEXT
    assert crypto.decrypt_with_secret(CIPHERTEXT, secret=secret, **nonces) == PLAINTEXT


def test_what_we_encrypt_for_a_fidelius_requester_it_can_decrypt() -> None:
    sender = crypto.SenderKeys.generate()
    content = crypto.encrypt(
        PLAINTEXT,
        sender=sender,
        requester_key=crypto.peer_key_read(REQUESTER_PUBLIC_KEY),
        requester_nonce=REQUESTER_NONCE,
    )
    ours = sender.public_key_value(fidelius=True)
    assert len(base64.b64decode(ours)) == 65 and len(ours) == 88  # what Fidelius expects
    # The requester (BouncyCastle's way, its unclamped private key) derives the same secret.
    secret = _fidelius_secret(REQUESTER_PRIVATE_KEY, ours)
    assert (
        crypto.decrypt_with_secret(
            content, secret=secret, sender_nonce=sender.nonce, requester_nonce=REQUESTER_NONCE
        )
        == PLAINTEXT
    )


@pytest.mark.parametrize("fidelius", [False, True])
def test_round_trip_in_either_key_format(fidelius: bool) -> None:
    requester = crypto.SenderKeys.generate()
    sender = crypto.SenderKeys.generate()
    text = "बुखार और खांसी".encode()
    content = crypto.encrypt(
        text,
        sender=sender,
        requester_key=crypto.peer_key_read(requester.public_key_value(fidelius=fidelius)),
        requester_nonce=requester.nonce,
    )
    back = crypto.decrypt(
        content,
        requester_private_key=requester.private_key,
        sender_key_value=sender.public_key_value(fidelius=fidelius),
        sender_nonce=sender.nonce,
        requester_nonce=requester.nonce,
    )
    assert back == text


def test_an_x509_wrapped_key_is_read() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = X25519PrivateKey.generate()
    spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    raw = key.public_key().public_bytes_raw()
    assert crypto.peer_key_read(base64.b64encode(spki).decode()) == crypto.peer_key_read(
        base64.b64encode(raw).decode()
    )


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        base64.b64encode(b"\x04" + b"\x01" * 64).decode(),  # not on the curve
        base64.b64encode(os.urandom(40)).decode(),
        base64.b64encode(b"\x00" * 32).decode(),  # low order: no shared secret
    ],
)
def test_unusable_keys_are_refused(value: str) -> None:
    with pytest.raises(crypto.KeyFormatError):
        crypto.shared_secret(X25519PrivateKey.generate(), crypto.peer_key_read(value))


def test_a_wrong_key_does_not_decrypt() -> None:
    secret = base64.b64decode(SHARED_SECRET)
    with pytest.raises(crypto.KeyFormatError):
        crypto.decrypt_with_secret(
            CIPHERTEXT,
            secret=secret[::-1],
            sender_nonce=SENDER_NONCE,
            requester_nonce=REQUESTER_NONCE,
        )
