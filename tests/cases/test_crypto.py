"""Streaming AES-GCM: round trips in any chunking; tampering, truncation and keys detected."""

from __future__ import annotations

import os
import uuid

import pytest

from app.cases.crypto import (
    SEGMENT,
    DecryptionError,
    StreamDecryptor,
    StreamEncryptor,
    Vault,
    file_key,
    new_data_key,
)
from app.cases.upload import sanitize_filename
from app.config import Settings


def _encrypt(key: bytes, data: bytes, piece: int) -> bytes:
    enc = StreamEncryptor(key)
    out = b"".join(enc.update(data[i : i + piece]) for i in range(0, len(data), piece))
    return out + enc.finish()


def _decrypt(key: bytes, blob: bytes, piece: int) -> bytes:
    dec = StreamDecryptor(key)
    out = b"".join(dec.update(blob[i : i + piece]) for i in range(0, len(blob), piece))
    return out + dec.finish()


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17])
@pytest.mark.parametrize("piece", [1000, SEGMENT, 300_000])
def test_round_trip(size: int, piece: int) -> None:
    key = os.urandom(32)
    data = os.urandom(size)
    blob = _encrypt(key, data, piece)
    assert data == _decrypt(key, blob, 7919)
    if size >= 32:
        assert data[:32] not in blob


def test_truncation_tampering_and_wrong_key_fail() -> None:
    key = os.urandom(32)
    blob = _encrypt(key, os.urandom(3 * SEGMENT), 50_000)
    with pytest.raises(DecryptionError):
        _decrypt(key, blob[: -(SEGMENT + 16)], 4096)  # whole last segment dropped
    flipped = bytearray(blob)
    flipped[100] ^= 1
    with pytest.raises(DecryptionError):
        _decrypt(key, bytes(flipped), 4096)
    with pytest.raises(DecryptionError):
        _decrypt(os.urandom(32), blob, 4096)


def test_data_keys_are_wrapped_per_case(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, data_dir=tmp_path, env="test")  # type: ignore[call-arg]
    vault = Vault(settings)
    assert (tmp_path / "storage_master_key").exists()
    assert Vault(settings).master == vault.master  # generated once, then reused
    case_a, case_b = uuid.uuid4(), uuid.uuid4()
    data_key = new_data_key()
    wrapped = vault.wrap(data_key, case_a)
    assert data_key not in wrapped
    assert vault.unwrap(wrapped, case_a, vault.master_id) == data_key
    with pytest.raises(DecryptionError):
        vault.unwrap(wrapped, case_b, vault.master_id)  # bound to its case
    other = Vault(
        Settings(_env_file=None, data_dir=tmp_path, env="test", storage_master_key="x" * 40)  # type: ignore[call-arg]
    )
    with pytest.raises(DecryptionError):
        other.unwrap(wrapped, case_a, vault.master_id)
    assert file_key(data_key, case_a) != file_key(data_key, case_b)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.exe", "evil.exe"),
        ("a<b>:c|d?.txt", "a_b_c_d_.txt"),
        ("  ..  ", "attachment"),
        (None, "attachment"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_filenames_are_sanitised(raw: str | None, clean: str) -> None:
    assert sanitize_filename(raw) == clean
