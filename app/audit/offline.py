"""The offline verifier: an exported JSONL range plus checkpoints, the public key, nothing else.

Each line must hash to its own `hash` from its `prev_hash`; consecutive seqs must link; and a
line is *anchored* when a signed checkpoint at or after it in the same unbroken run matches
the recomputed hash (the signature then vouches for every line before it in that run).
Memory stays constant in the number of lines: the file is read twice, once for the
checkpoint lines (`{"checkpoint": "<text>"}`) and once for the entries. After a key rotation
the verifier is given every key (the current and the previous ones); a checkpoint under a key
it was not given is a problem, as it anchors nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.chain import GENESIS_HASH, link_hash, record_of
from app.audit.signing import (
    CheckpointFormatError,
    KeySet,
    SignedCheckpoint,
    key_set,
    parse_checkpoints,
)


@dataclass
class OfflineReport:
    ok: bool = True
    lines: int = 0
    anchored: int = 0
    unanchored: int = 0
    checkpoints: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, problem: str) -> None:
        self.ok = False
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq
        if len(self.problems) < 100:
            self.problems.append(problem)

    def summary(self) -> str:
        verdict = "OK" if self.ok and self.anchored else "FAILED"
        text = (
            f"{verdict}: {self.lines} entries, {self.anchored} anchored by "
            f"{self.checkpoints} valid checkpoints, {self.unanchored} not covered by any"
        )
        if self.first_bad_seq is not None:
            text += f"; first bad seq {self.first_bad_seq}"
        if self.ok and not self.anchored:
            text += "; no signed checkpoint falls inside the range, so nothing is proven"
        return text


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, json.loads(line)


def _load_checkpoints(
    report: OfflineReport,
    path: Path,
    extra: list[SignedCheckpoint],
    keys: KeySet,
) -> dict[int, str]:
    found = list(extra)
    for _, obj in _json_lines(path):
        if "checkpoint" in obj:
            found.extend(parse_checkpoints(str(obj["checkpoint"])))
    anchors: dict[int, str] = {}
    for checkpoint in found:
        public_key = keys.get(checkpoint.key_id)
        if public_key is None:
            report.fail(
                None,
                f"checkpoint for seq {checkpoint.seq}: signed by key {checkpoint.key_id}, "
                "which is not among the keys given (add it with --public-key)",
            )
        elif not checkpoint.verify(public_key):
            report.fail(None, f"checkpoint for seq {checkpoint.seq}: signature invalid")
        elif anchors.setdefault(checkpoint.seq, checkpoint.hash) != checkpoint.hash:
            report.fail(checkpoint.seq, f"two signed checkpoints disagree on seq {checkpoint.seq}")
        else:
            report.checkpoints += 1
    return anchors


def verify_file(
    path: Path,
    public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    *,
    checkpoints_text: str | None = None,
) -> OfflineReport:
    """Check an export (JSONL) against its checkpoints with the public keys alone."""
    report = OfflineReport()
    keys = key_set(public_keys)
    try:
        extra = parse_checkpoints(checkpoints_text) if checkpoints_text else []
    except CheckpointFormatError as exc:
        report.fail(None, str(exc))
        return report
    anchors = _load_checkpoints(report, path, extra, keys)
    prev_seq: int | None = None
    prev_hash = ""
    run_start, pending = 0, 0
    for number, obj in _json_lines(path):
        if "checkpoint" in obj:
            continue
        try:
            seq = int(obj["seq"])
            computed = link_hash(str(obj["prev_hash"]), record_of(seq, obj))
        except (KeyError, TypeError, ValueError) as exc:
            report.fail(None, f"line {number}: not an audit entry ({exc})")
            continue
        report.lines += 1
        if computed != obj["hash"]:
            report.fail(seq, f"seq {seq}: the entry does not match its hash")
        if seq == 1 and obj["prev_hash"] != GENESIS_HASH:
            report.fail(seq, "seq 1 does not start from the genesis hash")
        if prev_seq is not None and seq <= prev_seq:
            report.fail(seq, f"seq {seq} follows {prev_seq}: lines out of order")
        elif prev_seq is not None and seq == prev_seq + 1:
            if obj["prev_hash"] != prev_hash:
                report.fail(seq, f"seq {seq} does not link to seq {prev_seq}")
        else:
            # A gap (a filtered export) starts a new run: nothing links across it.
            report.unanchored += pending
            run_start, pending = seq, 0
        pending += 1
        if seq in anchors:
            if anchors[seq] == computed:
                report.anchored += pending
                pending = 0
            else:
                report.fail(run_start, f"seq {seq} does not match its signed checkpoint")
        prev_seq, prev_hash = seq, str(obj["hash"])
    report.unanchored += pending
    return report
