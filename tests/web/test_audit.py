"""The auditors' console in the browser (journey 5): an auditor finds the reads of a case in
the audit log, opens one, exports them as JSON lines, verifies the chain; a broken chain names
its first bad sequence number; members who are not auditors get the not-found page.

The case and its reads are made through the API, as the officers' own pages would make them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.offline import verify_file
from app.audit.signing import parse_public_key
from app.db import Database
from app.models.audit import AuditEntry
from tests.audit.helpers import entry_id_at, tamper
from tests.cases.conftest import case_payload
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_member
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)
READS = 30  # more than one page of the log (25), so that "Load more" has something to load
HEX64 = re.compile(r"^[0-9a-f]{64}$")


async def _api(server: Server, member: Member, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.http + "/api/v1") as client:
        response = await client.request(method, path, headers=member.headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


async def _sealed(server: Server, auditor: Member, **filters: str) -> list[dict[str, Any]]:
    """The matching entries once the server's sealer has chained them all (bounded wait)."""
    for _ in range(150):
        page = await _api(server, auditor, "GET", "/audit/events", params={**filters, "limit": 100})
        if page["items"] and all(item["seq"] is not None for item in page["items"]):
            return list(page["items"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"entries matching {filters} were not sealed")


async def _sign_checkpoint(server: Server, database_url: str) -> int:
    """What an operator runs, `canet audit checkpoint`, with the server's key: the head's seq."""
    env = os.environ | {
        "CANET_DATABASE_URL": database_url,
        # The server's data dir, where it keeps the signing key it generated.
        "CANET_DATA_DIR": str(server.log.parent),
        "CANET_SECRET_KEY": TEST_SECRET_KEY,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "audit", "checkpoint"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"^seq: (\d+)$", done.stdout, re.M)
    assert found, done.stdout
    return int(found.group(1))


async def _case_read_by_the_requested_side(
    server: Server, session: AsyncSession
) -> tuple[dict[str, Any], Member, Member]:
    """A request from France to Italy, submitted, then read by an Italian officer."""
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    requester = await make_member(session, authority=fra, full_name="Claire Martin")
    reader = await make_member(
        session, authority=ita, full_name="Marco Rossi", handle="marco.rossi"
    )
    auditor = await make_member(session, roles=["auditor"], full_name="Agnes Lindqvist")
    await session.commit()
    case = await _api(server, requester, "POST", "/cases", json=case_payload(ita))
    await _api(
        server, requester, "POST", f"/cases/{case['id']}/transitions", json={"action": "submit"}
    )
    for _ in range(READS):
        await _api(server, reader, "GET", f"/cases/{case['id']}")
    await _api(server, reader, "GET", f"/cases/{case['id']}/timeline")
    return case, reader, auditor


async def test_an_auditor_finds_the_reads_of_a_case_exports_them_and_verifies_the_chain(
    web_server: Server,
    database_url: str,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    case, reader, auditor = await _case_read_by_the_requested_side(web_server, session)
    case_id = case["id"]
    await _sealed(web_server, auditor, target_type="case", target_id=case_id)
    checkpoint_seq = await _sign_checkpoint(web_server, database_url)
    await sign_in(context, session, auditor)
    heading = page.locator("main h1")

    # The Audit entry of the navigation, for auditors.
    await page.goto(web_server.http + "/")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    await expect(heading).to_have_text("Audit log")
    await expect(page.locator(".audit-row").first).to_be_visible(timeout=LONG)
    await check_page(page, "audit-log")

    # Filter by action and target: the filters go into the address.
    await page.get_by_label("Action", exact=True).fill("case.viewed")
    await page.get_by_label("Target type").fill("case")
    await page.get_by_label("Target id").fill(case_id)
    filters = page.get_by_role("search", name="Filter the audit log")
    await filters.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(re.compile(r"/audit\?action=case\.viewed&target_type=case"))
    rows = page.locator(".audit-row")
    await expect(rows).to_have_count(25, timeout=LONG)
    await expect(page.get_by_role("status").filter(has_text="more below")).to_contain_text(
        "The newest 25 entries; more below. Filters: action starts with “case.viewed”"
    )
    await expect(rows.first).to_contain_text("By Marco Rossi (@marco.rossi)")
    await expect(rows.first).to_contain_text("Succeeded")
    await expect(rows.first).to_contain_text(f"About case {case_id}")
    await page.get_by_role("button", name="Load more entries").click()
    await expect(rows).to_have_count(READS, timeout=LONG)
    await expect(page.get_by_role("button", name="Load more entries")).to_have_count(0)
    await check_page(page, "audit-log-filtered")

    # The filtered view is an address: opened again, it has the same filters and entries.
    await page.reload()
    await expect(page.get_by_label("Target id")).to_have_value(case_id)
    await expect(page.get_by_label("Action", exact=True)).to_have_value("case.viewed")
    await expect(rows).to_have_count(25, timeout=LONG)

    # A malformed member id: the API's message, linked from the summary to the field.
    await page.get_by_label("Member id of the actor").fill("marco")
    await filters.get_by_role("button", name="Search").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    await expect(summary).to_contain_text("Member id of the actor: Enter an id like")
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Member id of the actor")).to_be_focused()
    await expect(page.get_by_label("Member id of the actor")).to_have_value("marco")
    await check_page(page, "audit-log-invalid")
    await page.go_back()
    await expect(rows).to_have_count(25, timeout=LONG)

    # One entry: every field, the actor as recorded, its place in the chain.
    await rows.first.get_by_role("link").click()
    await expect(heading).to_have_text(re.compile(r"^Audit entry \d+$"))
    seq = int((await heading.inner_text()).rsplit(" ", 1)[1])
    facts = page.locator(".audit-facts")
    await expect(facts.first).to_contain_text("Marco Rossi (@marco.rossi)")
    await expect(facts.first).to_contain_text("Ministero della Giustizia (Italy)")
    await expect(facts.first).to_contain_text(str(reader.id))
    hash_shown = (
        await page.locator("dt", has_text=re.compile("^Hash$"))
        .locator("xpath=following-sibling::dd[1]")
        .inner_text()
    )
    prev_shown = (
        await page.locator("dt", has_text="Previous entry's hash")
        .locator("xpath=following-sibling::dd[1]")
        .inner_text()
    )
    assert HEX64.match(hash_shown.strip()) and HEX64.match(prev_shown.strip())
    await check_page(page, "audit-entry")

    # Who the actor is now, from the auditors' member directory.
    await page.get_by_role("button", name="Look up this member in the member directory").click()
    member = page.locator(".audit-member")
    await expect(member).to_contain_text("@marco.rossi", timeout=LONG)
    await expect(member).to_contain_text("Ministero della Giustizia (ITA)")
    await expect(member).to_contain_text("officer")
    await check_page(page, "audit-entry-member")

    # An entry that does not exist is the not-found page, as for anything else.
    await page.goto(f"{web_server.http}/audit/events/987654321")
    await expect(heading).to_have_text("Page not found", timeout=LONG)
    await page.go_back()
    await expect(heading).to_have_text(f"Audit entry {seq}", timeout=LONG)

    # "Entries by this member" is the search with the actor's id.
    await page.get_by_role("link", name="Entries by this member").click()
    await expect(page).to_have_url(re.compile(rf"/audit\?actor_id={reader.id}$"))
    await expect(page.get_by_label("Member id of the actor")).to_have_value(str(reader.id))
    await expect(page.get_by_text("Filters: by @marco.rossi.")).to_be_visible(timeout=LONG)

    # Export the reads of the case: the browser streams the file to disk.
    await page.goto(
        f"{web_server.http}/audit?action=case.viewed&target_type=case&target_id={case_id}"
    )
    await page.get_by_role("link", name="Export these entries").click()
    await expect(heading).to_have_text("Export a range")
    keep = page.get_by_label(re.compile("Only entries that match the search"))
    await expect(keep).to_be_checked()
    await expect(page.get_by_label("JSON lines (.jsonl), for verification")).to_be_checked()
    await expect(
        page.get_by_text(f"The newest signed checkpoint is at sequence number {checkpoint_seq}")
    ).to_be_visible()
    await check_page(page, "audit-export")
    async with page.expect_download() as started:
        await page.get_by_role("button", name="Download JSON lines").click()
    download = await started.value
    assert download.suggested_filename == "canet-audit.jsonl"
    exported = Path(await download.path())
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    entries = [line for line in lines if "checkpoint" not in line]
    assert len(entries) == READS
    assert {e["action"] for e in entries} == {"case.viewed"}
    assert {e["target_id"] for e in entries} == {case_id}
    assert all(HEX64.match(e["hash"]) and HEX64.match(e["prev_hash"]) for e in entries)
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    opened = next(e for e in entries if e["seq"] == seq)
    assert opened["hash"] == hash_shown.strip() and opened["prev_hash"] == prev_shown.strip()
    assert opened["actor_handle"] == "marco.rossi"
    await expect(heading).to_have_text("Export a range")  # the page stayed where it was
    await expect(page.get_by_role("status").filter(has_text="downloading")).to_be_visible()

    # The whole log, for a third party to check in full.
    await keep.uncheck()
    async with page.expect_download() as started:
        await page.get_by_role("button", name="Download JSON lines").click()
    whole = Path(await (await started.value).path())
    whole_lines = [json.loads(line) for line in whole.read_text().splitlines()]
    assert whole_lines[0]["checkpoint"].startswith("canet audit checkpoint v1\n")
    assert [line["seq"] for line in whole_lines if "seq" in line][:3] == [1, 2, 3]

    # Verify the chain: intact.
    await page.get_by_role("link", name="Verify the chain").click()
    await expect(heading).to_have_text("Verify the chain")
    await page.get_by_role("button", name="Verify the chain").click()
    verdict = page.locator(".audit-verdict")
    await expect(verdict).to_contain_text("The chain is intact", timeout=LONG)
    await expect(verdict).to_contain_text("every hash matches")
    await expect(
        verdict.locator("dt", has_text="Signed checkpoints checked").locator(
            "xpath=following-sibling::dd[1]"
        )
    ).to_have_text(re.compile(r"^[1-9]"))
    checkpoint = page.locator(".audit-checkpoint").filter(
        has_text=f"Checkpoint at sequence number {checkpoint_seq}"
    )
    await checkpoint.get_by_text("Signed text").click()
    await expect(checkpoint.locator("pre")).to_contain_text("canet audit checkpoint v1")
    await check_page(page, "audit-verify")

    # The public key, as a file: with it the exported lines check out offline.
    async with page.expect_download() as started:
        await page.get_by_role("button", name="Download the public key (audit-public.pem)").click()
    key_file = await started.value
    assert key_file.suggested_filename == "audit-public.pem"
    pem = Path(await key_file.path()).read_text()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    public_key = parse_public_key(pem)
    report = verify_file(exported, public_key)
    assert report.ok and report.lines == READS, report.problems
    report = verify_file(whole, public_key)
    assert report.ok and report.anchored >= checkpoint_seq, report.problems

    # How a third party verifies an export, in English and in French.
    await page.get_by_role("link", name="How to verify an export").first.click()
    await expect(heading).to_have_text("How to verify an export")
    await expect(page.locator(".audit-command").first).to_have_text(
        "canet audit verify --file range.jsonl --public-key audit-public.pem"
    )
    await check_page(page, "audit-how-to-verify")
    await page.get_by_label("Language").select_option("fr")
    await expect(heading).to_have_text("Comment vérifier un export")
    await expect(page.get_by_text("Ce qu’il vous faut")).to_be_visible()
    await check_page(page, "audit-how-to-verify-fr")


async def test_a_broken_chain_names_its_first_bad_sequence_number(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession, db: Database
) -> None:
    case, _, auditor = await _case_read_by_the_requested_side(web_server, session)
    entries = await _sealed(web_server, auditor, target_type="case", target_id=case["id"])
    bad = sorted(e["seq"] for e in entries)[3]
    # Behind the application's back, as someone with the database's owner role could.
    await tamper(
        db,
        "UPDATE audit_entries SET outcome = 'denied' WHERE id = :i",
        i=await entry_id_at(db, bad),
    )
    await sign_in(context, session, auditor)
    await page.goto(web_server.http + "/audit/verify")
    await page.get_by_role("button", name="Verify the chain").click()
    verdict = page.locator(".audit-verdict")
    await expect(verdict).to_contain_text("The chain is broken", timeout=LONG)
    await expect(verdict).to_contain_text(f"The first bad sequence number is {bad}.")
    await check_page(page, "audit-verify-broken")


async def test_members_who_are_not_auditors_get_the_not_found_page(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    officer = await make_member(session, roles=["officer", "moderator"], full_name="Olga Berg")
    await session.commit()
    await sign_in(context, session, officer)
    await page.goto(web_server.http + "/")
    navigation = page.get_by_role("navigation", name="Main")
    await expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    await expect(navigation.get_by_role("link", name="Audit")).to_have_count(0)
    for path in (
        "/audit",
        "/audit?action=case.",
        f"/audit/events/{1}",
        "/audit/export",
        "/audit/verify",
        "/audit/how-to-verify",
    ):
        await page.goto(web_server.http + path)
        await expect(page.locator("main h1")).to_have_text("Page not found", timeout=LONG)
        await expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
        assert "Audit" not in await page.title()
    await check_page(page, "audit-not-found")
    # Each page asked the API, which refused and recorded the attempt.
    denied = await session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "audit.access.denied", AuditEntry.actor_user_id == officer.id)
    )
    assert denied is not None and denied >= 6
