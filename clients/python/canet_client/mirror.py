"""`canet-client sync`: mirror the cases the caller takes part in into a folder.

Layout under the folder:

    cases/<case id>/case.json                        the case file (GET /cases/{id}/export:
                                                     the case, timeline, messages, attachment
                                                     digests, participants), keys sorted
    cases/<case id>/attachments/<attachment id>_<filename>
                                                     (a file deleted or purged on the network
                                                     is not fetched; an earlier copy stays)
    .canet-sync/state.json                           where the mirror is in the event stream

How it stays right when interrupted at any point (kill -9 included):

- Every file is written to a temporary name in its folder, flushed and renamed over the
  target: a reader never sees half a file. Attachments are renamed into place only once
  their SHA-256 matches the server's, and before their case.json, so a case.json is only
  there once its attachments are.
- The first run records the event stream's head position *before* listing the cases, then
  mirrors every case (a "bootstrap"). Anything that changes meanwhile has an event after that
  head, which the incremental phase replays; so nothing is missed. Each case.json notes the
  position it is at least as new as (`_mirror.since_event`): a resumed bootstrap skips the
  cases it already mirrored.
- Afterwards it follows the event stream from the position in state.json, re-mirrors each
  case an event names, and only then writes the new position: a crash replays events, and
  replaying is harmless because mirroring a case rewrites it whole (idempotent).
- A lock file keeps two syncs off the same folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canet_client.aio import AsyncCanetClient
from canet_client.errors import Conflict, Gone, NotFound
from canet_client.models import STREAM_RESET, Event
from canet_client.transfer import Progress, sha256_of

STATE_VERSION = 1
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", re.split(r"[\\/]", name)[-1]).strip(" .")
    return name[:150] or "attachment"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself, durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def dump_json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@dataclass
class SyncState:
    last_event_id: int
    phase: str  # "bootstrap" | "incremental"
    bootstrap_from: int

    @classmethod
    def load(cls, path: Path) -> SyncState | None:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: unknown state version {data.get('version')!r}")
        return cls(
            last_event_id=int(data["last_event_id"]),
            phase=str(data["phase"]),
            bootstrap_from=int(data["bootstrap_from"]),
        )

    def save(self, path: Path) -> None:
        write_atomically(
            path,
            dump_json(
                {
                    "version": STATE_VERSION,
                    "last_event_id": self.last_event_id,
                    "phase": self.phase,
                    "bootstrap_from": self.bootstrap_from,
                }
            ),
        )


@dataclass
class SyncReport:
    cases_written: int = 0
    cases_skipped: int = 0
    attachments_downloaded: int = 0
    events_seen: int = 0
    not_visible: list[str] = field(default_factory=list)


class FolderLocked(Conflict):
    """Another sync is running on this folder."""


class Mirror:
    """Mirrors the caller's cases into `root` (see the module's description)."""

    def __init__(
        self,
        client: AsyncCanetClient,
        root: str | Path,
        *,
        log: Callable[[str], None] | None = None,
        progress: Callable[[str], Progress | None] | None = None,
    ) -> None:
        self.client = client
        self.root = Path(root)
        self.cases_dir = self.root / "cases"
        self.meta_dir = self.root / ".canet-sync"
        self.state_path = self.meta_dir / "state.json"
        self.log = log or (lambda _message: None)
        self.progress = progress
        self.report = SyncReport()

    # -- entry point -----------------------------------------------------------------------
    async def run(self, *, follow: bool = False, websocket: bool = True) -> SyncReport:
        with self._locked():
            self._remove_leftovers()
            state = SyncState.load(self.state_path)
            if state is None:
                state = await self._start_bootstrap()
            while True:
                if state.phase == "bootstrap":
                    await self._bootstrap(state)
                restart = await self._catch_up(state)
                if restart:
                    continue
                if not follow:
                    return self.report
                restart = await self._follow(state, websocket=websocket)
                if not restart:
                    return self.report

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        with (self.meta_dir / "lock").open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise FolderLocked(
                    f"another sync is running on {self.root}", title="Folder locked"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _remove_leftovers(self) -> None:
        """Temporary files of an interrupted run (never renamed into place)."""
        if not self.root.exists():
            return
        for pattern in ("**/.*.tmp", "**/.*.part"):
            for path in self.root.glob(pattern):
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- phases ----------------------------------------------------------------------------
    async def _start_bootstrap(self) -> SyncState:
        head = (await self.client.events.poll(None, 0)).last_id
        state = SyncState(last_event_id=head, phase="bootstrap", bootstrap_from=head)
        state.save(self.state_path)
        return state

    async def _bootstrap(self, state: SyncState) -> None:
        self.log(f"mirroring every case (stream position {state.bootstrap_from})")
        async for summary in self.client.cases.list(limit=100):
            if self._mirrored_since(summary.id) >= state.bootstrap_from:
                self.report.cases_skipped += 1
                continue
            await self.mirror_case(summary.id, since_event=state.bootstrap_from)
        state.phase = "incremental"
        state.save(self.state_path)

    async def _catch_up(self, state: SyncState) -> bool:
        """Replay events until the stream is idle; True if the mirror must bootstrap again."""
        while True:
            try:
                batch = await self.client.events.poll(state.last_event_id, 0)
            except Gone as exc:
                await self._restart(state, int(exc.extra.get("last_id", 0)))
                return True
            await self._apply(batch.events, batch.last_id, state)
            if not batch.events:
                return False

    async def _follow(self, state: SyncState, *, websocket: bool) -> bool:
        """Follow the live stream; True if the mirror must bootstrap again."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        stream = self.client.events.stream(after=state.last_event_id, websocket=websocket)
        self.log(f"following the event stream after position {state.last_event_id}")

        async def pump() -> None:
            async for event in stream:
                await queue.put(event)

        reader = asyncio.create_task(pump())
        try:
            while True:
                get = asyncio.create_task(queue.get())
                await asyncio.wait({get, reader}, return_when=asyncio.FIRST_COMPLETED)
                if not get.done():
                    get.cancel()
                    reader.result()  # the stream ended: raise what ended it
                    return False
                events = [get.result()]
                while not queue.empty():  # coalesce a burst: one mirror per case
                    events.append(queue.get_nowait())
                reset = next((e for e in events if e.event == STREAM_RESET), None)
                if reset is not None:
                    await self._restart(state, reset.id)
                    return True
                await self._apply(events, events[-1].id, state)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _restart(self, state: SyncState, head: int) -> None:
        self.log("the event position expired on the server: mirroring every case again")
        state.last_event_id = state.bootstrap_from = head
        state.phase = "bootstrap"
        state.save(self.state_path)

    async def _apply(self, events: list[Event], position: int, state: SyncState) -> None:
        self.report.events_seen += len(events)
        case_ids = list(dict.fromkeys(e.case_id for e in events if e.case_id))
        for case_id in case_ids:
            await self.mirror_case(case_id, since_event=position)
        if position > state.last_event_id or case_ids:
            state.last_event_id = max(state.last_event_id, position)
            state.save(self.state_path)

    # -- one case --------------------------------------------------------------------------
    def case_dir(self, case_id: str) -> Path:
        return self.cases_dir / safe_filename(case_id)

    def _mirrored_since(self, case_id: str) -> int:
        try:
            data = json.loads((self.case_dir(case_id) / "case.json").read_text())
            return int(data["_mirror"]["since_event"])
        except (OSError, ValueError, KeyError, TypeError):
            return -1

    async def mirror_case(self, case_id: str, *, since_event: int) -> None:
        """Write the case's file and its attachments, whole; idempotent."""
        try:
            export = await self.client.cases.export_raw(case_id)
        except NotFound:
            # No longer visible to us (an invitation ended): leave the last copy alone.
            self.report.not_visible.append(case_id)
            self.log(f"case {case_id} is no longer visible; its mirror is left as it was")
            return
        folder = self.case_dir(case_id)
        files = folder / "attachments"
        wanted: set[str] = set()
        for attachment in export.get("attachments", []):
            if attachment.get("deleted"):
                # Deleted or purged on the network (case.json keeps its tombstone): there is
                # nothing to download, and a copy mirrored before stays.
                earlier = sorted(files.glob(f"{attachment['id']}_*")) if files.exists() else []
                if earlier:
                    wanted.add(earlier[0].name)
                    attachment["file"] = f"attachments/{earlier[0].name}"
                continue
            name = f"{attachment['id']}_{safe_filename(attachment['filename'])}"
            wanted.add(name)
            attachment["file"] = f"attachments/{name}"
            target = files / name
            if target.exists() and sha256_of(target) == attachment["sha256"]:
                continue
            progress = self.progress(attachment["filename"]) if self.progress else None
            await self.client.cases.download(case_id, attachment["id"], target, progress=progress)
            self.report.attachments_downloaded += 1
        if files.exists():
            for path in files.iterdir():
                if path.name not in wanted:
                    path.unlink()
        export.pop("exported_at", None)
        export.pop("exported_by", None)
        export["_mirror"] = {"since_event": since_event}
        write_atomically(folder / "case.json", dump_json(export))
        self.report.cases_written += 1
        reference = export.get("case", {}).get("reference", case_id)
        self.log(f"mirrored {reference}")
