"""`canet-client sync`: 50 cases with files, killed (-9) mid-way, resumed, exactly right."""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.client.conftest import CLI, World, case_fields, cli_env

CASES = 50


def _exhibit(n: int) -> bytes:
    return f"Exhibit {n}: account statements, page after page.\n".encode() * (200 + 37 * n)


def _mirrored(root: Path) -> list[Path]:
    return sorted((root / "cases").glob("*/case.json"))


def _sync(env: dict[str, str], root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "--json", "sync", "--dir", str(root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_sync_mirrors_resumes_after_kill_and_ends_exact(world: World, tmp_path: Path) -> None:
    async with world.async_sdk(world.fr) as fr:

        async def one(n: int) -> str:
            case = await fr.cases.create(**case_fields(world.ita, title=f"Sync case {n}"))
            await fr.cases.upload(case.id, _exhibit(n), filename=f"exhibit-{n}.txt")
            if n % 2:
                await fr.cases.submit(case.id)
            return case.id

        created: list[str] = []
        for start in range(0, CASES, 10):
            created += await asyncio.gather(*(one(n) for n in range(start, start + 10)))

        config = tmp_path / "canet.toml"
        config.write_text(
            f'[profiles.default]\nbase_url = "{world.url}"\ntoken_env = "SYNC_TOKEN"\n'
        )
        env = cli_env(tmp_path, CANET_CLIENT_CONFIG=str(config), SYNC_TOKEN=world.fr.token)
        root = tmp_path / "mirror"

        # First run, killed without warning once it is well under way.
        first = _sync(env, root)
        deadline = time.monotonic() + 60
        while len(_mirrored(root)) < 10 and first.poll() is None:
            assert time.monotonic() < deadline, "sync made no progress"
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        _, first_err = first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL, first_err
        partial = len(_mirrored(root))
        assert 10 <= partial < CASES

        # Meanwhile the cases move on: a message, a new file, a new case.
        await fr.cases.post_message(created[0], "Any news?")
        await fr.cases.upload(created[1], b"a second file\n", filename="second.txt")
        late = await fr.cases.create(**case_fields(world.ita, title="Late case"))
        await fr.cases.upload(late.id, _exhibit(99), filename="late.txt")
        created.append(late.id)

        # Resumed: it ends with every case exactly once and every file right.
        second = _sync(env, root)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        report = json.loads(out)
        assert report["cases_skipped"] == partial  # what the killed run finished stays

        listed = {c.id async for c in fr.cases.list(limit=100)}
        assert listed == set(created)
        files = _mirrored(root)
        assert sorted(p.parent.name for p in files) == sorted(created)
        for path in files:
            data: dict[str, Any] = json.loads(path.read_text())
            assert data["case"]["id"] == path.parent.name
            server = {a.id: a.sha256 for a in await fr.cases.attachments(path.parent.name)}
            assert {a["id"]: a["sha256"] for a in data["attachments"]} == server
            on_disk = sorted((path.parent / "attachments").iterdir())
            assert len(on_disk) == len(server)
            for attachment in data["attachments"]:
                content = (path.parent / attachment["file"]).read_bytes()
                assert hashlib.sha256(content).hexdigest() == attachment["sha256"]
        first_case = json.loads((root / "cases" / created[0] / "case.json").read_text())
        assert [m["body"] for m in first_case["messages"]] == ["Any news?"]
        assert len(json.loads((root / "cases" / created[1] / "case.json").read_text())[
            "attachments"]) == 2  # fmt: skip
        assert not list(root.glob("**/.*.tmp")) and not list(root.glob("**/.*.part"))
        state = json.loads((root / ".canet-sync" / "state.json").read_text())
        assert state["phase"] == "incremental"
        assert state["last_event_id"] >= (await fr.events.poll(None, 0)).last_id - 0

        # Nothing changed: a third run writes nothing.
        third = _sync(env, root)
        out, err = third.communicate(timeout=60)
        assert third.returncode == 0, err
        assert json.loads(out)["cases_written"] == 0

        # Following the live stream (the websocket): a new message shows up in the mirror.
        follower = subprocess.Popen(
            [*CLI, "sync", "--dir", str(root), "--follow"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert follower.stderr is not None
            while "following the event stream" not in (line := follower.stderr.readline()):
                assert line, follower.communicate()[1]  # it ended before following
            await fr.cases.post_message(created[2], "Followed live")
            target = root / "cases" / created[2] / "case.json"
            deadline = time.monotonic() + 30
            while "Followed live" not in target.read_text():
                assert follower.poll() is None, follower.communicate()[1]
                assert time.monotonic() < deadline, "the follower did not mirror the message"
                await asyncio.sleep(0.05)
        finally:
            follower.kill()
            follower.communicate(timeout=10)
