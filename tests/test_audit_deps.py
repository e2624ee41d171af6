"""The dependency audit's acceptance file: a finding is ignored only with a reason and an
expiry that has not passed (make audit-deps itself needs the internet; see the Makefile)."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / ".ci" / "audit_deps.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_acceptances_are_complete_and_current() -> None:
    _, problems = _module().accepted_ids(date.today())
    assert problems == []


def test_an_acceptance_without_reason_or_past_its_expiry_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = _module()
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(
        '[[accepted]]\nid = "GHSA-1"\nreason = "not reachable"\nexpires = 2027-01-01\n'
        '[[accepted]]\nid = "GHSA-2"\nreason = "old"\nexpires = 2026-01-01\n'
        '[[accepted]]\nid = "GHSA-3"\nexpires = 2027-01-01\n'
    )
    monkeypatch.setattr(audit, "ACCEPTED", accepted)
    ignore, problems = audit.accepted_ids(date(2026, 12, 6))
    assert ignore == ["GHSA-1"]
    assert len(problems) == 2
    assert "GHSA-2" in problems[0] and "expired" in problems[0]
