"""The mirror and a file deleted on the network: its tombstone is mirrored, its copy kept."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from canet_client.mirror import Mirror

from tests.client.conftest import World, case_fields


async def test_a_deleted_file_is_not_fetched_and_its_earlier_copy_stays(
    world: World, tmp_path: Path
) -> None:
    with world.sdk(world.fr) as fr:
        case = fr.cases.create(**case_fields(world.ita))
        fr.cases.submit(case.id)
        source = tmp_path / "statement.txt"
        source.write_bytes(b"statement of the witness\n" * 100)
        first = fr.cases.upload(case.id, source)
        source.write_bytes(b"sent by mistake\n" * 100)
        second = fr.cases.upload(case.id, source)
    root = tmp_path / "mirror"
    async with world.async_sdk(world.it) as it:
        await Mirror(it, root).mirror_case(case.id, since_event=0)
    files = root / "cases" / case.id / "attachments"
    assert sorted(p.name for p in files.iterdir()) == sorted(
        [f"{first.id}_statement.txt", f"{second.id}_statement.txt"]
    )

    async with httpx.AsyncClient(base_url=world.url) as raw:
        for attachment in (first, second):
            deleted = await raw.request(
                "DELETE",
                f"/api/v1/cases/{case.id}/attachments/{attachment.id}",
                json={"reason": "sent by mistake"},
                headers=world.fr.headers,
            )
            assert deleted.status_code == 200, deleted.text
    (files / f"{second.id}_statement.txt").unlink()  # as if never mirrored

    async with world.async_sdk(world.it) as it:
        await Mirror(it, root).mirror_case(case.id, since_event=1)
    assert [p.name for p in files.iterdir()] == [f"{first.id}_statement.txt"]
    mirrored = json.loads((root / "cases" / case.id / "case.json").read_text())
    tombstones = {a["id"]: a for a in mirrored["attachments"]}
    assert {a["deleted"]["reason"] for a in tombstones.values()} == {"sent by mistake"}
    assert tombstones[first.id]["file"] == f"attachments/{first.id}_statement.txt"
    assert "file" not in tombstones[second.id]
