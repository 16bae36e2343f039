"""ABDM health-information encryption ("Fidelius"): ECDH on Curve25519, HKDF-SHA256, AES-256-GCM.

For each transfer the HIP makes a fresh key pair and a 32-byte nonce. With the requester's
(HIU's) public key and nonce from the health-information request:

    shared = ECDH(our private key, requester public key)
    xor    = senderNonce XOR requesterNonce            (the decoded 32 bytes)
    key    = HKDF-SHA256(ikm=shared, salt=xor[:20], info=none, length=32)
    data   = base64(AES-256-GCM(key, iv=xor[-12:]).encrypt(bundle JSON)) (ciphertext || 16-byte tag)

How keys are written differs between the published sources (docs/abdm.md):

- NHA's reference implementation (Fidelius, Java with BouncyCastle; its CLI and dimagi's Python
  port) works on Curve25519 in *short Weierstrass* form: a public key is the uncompressed point
  `04 || X || Y` (65 bytes, base64) or an X.509 SubjectPublicKeyInfo wrapping it, and the shared
  secret is the 32-byte big-endian X coordinate of the product point;
- other implementations send a raw 32-byte X25519 public key and use the X25519 output.

The two are the same curve (x = u + A/3 maps Montgomery u to Weierstrass x), so this module does
the scalar multiplication with the `cryptography` package's X25519 and converts at the edges:
when the requester writes its key the Fidelius way we answer the Fidelius way (65-byte point,
Weierstrass X as the shared secret), when it sends a raw X25519 key we answer with one. Our own
private keys are X25519 keys (clamped scalars), which are valid Fidelius private keys as well.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

CRYPTO_ALG = "ECDH"
CURVE = "Curve25519"
KEY_PARAMETERS = "Curve25519/32byte random key"
NONCE_BYTES = 32

P = 2**255 - 19
A = 486662
A_THIRD = (A * pow(3, -1, P)) % P  # x(Weierstrass) = u(Montgomery) + A/3


class KeyFormatError(ValueError):
    """A public key or nonce we cannot read."""


@dataclass(frozen=True)
class PeerKey:
    """A requester's public key, as a Montgomery u coordinate, and how it was written."""

    u: int
    fidelius: bool  # written as a Weierstrass point (NHA's Fidelius) rather than raw X25519


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError) as error:
        raise KeyFormatError("not base64") from error


def _der_item(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER item at `at`."""
    if at + 2 > len(data):
        raise KeyFormatError("truncated DER")
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise KeyFormatError("bad DER length")
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + length > len(data):
        raise KeyFormatError("truncated DER")
    return tag, at, at + length


def _spki_key_bits(data: bytes) -> bytes:
    """The subjectPublicKey of an X.509 SubjectPublicKeyInfo (SEQUENCE {alg, BIT STRING})."""
    tag, start, end = _der_item(data, 0)
    if tag != 0x30:
        raise KeyFormatError("not a SubjectPublicKeyInfo")
    tag, _algorithm_start, algorithm_end = _der_item(data, start)
    if tag != 0x30:
        raise KeyFormatError("not a SubjectPublicKeyInfo")
    tag, bits_start, bits_end = _der_item(data, algorithm_end)
    if tag != 0x03 or bits_end != end or data[bits_start] != 0:
        raise KeyFormatError("not a SubjectPublicKeyInfo")
    return data[bits_start + 1 : bits_end]


def _on_weierstrass_curve(x: int, y: int) -> bool:
    # y^2 = u^3 + A u^2 + u with u = x - A/3 (the Montgomery equation, B = 1)
    u = (x - A_THIRD) % P
    return (y * y - (u * u * u + A * u * u + u)) % P == 0


def peer_key_read(key_value: str) -> PeerKey:
    """Read a requester's dhPublicKey.keyValue: 65-byte point, X.509 SPKI, or raw X25519."""
    data = _b64decode(key_value)
    if len(data) == 32:
        return PeerKey(u=int.from_bytes(data, "little") & ((1 << 255) - 1), fidelius=False)
    if data[:1] == b"\x30":
        data = _spki_key_bits(data)
        if len(data) == 32:  # an X25519 SPKI (OID 1.3.101.110)
            return PeerKey(u=int.from_bytes(data, "little") & ((1 << 255) - 1), fidelius=False)
    if len(data) != 65 or data[0] != 0x04:
        raise KeyFormatError("unsupported public key encoding")
    x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
    if x >= P or y >= P or not _on_weierstrass_curve(x, y):
        raise KeyFormatError("the point is not on Curve25519")
    return PeerKey(u=(x - A_THIRD) % P, fidelius=True)


def _sqrt(value: int) -> int:
    """A square root modulo P (P = 5 mod 8)."""
    root = pow(value, (P + 3) // 8, P)
    if (root * root - value) % P != 0:
        root = root * pow(2, (P - 1) // 4, P) % P
    if (root * root - value) % P != 0:
        raise KeyFormatError("not a square")
    return root


def weierstrass_point(u: int) -> bytes:
    """The uncompressed Weierstrass point (04 || X || Y) of a Montgomery u coordinate; either Y
    gives the same ECDH X coordinate, so the one chosen does not matter."""
    v = _sqrt((u * u * u + A * u * u + u) % P)
    x = (u + A_THIRD) % P
    return b"\x04" + x.to_bytes(32, "big") + v.to_bytes(32, "big")


@dataclass(frozen=True)
class SenderKeys:
    """Our key pair and nonce for one transfer."""

    private_key: X25519PrivateKey
    nonce: str  # base64 of 32 random bytes

    @classmethod
    def generate(cls) -> SenderKeys:
        return cls(
            private_key=X25519PrivateKey.generate(),
            nonce=base64.b64encode(os.urandom(NONCE_BYTES)).decode(),
        )

    @property
    def u(self) -> int:
        return int.from_bytes(self.private_key.public_key().public_bytes_raw(), "little")

    def public_key_value(self, *, fidelius: bool) -> str:
        if fidelius:
            return base64.b64encode(weierstrass_point(self.u)).decode()
        return base64.b64encode(self.private_key.public_key().public_bytes_raw()).decode()

    def private_key_value(self) -> str:
        raw = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return base64.b64encode(raw).decode()


def shared_secret(private_key: X25519PrivateKey, peer: PeerKey) -> bytes:
    """ECDH. Fidelius: the big-endian Weierstrass X (BouncyCastle pads it to 32 bytes)."""
    peer_key = X25519PublicKey.from_public_bytes(peer.u.to_bytes(32, "little"))
    try:
        secret = private_key.exchange(peer_key)  # the X25519 output, little-endian u
    except ValueError as error:  # a low-order point: no shared secret
        raise KeyFormatError("unusable public key") from error
    if not peer.fidelius:
        return secret
    x = (int.from_bytes(secret, "little") + A_THIRD) % P
    return x.to_bytes(32, "big")


def _salt_and_iv(sender_nonce: str, requester_nonce: str) -> tuple[bytes, bytes]:
    sender, requester = _b64decode(sender_nonce), _b64decode(requester_nonce)
    if len(sender) != NONCE_BYTES or len(requester) != NONCE_BYTES:
        raise KeyFormatError("a nonce is 32 bytes")
    xor = bytes(a ^ b for a, b in zip(sender, requester, strict=True))
    return xor[:20], xor[-12:]


def session_key(secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=None).derive(secret)


def encrypt_with_secret(
    plaintext: bytes, *, secret: bytes, sender_nonce: str, requester_nonce: str
) -> str:
    salt, iv = _salt_and_iv(sender_nonce, requester_nonce)
    return base64.b64encode(AESGCM(session_key(secret, salt)).encrypt(iv, plaintext, None)).decode()


def decrypt_with_secret(
    content: str, *, secret: bytes, sender_nonce: str, requester_nonce: str
) -> bytes:
    salt, iv = _salt_and_iv(sender_nonce, requester_nonce)
    try:
        return AESGCM(session_key(secret, salt)).decrypt(iv, _b64decode(content), None)
    except InvalidTag as error:
        raise KeyFormatError("the content does not decrypt with these keys") from error


def encrypt(
    plaintext: bytes, *, sender: SenderKeys, requester_key: PeerKey, requester_nonce: str
) -> str:
    secret = shared_secret(sender.private_key, requester_key)
    return encrypt_with_secret(
        plaintext, secret=secret, sender_nonce=sender.nonce, requester_nonce=requester_nonce
    )


def decrypt(
    content: str,
    *,
    requester_private_key: X25519PrivateKey,
    sender_key_value: str,
    sender_nonce: str,
    requester_nonce: str,
) -> bytes:
    """The requester's side (tests, and a future HIU role)."""
    secret = shared_secret(requester_private_key, peer_key_read(sender_key_value))
    return decrypt_with_secret(
        content, secret=secret, sender_nonce=sender_nonce, requester_nonce=requester_nonce
    )


def checksum(plaintext: bytes) -> str:
    """Entry checksum: base64 of the MD5 of the plaintext (as dimagi's HIP does; ABDM's schema
    says only "checksum"). MD5 here is an integrity hint, not a security control."""
    return base64.b64encode(hashlib.md5(plaintext, usedforsecurity=False).digest()).decode()
