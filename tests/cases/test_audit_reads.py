"""Every read of a case, its messages or an attachment leaves an audit entry."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cases.conftest import Network, audit_rows, submitted_case


async def test_each_read_is_audited_with_who_and_which_case(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    base = f"/api/v1/cases/{cid}"
    meta = (
        await client.post(
            f"{base}/attachments",
            files={"file": ("a.txt", b"evidence", "text/plain")},
            headers=net.fr.headers,
        )
    ).json()
    reads = {
        "case.viewed": base,
        "case.messages.viewed": f"{base}/messages",
        "case.attachments.viewed": f"{base}/attachments",
        "case.attachment.downloaded": f"{base}/attachments/{meta['id']}",
        "case.timeline.viewed": f"{base}/timeline",
        "case.participants.viewed": f"{base}/participants",
        "case.exported": f"{base}/export",
    }
    for action, url in reads.items():
        response = await client.get(url, headers=net.it2.headers)
        assert response.status_code == 200, (url, response.text)
        target = meta["id"] if action == "case.attachment.downloaded" else cid
        rows = await audit_rows(session, action, target)
        assert [r.actor_user_id for r in rows] == [net.it2.id], action
        assert set(rows[0].authority_ids) == {net.fra.id, net.ita.id}
        assert rows[0].outcome == "success"
    await client.get("/api/v1/cases", headers=net.it2.headers)
    listed = await audit_rows(session, "case.list.viewed")
    assert listed[0].details is not None and listed[0].details["case_ids"] == [cid]
