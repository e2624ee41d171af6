"""Ed25519 keys and the plain-text checkpoint format an outside party verifies.

A checkpoint reads:

    canet audit checkpoint v1
    seq: 1234
    hash: <64 hex digits: the chain hash at seq>
    time: 2026-11-29T01:23:45.123456Z
    key: <key id: first 32 hex digits of SHA-256 of the raw 32-byte public key>
    signature: <base64 Ed25519 signature of the five lines above, each ending in "\\n">

The key lives outside the database (CANET_AUDIT_SIGNING_KEY, or in development a file
generated once in the data directory), so someone who can rewrite the database cannot
sign a rewritten chain. After a rotation the checkpoints signed by earlier keys are verified
with their public keys, which come from configuration too (CANET_AUDIT_PREVIOUS_PUBLIC_KEYS):
a key named only in the database is never trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit.chain import format_time
from app.config import Settings

HEADER = "canet audit checkpoint v1"
KEY_FILE = "audit_signing_key"


class KeyFormatError(ValueError):
    """A signing or public key that cannot be read."""


def _decode_b64(text: str) -> bytes:
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError("not base64") from exc


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """A PEM (PKCS#8) private key, or the base64 of the 32-byte seed."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFormatError("CANET_AUDIT_SIGNING_KEY is not an Ed25519 key")
        return key
    seed = _decode_b64(text)
    if len(seed) != 32:
        raise KeyFormatError("CANET_AUDIT_SIGNING_KEY must be 32 bytes (base64) or a PEM key")
    return Ed25519PrivateKey.from_private_bytes(seed)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A PEM public key (what `canet audit public-key` prints), or base64 of the raw 32 bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFormatError("not an Ed25519 public key")
        return key
    raw = _decode_b64(text)
    if len(raw) != 32:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)


def parse_public_keys(text: str) -> list[Ed25519PublicKey]:
    """Every public key in `text`: PEM blocks (text around them, such as the `#` lines of
    `canet audit public-key`, is ignored), and base64 raw keys outside them, separated by
    commas or white space."""
    keys = [parse_public_key(match.group(0)) for match in _PEM_BLOCK.finditer(text)]
    rest = _PEM_BLOCK.sub(" ", text)
    for line in rest.splitlines():
        line = line.split("#", 1)[0]
        for token in line.replace(",", " ").split():
            keys.append(parse_public_key(token))
    return keys


KeySet = dict[str, Ed25519PublicKey]


def key_set(keys: Ed25519PublicKey | Iterable[Ed25519PublicKey]) -> KeySet:
    """Public keys by key id, in the order given (the current key first)."""
    if isinstance(keys, Ed25519PublicKey):
        keys = [keys]
    found: KeySet = {}
    for key in keys:
        found.setdefault(key_id(key), key)
    return found


def previous_public_keys(settings: Settings) -> list[Ed25519PublicKey]:
    """CANET_AUDIT_PREVIOUS_PUBLIC_KEYS: the retired signing keys verification still trusts."""
    text = settings.audit_previous_public_keys
    if not text or not text.strip():
        return []
    try:
        return parse_public_keys(text)
    except (KeyFormatError, ValueError) as exc:
        raise KeyFormatError(f"CANET_AUDIT_PREVIOUS_PUBLIC_KEYS: {exc}") from exc


def trusted_public_keys(settings: Settings) -> KeySet:
    """The keys whose checkpoints verify: the signing key's public half, then the previous."""
    return key_set([load_signing_key(settings).public_key(), *previous_public_keys(settings)])


def generate_private_key_text() -> str:
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(seed).decode()


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key, else (development, tests) one generated once in the data dir."""
    if settings.audit_signing_key is not None and settings.audit_signing_key.get_secret_value():
        return parse_private_key(settings.audit_signing_key.get_secret_value())
    return parse_private_key(settings.generated_secret(KEY_FILE, generate_private_key_text))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:32]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    seq: int
    hash: str
    time: str  # format_time() of the signing time
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return signed_message(self.seq, self.hash, self.time, self.key_id)

    def text(self) -> str:
        return self.message().decode() + f"signature: {self.signature}\n"

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        if self.key_id != key_id(public_key):
            return False
        try:
            public_key.verify(base64.b64decode(self.signature), self.message())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def signed_message(seq: int, hash_: str, time: str, key: str) -> bytes:
    return f"{HEADER}\nseq: {seq}\nhash: {hash_}\ntime: {time}\nkey: {key}\n".encode()


def sign_checkpoint(
    key: Ed25519PrivateKey, *, seq: int, hash_: str, at: datetime
) -> SignedCheckpoint:
    kid = key_id(key.public_key())
    time = format_time(at)
    signature = base64.b64encode(key.sign(signed_message(seq, hash_, time, kid))).decode()
    return SignedCheckpoint(seq=seq, hash=hash_, time=time, key_id=kid, signature=signature)


class CheckpointFormatError(ValueError):
    pass


def parse_checkpoints(text: str) -> list[SignedCheckpoint]:
    """Every checkpoint block in `text` (blank lines and `#` comments between them ignored)."""
    found: list[SignedCheckpoint] = []
    fields: dict[str, str] = {}
    in_block = False
    for line in text.splitlines():
        line = line.strip()
        if line == HEADER:
            fields, in_block = {}, True
            continue
        if not in_block or not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(": ")
        if not sep:
            raise CheckpointFormatError(f"unreadable checkpoint line: {line!r}")
        fields[name] = value
        if name == "signature":
            try:
                found.append(
                    SignedCheckpoint(
                        seq=int(fields["seq"]),
                        hash=fields["hash"],
                        time=fields["time"],
                        key_id=fields["key"],
                        signature=fields["signature"],
                    )
                )
            except (KeyError, ValueError) as exc:
                raise CheckpointFormatError(f"incomplete checkpoint: {fields}") from exc
            in_block = False
    return found
