"""Encryption at rest: a data key per case, wrapped by the storage master key.

- The master key comes from CANET_STORAGE_MASTER_KEY (any high-entropy string; a 32-byte key
  is derived from it with HKDF). In development, when unset, one is generated once into the
  data directory (`storage_master_key`, mode 0600), like the secret key.
- Each wrapped key records which master key wrapped it (a fingerprint). During a rotation the
  earlier master keys (CANET_STORAGE_MASTER_KEY_PREVIOUS) still unwrap the keys they wrapped,
  while new keys are wrapped only under the current one; `canet keys rotate storage-master`
  re-wraps the rest (app/cases/keys.py, docs/keys.md).
- Each case gets a random 256-bit data key, stored only wrapped (AES-GCM under the master
  key, bound to the case id), so a database dump plus the files reveal nothing without the
  master key.
- Each file is encrypted with a key derived (HKDF) from the case key and the attachment id,
  in 64 KiB segments (AES-GCM, the STREAM construction: nonce = random prefix, segment
  counter, last-segment flag), so uploads and downloads stream with bounded memory and a
  truncated, reordered or spliced file fails to decrypt.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import Settings, split_keys

MAGIC = b"CNE1"
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES
SEGMENT = 64 * 1024
TAG = 16
MASTER_KEY_FILE = "storage_master_key"


class DecryptionError(Exception):
    """The blob is corrupt, truncated, or was not encrypted under this key."""


def _hkdf(material: bytes, *, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"canet-storage", info=info).derive(
        material
    )


def master_key(settings: Settings) -> bytes:
    """The 32-byte master key (production: from configuration; development: from the data dir)."""
    secret = settings.storage_master_key
    if secret is not None and secret.get_secret_value():
        raw = secret.get_secret_value()
    else:
        raw = settings.generated_secret(MASTER_KEY_FILE)
    return derive_master_key(raw)


def derive_master_key(raw: str) -> bytes:
    return _hkdf(raw.encode(), info=b"master/v1")


def previous_master_keys(settings: Settings) -> list[bytes]:
    """The master keys of CANET_STORAGE_MASTER_KEY_PREVIOUS (being retired), derived."""
    return [derive_master_key(raw) for raw in split_keys(settings.storage_master_key_previous)]


def master_key_id(master: bytes) -> str:
    """A fingerprint naming the master key (safe to store)."""
    return hashlib.sha256(b"canet-master-key-id" + master).hexdigest()[:16]


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def wrap_data_key(master: bytes, data_key: bytes, case_id: uuid.UUID) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(master).encrypt(nonce, data_key, b"case-data-key:" + case_id.bytes)


def unwrap_data_key(master: bytes, wrapped: bytes, case_id: uuid.UUID) -> bytes:
    try:
        return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], b"case-data-key:" + case_id.bytes)
    except InvalidTag as exc:
        raise DecryptionError("the case key does not unwrap under this master key") from exc


def file_key(data_key: bytes, attachment_id: uuid.UUID) -> bytes:
    return _hkdf(data_key, info=b"attachment/v1:" + attachment_id.bytes)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Feed plaintext in any pieces; get ciphertext segments back (header first)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._prefix = secrets.token_bytes(PREFIX_BYTES)
        self._counter = 0
        self._buffer = bytearray()
        self._started = False

    def _segment(self, plain: bytes, last: bool) -> bytes:
        out = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, None)
        self._counter += 1
        return out

    def update(self, data: bytes) -> bytes:
        out = bytearray()
        if not self._started:
            out += MAGIC + self._prefix
            self._started = True
        self._buffer += data
        # Keep at least one byte back: only finish() knows which segment is the last.
        while len(self._buffer) > SEGMENT:
            out += self._segment(bytes(self._buffer[:SEGMENT]), last=False)
            del self._buffer[:SEGMENT]
        return bytes(out)

    def finish(self) -> bytes:
        out = bytearray()
        if not self._started:
            out += MAGIC + self._prefix
            self._started = True
        out += self._segment(bytes(self._buffer), last=True)
        self._buffer.clear()
        return bytes(out)


class StreamDecryptor:
    """Feed ciphertext in any pieces; get plaintext back; finish() checks the final segment."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._prefix: bytes | None = None
        self._counter = 0
        self._buffer = bytearray()

    def _open(self, segment: bytes, last: bool) -> bytes:
        assert self._prefix is not None
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), segment, None)
        except InvalidTag as exc:
            raise DecryptionError("segment failed authentication") from exc
        self._counter += 1
        return plain

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        if self._prefix is None:
            if len(self._buffer) < HEADER_BYTES:
                return b""
            if bytes(self._buffer[: len(MAGIC)]) != MAGIC:
                raise DecryptionError("not an encrypted canet blob")
            self._prefix = bytes(self._buffer[len(MAGIC) : HEADER_BYTES])
            del self._buffer[:HEADER_BYTES]
        out = bytearray()
        while len(self._buffer) > SEGMENT + TAG:
            out += self._open(bytes(self._buffer[: SEGMENT + TAG]), last=False)
            del self._buffer[: SEGMENT + TAG]
        return bytes(out)

    def finish(self) -> bytes:
        if self._prefix is None or len(self._buffer) < TAG:
            raise DecryptionError("truncated blob")
        plain = self._open(bytes(self._buffer), last=True)
        self._buffer.clear()
        return plain


class Vault:
    """The master keys of one process, derived once: the current one wraps, any unwraps."""

    def __init__(self, settings: Settings) -> None:
        self.master = master_key(settings)
        self.master_id = master_key_id(self.master)
        self._masters = {self.master_id: self.master}
        for previous in previous_master_keys(settings):
            self._masters.setdefault(master_key_id(previous), previous)

    @property
    def previous_ids(self) -> list[str]:
        """Fingerprints of the configured previous master keys."""
        return [kid for kid in self._masters if kid != self.master_id]

    def knows(self, master_id: str) -> bool:
        return master_id in self._masters

    def wrap(self, data_key: bytes, case_id: uuid.UUID) -> bytes:
        return wrap_data_key(self.master, data_key, case_id)

    def unwrap(self, wrapped: bytes, case_id: uuid.UUID, master_id: str) -> bytes:
        master = self._masters.get(master_id)
        if master is None:
            raise DecryptionError(
                "this case's key was wrapped by another master key "
                f"({master_id}); check CANET_STORAGE_MASTER_KEY and "
                "CANET_STORAGE_MASTER_KEY_PREVIOUS"
            )
        return unwrap_data_key(master, wrapped, case_id)

    def rewrap(self, wrapped: bytes, case_id: uuid.UUID, master_id: str) -> bytes:
        """The same data key, wrapped under the current master key."""
        return self.wrap(self.unwrap(wrapped, case_id, master_id), case_id)
