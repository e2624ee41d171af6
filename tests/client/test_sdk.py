"""The SDK against a real server: sign-in, cases, files, pages, retries, errors."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import httpx
import pytest
from canet_client import (
    AsyncCanetClient,
    CanetClient,
    Conflict,
    FileTokenStore,
    Forbidden,
    IntegrityError,
    NotFound,
    PersonCredentials,
    RetryPolicy,
    StaticToken,
    TransportError,
    Unauthorized,
    ValidationFailed,
)
from canet_client.transfer import DownloadSink, FileUpload
from sqlalchemy import func, select

from app.db import Database
from app.models.audit import AuditEntry
from app.models.cases import Case as CaseRow
from tests.client.conftest import World, case_fields
from tests.client.proxy import Proxy

FAST = RetryPolicy(attempts=4, base=0.05, cap=0.2)


def _text_file(size: int, seed: str = "x") -> bytes:
    line = f"{seed} mutual legal assistance, exhibit line {{n:06d}}\n"
    out = io.StringIO()
    n = 0
    while out.tell() < size:
        out.write(line.format(n=n))
        n += 1
    return out.getvalue().encode()[:size]


async def _cases_in_db(db: Database, title: str) -> int:
    # On a connection of its own: the test's session keeps its loaded rows unexpired.
    async with db.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.title == title)
        )
    return int(count or 0)


# --- sign-in ----------------------------------------------------------------------------------


async def test_a_person_signs_in_with_password_and_totp_and_tokens_renew(
    world: World, tmp_path: Path
) -> None:
    asked: list[str] = []

    def totp() -> str:
        asked.append("code")
        return world.person.code()

    store = FileTokenStore(tmp_path / "tokens.json")
    credentials = PersonCredentials(
        world.person.email, world.person.password, totp, token_store=store
    )
    with CanetClient(world.url, credentials, retry=FAST) as client:
        me = client.me()
        assert me.email == world.person.email
        assert me.authority is not None and me.authority.id == str(world.fra.id)
        assert asked == ["code"]
        first = client._session.tokens
        assert first is not None and first.refresh_token
        assert store.load() == first  # kept for the next run

        # A token the server no longer accepts: one 401, the refresh token renews it, the
        # call goes through, and no TOTP code is asked.
        first.access_token = "not-a-token"
        assert client.me().id == me.id
        second = client._session.tokens
        assert second is not None and second.refresh_token != first.refresh_token
        assert asked == ["code"]

        # Shortly before expiry the client renews by itself, before the server refuses.
        second.renew_at = 0
        assert client.me().id == me.id
        third = client._session.tokens
        assert third is not None and third.refresh_token not in (
            first.refresh_token,
            second.refresh_token,
        )
        assert asked == ["code"]

    # The next runs start from the kept tokens: no password, no code. Two of them at once
    # (two commands sharing the cache): when one has renewed, the other takes the new pair
    # instead of spending the spent refresh token again (which would end the session).
    one = PersonCredentials(world.person.email, None, None, token_store=store)
    two = PersonCredentials(world.person.email, None, None, token_store=store)
    with CanetClient(world.url, one) as a, CanetClient(world.url, two) as b:
        assert a.me().id == me.id and b.me().id == me.id
        for client in (a, b):
            kept = client._session.tokens
            assert kept is not None
            kept.renew_at = 0
            assert client.me().id == me.id
        assert a._session.tokens == b._session.tokens == store.load()
        assert a.me().id == me.id

    # The async client awaits an async prompt (the next step's code is accepted too).
    async def prompt() -> str:
        return world.person.code(offset=1)

    credentials = PersonCredentials(world.person.email, world.person.password, prompt)
    async with AsyncCanetClient(world.url, credentials) as client:
        assert (await client.me()).email == world.person.email

    # A wrong code is refused: Unauthorized, with the problem's members.
    wrong = PersonCredentials(world.person.email, world.person.password, lambda: "000000")
    with CanetClient(world.url, wrong, retry=FAST) as client, pytest.raises(Unauthorized) as no:
        client.me()
    assert no.value.status == 401 and no.value.type.startswith("urn:canet:problem:")


# --- cases ------------------------------------------------------------------------------------


async def test_create_submit_message_attach_download(
    world: World, tmp_path: Path, db: Database
) -> None:
    content = _text_file(700_000, "evidence")
    source = tmp_path / "bank-statement.txt"
    source.write_bytes(content)
    uploads: list[tuple[int, int | None]] = []
    downloads: list[tuple[int, int | None]] = []
    with world.sdk(world.fr) as fr, world.sdk(world.it) as it:
        draft = fr.cases.create(**case_fields(world.ita))
        assert draft.status == "draft" and draft.side == "requesting"
        assert "submit" in draft.allowed_actions
        submitted = fr.cases.submit(draft.id)
        assert submitted.status == "submitted"

        message = fr.cases.post_message(draft.id, "Please find the statements attached.")
        attachment = fr.cases.upload(
            draft.id, source, handling_code="H1", progress=lambda d, t: uploads.append((d, t))
        )
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert attachment.size == len(content)
        assert attachment.filename == "bank-statement.txt"
        assert uploads[-1] == (len(content), len(content))
        assert len(uploads) > 2  # streamed in chunks

        # The other side reads it all.
        seen = it.cases.get(draft.id)
        assert seen.side == "requested" and "acknowledge" in seen.allowed_actions
        assert [m.id for m in it.cases.messages(draft.id)] == [message.id]
        target = tmp_path / "down" / "statement.txt"
        result = it.cases.download(
            draft.id, attachment.id, target, progress=lambda d, t: downloads.append((d, t))
        )
        assert target.read_bytes() == content
        assert result.sha256 == attachment.sha256 and result.size == len(content)
        assert downloads[-1] == (len(content), len(content))
        assert not list(target.parent.glob(".*.part"))

        # Into an open file too.
        buffer = io.BytesIO()
        it.cases.download(draft.id, attachment.id, buffer)
        assert buffer.getvalue() == content

        acknowledged = it.cases.transition(draft.id, "acknowledge", note="Received, thank you.")
        assert acknowledged.status == "acknowledged"
        export = it.cases.export(draft.id)
        assert export.case.id == draft.id
        assert [a.sha256 for a in export.attachments] == [attachment.sha256]
        assert [m.body for m in export.messages] == ["Please find the statements attached."]
        assert {e.to_status for e in export.timeline} >= {"draft", "submitted", "acknowledged"}
        timeline = it.cases.timeline(draft.id)
        assert [e.id for e in timeline] == [e.id for e in export.timeline]

    # Audited like any member's calls: the creation, the reads of its content.
    async with db.engine.connect() as conn:
        rows = await conn.execute(select(AuditEntry.action).where(AuditEntry.target_id == draft.id))
        actions = set(rows.scalars().all())
    assert actions >= {
        "case.created",
        "case.transitioned",
        "case.messages.viewed",
        "case.timeline.viewed",
        "case.exported",
    }, actions


def test_files_whose_digest_does_not_match_are_refused(tmp_path: Path) -> None:
    upload = FileUpload(b"what was sent\n", filename="sent.txt")
    assert b"".join(upload).endswith(b"--\r\n")
    upload.check(hashlib.sha256(b"what was sent\n").hexdigest())
    with pytest.raises(IntegrityError):
        upload.check(hashlib.sha256(b"what the server stored\n").hexdigest())

    target = tmp_path / "file.bin"
    sink = DownloadSink(target, expected_sha256="0" * 64, total=3)
    sink.feed(b"abc")
    with pytest.raises(IntegrityError) as caught:
        sink.finish()
    assert caught.value.actual == hashlib.sha256(b"abc").hexdigest()
    assert not target.exists()
    assert not list(tmp_path.iterdir())  # no temporary file left


async def test_lists_are_iterators_over_every_page(world: World) -> None:
    with world.sdk(world.fr) as fr:
        created = {
            fr.cases.create(**case_fields(world.ita, title=f"Case {n}")).id for n in range(7)
        }
        pages = list(fr.cases.list(limit=3).pages())
        assert [len(p) for p in pages] == [3, 3, 1]
        listed = [c.id for c in fr.cases.list(limit=3)]
        assert len(listed) == 7 and set(listed) == created
        assert len(list(fr.cases.list(limit=3, max_items=4))) == 4
    async with world.async_sdk(world.fr) as afr:
        listed = [c.id async for c in afr.cases.list(limit=2)]
        assert len(listed) == 7 and set(listed) == created
        case = await afr.cases.submit(listed[0])
        assert case.status == "submitted"
        attachment = await afr.cases.upload(case.id, b"plain text exhibit\n", filename="a.txt")
        buffer = io.BytesIO()
        result = await afr.cases.download(case.id, attachment.id, buffer)
        assert buffer.getvalue() == b"plain text exhibit\n"
        assert result.sha256 == attachment.sha256


# --- retries and idempotency ------------------------------------------------------------------


def _is_create(request: bytes) -> bool:
    return request.startswith(b"POST /api/v1/cases ")


def _is_upload(request: bytes) -> bool:
    return b"/attachments " in request.split(b"\r\n")[0]


def _is_transition(request: bytes) -> bool:
    return b"/transitions " in request.split(b"\r\n")[0]


def _through(proxy: Proxy, world: World) -> CanetClient:
    # One connection per request, so the proxy sees (and can break) each request.
    http = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=30)
    return CanetClient(proxy.url, StaticToken(world.fr.token), retry=FAST, http=http)


async def test_retries_never_create_twice(
    world: World, proxy: Proxy, db: Database, tmp_path: Path
) -> None:
    key = str(uuid.uuid4())
    with world.sdk(world.fr) as fr:
        first = fr.cases.create(**case_fields(world.ita, title="Once only"), idempotency_key=key)
        second = fr.cases.create(**case_fields(world.ita, title="Once only"), idempotency_key=key)
        assert first.id == second.id
    assert await _cases_in_db(db, "Once only") == 1

    # The server creates the case, the answer is lost on the way: the client sends the
    # request again with the same key and gets the same case.
    proxy.lose_answer(_is_create)
    with _through(proxy, world) as fr:
        case = fr.cases.create(**case_fields(world.ita, title="Lost answer"))
    assert proxy.lost_answers == 1
    assert await _cases_in_db(db, "Lost answer") == 1
    with world.sdk(world.fr) as direct:
        assert direct.cases.get(case.id).title == "Lost answer"

    # 503 twice (Retry-After: 0): retried with backoff, created once.
    proxy.answer_503(_is_create)
    proxy.answer_503(_is_create)
    with _through(proxy, world) as fr:
        assert fr.cases.create(**case_fields(world.ita, title="After 503")).title == "After 503"
    assert proxy.answered_503 == 2
    assert await _cases_in_db(db, "After 503") == 1

    # A transition carries no key: after a lost answer it is not sent again (it could act
    # twice); the failure is reported and the case shows what happened.
    proxy.lose_answer(_is_transition)
    with _through(proxy, world) as fr, pytest.raises(TransportError):
        fr.cases.submit(case.id)
    with world.sdk(world.fr) as direct:
        assert direct.cases.get(case.id).status == "submitted"

    # An upload whose answer is lost is sent again, file and key, and stored once.
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"Letter of request, annex 1.\n" * 2000)
    proxy.lose_answer(_is_upload)
    with _through(proxy, world) as fr:
        uploaded = fr.cases.upload(case.id, letter)
    assert proxy.lost_answers == 3  # the create, the transition, the upload
    with world.sdk(world.fr) as direct:
        stored = [a for a in direct.cases.attachments(case.id) if a.filename == "letter.txt"]
    assert [a.id for a in stored] == [uploaded.id]


# --- errors -----------------------------------------------------------------------------------


def test_problem_json_becomes_typed_exceptions(world: World) -> None:
    with world.sdk(world.fr) as fr, world.sdk(world.it) as it:
        with pytest.raises(NotFound) as missing:
            fr.cases.get(str(uuid.uuid4()))
        assert missing.value.status == 404
        assert missing.value.type.startswith("urn:canet:problem:")
        assert missing.value.title and missing.value.detail

        with pytest.raises(ValidationFailed) as invalid:
            fr.cases.create(**case_fields(world.ita, title=""))
        assert invalid.value.status == 422
        assert "title" in {e.field for e in invalid.value.errors}

        case = fr.cases.create(**case_fields(world.ita))
        fr.cases.submit(case.id)
        with pytest.raises(Conflict) as conflict:
            fr.cases.submit(case.id)
        assert conflict.value.status == 409 and conflict.value.code

        with pytest.raises(Forbidden) as forbidden:
            it.cases.transition(case.id, "withdraw")  # the requesting side's action
        assert forbidden.value.status == 403

        with pytest.raises(TypeError):  # caught before sending
            fr.cases.create(**case_fields(world.ita), colour="blue")

    forged = CanetClient(world.url, StaticToken("forged"), retry=FAST)
    with forged, pytest.raises(Unauthorized) as refused:
        forged.me()
    assert refused.value.status == 401  # the server's own problem, not the client's
    assert refused.value.type.startswith("urn:canet:problem:")
