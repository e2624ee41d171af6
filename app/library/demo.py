"""The demo library: a few real texts (titles and official sources, no files) linked to the
demo directory, so the authority pages, requirement sheets and the finder have something to
show. Written through the library's own verbs, as the server's operator (an admin)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Role, permissions_for
from app.demo.context import DemoContext
from app.directory import service as directory_service
from app.library.documents import create_document
from app.library.schemas import LibraryDocumentCreate


def _operator() -> Actor:
    roles = frozenset({Role.ADMIN.value})
    return Actor(user_id=None, handle="operator", roles=roles, permissions=permissions_for(roles))


# Directory treaties are named by title, authorities by their demo short name, sheets by
# (State, request type): the step links only those the demo directory holds.
DOCUMENTS: list[dict[str, Any]] = [
    {
        "kind": "multilateral_treaty",
        "title": "United Nations Convention against Transnational Organized Crime",
        "language": "en",
        "version_date": "2000-11-15",
        "source_url": "https://www.unodc.org/unodc/en/organized-crime/intro/UNTOC.html",
        "summary": "Articles 16 (extradition), 18 (mutual legal assistance), 13 (confiscation) "
        "and 21 (transfer of proceedings); the Convention as a legal basis where no treaty "
        "binds two States parties.",
        "tags": ["untoc", "mla", "extradition"],
        "treaties": ["United Nations Convention against Transnational Organized Crime"],
    },
    {
        "kind": "multilateral_treaty",
        "title": "European Convention on Mutual Assistance in Criminal Matters (ETS 30)",
        "language": "en",
        "version_date": "1959-04-20",
        "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail"
        "&treatynum=030",
        "summary": "The Council of Europe's framework for letters rogatory between its parties.",
        "tags": ["mla", "council of europe"],
        "treaties": ["European Convention on Mutual Assistance in Criminal Matters (ETS 30)"],
    },
    {
        "kind": "bilateral_treaty",
        "title": "Trattato di mutua assistenza in materia penale tra Italia e Brasile",
        "language": "it",
        "version_date": "1989-10-17",
        "summary": "Assistance between Italy and Brazil: requests, refusal grounds, channels.",
        "tags": ["mla"],
        "treaties": ["Treaty between Italy and Brazil on Mutual Assistance in Criminal Matters"],
    },
    {
        "kind": "national_law",
        "title": "Codice di procedura penale, libro XI: rapporti giurisdizionali con autorità "
        "straniere",
        "state_code": "ITA",
        "language": "it",
        "version_date": "2017-10-03",
        "source_url": "https://www.normattiva.it/",
        "summary": "Articles 696 ff.: extradition, letters rogatory, recognition of foreign "
        "judgments; the 2017 reform of mutual assistance.",
        "tags": ["mla", "extradition", "rogatorie"],
        "authorities": ["ita"],
        "sheets": [("ITA", "mla")],
    },
    {
        "kind": "national_law",
        "title": "Code de procédure pénale, articles 694 à 696-47",
        "state_code": "FRA",
        "language": "fr",
        "version_date": "2024-01-01",
        "source_url": "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006071154/",
        "summary": "Entraide judiciaire internationale et extradition.",
        "tags": ["mla", "extradition"],
        "authorities": ["fra"],
        "sheets": [("FRA", "mla"), ("FRA", "extradition")],
    },
    {
        "kind": "model_law",
        "title": "Model Law on Mutual Assistance in Criminal Matters (2007)",
        "language": "en",
        "version_date": "2007-01-01",
        "source_url": "https://www.unodc.org/pdf/legal_advisory/Model%20Law%20on%20MLA%202007.pdf",
        "summary": "UNODC's model provisions for domestic legislation on mutual assistance, "
        "with commentary.",
        "tags": ["mla", "legislative drafting"],
    },
    {
        "kind": "model_treaty",
        "title": "Model Treaty on Mutual Assistance in Criminal Matters",
        "language": "en",
        "version_date": "1990-12-14",
        "source_url": "https://www.unodc.org/pdf/model_treaty_mutual_assistance_criminal_"
        "matters.pdf",
        "summary": "General Assembly resolution 45/117, as amended by resolution 53/112.",
        "tags": ["mla", "treaty drafting"],
    },
    {
        "kind": "manual",
        "title": "Manual on Mutual Legal Assistance and Extradition",
        "language": "en",
        "version_date": "2012-09-01",
        "source_url": "https://www.unodc.org/documents/organized-crime/Publications/"
        "Mutual_Legal_Assistance_Ebook_E.pdf",
        "summary": "Practical guidance for central authorities on drafting, sending and "
        "executing requests.",
        "tags": ["mla", "extradition", "training"],
    },
]


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    """Add the demo documents, linked to what the demo directory holds."""
    operator = _operator()
    treaties = await directory_service.list_treaties(
        session, actor=operator, state=None, subject=None, kind=None, cursor=None, limit=100
    )
    treaty_ids = {t.title: t.id for t in treaties.items}
    added = 0
    for spec in DOCUMENTS:
        data: dict[str, Any] = {
            k: v for k, v in spec.items() if k not in ("treaties", "authorities", "sheets")
        }
        data["treaty_ids"] = [treaty_ids[t] for t in spec.get("treaties", []) if t in treaty_ids]
        data["authority_ids"] = [
            ctx.authorities[a] for a in spec.get("authorities", []) if a in ctx.authorities
        ]
        sheet_ids: list[uuid.UUID] = []
        for state, request_type in spec.get("sheets", []):
            sheet = await directory_service.requirement_sheet_for(
                session, state_code=state, request_type=request_type
            )
            if sheet is not None:
                sheet_ids.append(sheet.id)
        data["sheet_ids"] = sheet_ids
        if spec["kind"] == "bilateral_treaty" and not data["treaty_ids"]:
            continue  # without the directory's treaty, no State names the bilateral text
        await create_document(session, actor=operator, data=LibraryDocumentCreate(**data))
        added += 1
    ctx.lines.append(
        f"Library: {added} documents (laws, treaties, model tools). Try "
        "GET /api/v1/library/applicable?requesting_state=BRA&requested_state=ITA&request_type=mla"
    )
