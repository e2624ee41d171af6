"""The demo directory: central authorities of several regions, their sheets and treaties.

Institutions, addresses and treaties are real; email addresses and telephone numbers are
invented (example domains, reserved numbers), so trying the demo never writes to a real
office. Seeded through the import path, so every entry has its revision and audit entry.
Nigeria's entry is deliberately stale (verified 14 months ago) and Italy's police office has
an open "contact failed" report, so the finder shows both signals.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.context import DemoContext
from app.directory import access
from app.directory.exchange import importing
from app.directory.exchange.formats import rows_of
from app.models.directory import ContactFailureReport

_NOW = datetime.now(UTC)
_RECENT = (_NOW - timedelta(days=20)).isoformat()
_STALE = (_NOW - timedelta(days=430)).isoformat()


def _ref(key: str) -> str:
    """A placeholder for the id of the authority `key`, replaced when seeding."""
    return f"@{key}"


def _authority(key: str, **fields: Any) -> dict[str, Any]:
    return {"id": _ref(key), "last_verified_at": _RECENT, **fields}


AUTHORITIES: list[dict[str, Any]] = [
    _authority(
        "fra",
        state_code="FRA",
        name="Ministry of Justice, Office for International Mutual Assistance in Criminal "
        "Matters (BEPI)",
        name_original="Ministère de la Justice, Bureau de l'entraide pénale internationale",
        types=["mla", "extradition", "transfer_of_sentenced_persons", "confiscation"],
        address="13, place Vendôme, 75042 Paris Cedex 01, France",
        phone="+33 1 44 77 60 60",
        email="entraide.bepi@justice.example",
        website="https://www.justice.gouv.fr",
        time_zone="Europe/Paris",
        office_hours="Mon-Fri 09:00-18:00",
        languages=["fr", "en"],
        channels=["direct_transmission", "diplomatic_channel", "interpol"],
        urgent_procedure="Send the request by email to the duty magistrate and confirm by "
        "telephone. Within the EU, use the **European Investigation Order** instead.",
        contact_24_7="+33 1 00 00 00 00 (duty magistrate)",
        convention_basis_extradition=True,
        convention_basis_mla=True,
        alternative_arrangements="EU instruments (EIO, European Arrest Warrant) between EU "
        "Member States; reciprocity otherwise.",
        notes="Requests may also be addressed directly to the competent *procureur de la "
        "République* when a treaty allows direct transmission.",
        law_links=[
            {
                "title": "Code de procédure pénale, arts. 694 to 696-47",
                "url": "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006071154",
            }
        ],
        contacts=[
            {"name": "Head of the BEPI", "position": "Magistrate", "languages": ["fr", "en"]},
        ],
    ),
    _authority(
        "ita",
        state_code="ITA",
        name="Ministry of Justice, Directorate-General for International Affairs and "
        "Judicial Cooperation",
        name_original="Ministero della Giustizia, Direzione generale degli affari "
        "internazionali e della cooperazione giudiziaria",
        types=["mla", "extradition", "transfer_of_sentenced_persons", "confiscation"],
        address="Via Arenula 70, 00186 Roma, Italy",
        phone="+39 06 6885 2000",
        email="cooperazione.penale@giustizia.example",
        website="https://www.giustizia.it",
        time_zone="Europe/Rome",
        office_hours="Mon-Fri 08:30-17:30",
        languages=["it", "en", "fr"],
        channels=["direct_transmission", "diplomatic_channel"],
        urgent_procedure="Advance copy by email; the original follows through the "
        "diplomatic channel.",
        convention_basis_extradition=True,
        convention_basis_mla=True,
        law_links=[
            {
                "title": "Codice di procedura penale, Libro XI (rapporti giurisdizionali con "
                "autorità straniere)",
                "url": "https://www.normattiva.it",
            }
        ],
        contacts=[{"name": "Office II - Mutual assistance", "languages": ["it", "en"]}],
    ),
    _authority(
        "ita_police",
        state_code="ITA",
        name="Service for International Police Cooperation (SCIP)",
        name_original="Servizio per la Cooperazione Internazionale di Polizia",
        types=["law_enforcement_cooperation"],
        address="Via Torre di Mezzavia 9/121, 00173 Roma, Italy",
        phone="+39 06 4654 1000",
        email="scip.sala@interno.example",
        time_zone="Europe/Rome",
        office_hours="24/7 operations room",
        languages=["it", "en"],
        channels=["interpol"],
        contact_24_7="+39 06 4654 1001 (operations room)",
    ),
    _authority(
        "bra",
        state_code="BRA",
        name="Department of Asset Recovery and International Legal Cooperation (DRCI)",
        name_original="Departamento de Recuperação de Ativos e Cooperação Jurídica "
        "Internacional, Ministério da Justiça e Segurança Pública",
        types=["mla", "extradition", "transfer_of_sentenced_persons", "confiscation"],
        address="SCN Quadra 6, Ed. Venâncio 3000, Bloco A, Brasília-DF, 70716-900, Brazil",
        phone="+55 61 2025 0000",
        email="cooperacaopenal@mj.example",
        website="https://www.gov.br/mj",
        time_zone="America/Sao_Paulo",
        office_hours="Mon-Fri 08:00-18:00",
        languages=["pt", "en", "es"],
        channels=["direct_transmission", "diplomatic_channel"],
        urgent_procedure="Mark the request URGENT and send it by email with the signed PDF.",
        convention_basis_extradition=True,
        convention_basis_mla=True,
        law_links=[
            {
                "title": "Lei de Migração (Lei 13.445/2017), extradição",
                "url": "https://www.planalto.gov.br/ccivil_03/_ato2015-2018/2017/lei/l13445.htm",
            }
        ],
    ),
    _authority(
        "nga",
        state_code="NGA",
        name="Federal Ministry of Justice, Central Authority Unit",
        types=["mla", "extradition", "migrant_smuggling_art8"],
        address="Federal Secretariat Complex, Shehu Shagari Way, Abuja, Nigeria",
        phone="+234 9 000 0000",
        email="cau@justice.example",
        time_zone="Africa/Lagos",
        office_hours="Mon-Fri 08:00-16:00",
        languages=["en"],
        channels=["direct_transmission", "diplomatic_channel"],
        convention_basis_extradition=True,
        convention_basis_mla=True,
        law_links=[
            {
                "title": "Mutual Assistance in Criminal Matters Act 2019",
                "url": "https://www.justice.gov.ng",
            }
        ],
        last_verified_at=_STALE,
    ),
    _authority(
        "tha",
        state_code="THA",
        name="Office of the Attorney General, International Affairs Department",
        name_original="สำนักงานอัยการสูงสุด สำนักงานต่างประเทศ",
        types=["mla", "extradition", "transfer_of_sentenced_persons"],
        address="Chaeng Watthana Road, Lak Si, Bangkok 10210, Thailand",
        phone="+66 2 000 0000",
        email="inter.affairs@ago.example",
        time_zone="Asia/Bangkok",
        office_hours="Mon-Fri 08:30-16:30",
        languages=["th", "en"],
        channels=["direct_transmission", "diplomatic_channel"],
        convention_basis_extradition=False,
        convention_basis_mla=True,
        alternative_arrangements="Extradition without a treaty is possible on reciprocity "
        "under the Extradition Act B.E. 2551 (2008).",
    ),
    _authority(
        "deu",
        state_code="DEU",
        name="Federal Office of Justice",
        name_original="Bundesamt für Justiz",
        types=["mla", "extradition", "transfer_of_sentenced_persons"],
        address="Adenauerallee 99-103, 53113 Bonn, Germany",
        phone="+49 228 99 410 0",
        email="internationale-rechtshilfe@bfj.example",
        website="https://www.bundesjustizamt.de",
        time_zone="Europe/Berlin",
        languages=["de", "en"],
        channels=["direct_transmission", "diplomatic_channel"],
        convention_basis_extradition=True,
        convention_basis_mla=True,
    ),
    _authority(
        "mex",
        state_code="MEX",
        name="Office of the Attorney General, International Affairs Unit",
        name_original="Fiscalía General de la República, Unidad de Asuntos Internacionales",
        types=["mla", "extradition"],
        address="Av. Paseo de la Reforma 211-213, Cuauhtémoc, 06500 Ciudad de México",
        phone="+52 55 0000 0000",
        email="asuntos.internacionales@fgr.example",
        time_zone="America/Mexico_City",
        languages=["es", "en"],
        channels=["direct_transmission", "diplomatic_channel"],
        convention_basis_extradition=True,
        convention_basis_mla=True,
    ),
    _authority(
        "zaf",
        state_code="ZAF",
        name="Department of Justice and Constitutional Development, International Legal Relations",
        types=["mla", "extradition"],
        address="Momentum Centre, 329 Pretorius Street, Pretoria, South Africa",
        phone="+27 12 000 0000",
        email="ilr@justice.example",
        time_zone="Africa/Johannesburg",
        languages=["en"],
        channels=["diplomatic_channel"],
        convention_basis_extradition=True,
        convention_basis_mla=True,
    ),
]


def _sheet(state: str, request_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "state_code": state,
        "request_type": request_type,
        "last_verified_at": _RECENT,
        **fields,
    }


SHEETS: list[dict[str, Any]] = [
    _sheet(
        "FRA",
        "mla",
        possible=True,
        legal_framework="Code de procédure pénale, arts. 694 to 694-4; treaties; reciprocity.",
        receiving_authority_id=_ref("fra"),
        executing_authority="The procureur de la République or investigating judge of the "
        "place of execution",
        languages=["fr"],
        usual_execution_time="2 to 4 months; urgent requests within days",
        requirements=["certified_translation"],
        special_requirements="Coercive measures require the facts to be an offence in "
        "France (**dual criminality**).",
        alternatives="Spontaneous information (UNTOC art. 18(4)); police cooperation via "
        "INTERPOL for preservation.",
    ),
    _sheet(
        "FRA",
        "mla",
        measure="search_and_seizure",
        possible=True,
        receiving_authority_id=_ref("fra"),
        executing_authority="Investigating judge (juge d'instruction)",
        languages=["fr"],
        usual_execution_time="3 to 6 months",
        requirements=["dual_criminality", "certified_translation", "issued_by_judicial_authority"],
        special_requirements="Describe the premises precisely and the link between the "
        "items sought and the offence.",
    ),
    _sheet(
        "FRA",
        "extradition",
        possible=True,
        legal_framework="Code de procédure pénale, arts. 696 to 696-47.",
        receiving_authority_id=_ref("fra"),
        languages=["fr"],
        usual_execution_time="6 to 12 months",
        requirements=["dual_criminality", "certified_translation", "specialty_undertaking"],
        special_requirements="France does not extradite its nationals.",
    ),
    _sheet(
        "ITA",
        "mla",
        possible=True,
        legal_framework="Codice di procedura penale, arts. 723 ff.; treaties.",
        receiving_authority_id=_ref("ita"),
        executing_authority="Procura della Repubblica of the place of execution",
        languages=["it"],
        usual_execution_time="3 to 6 months",
        requirements=["certified_translation"],
    ),
    _sheet(
        "ITA",
        "mla",
        measure="freezing",
        possible=True,
        receiving_authority_id=_ref("ita"),
        languages=["it"],
        usual_execution_time="Urgent freezing within 48 hours when requested by email",
        requirements=[
            "dual_criminality",
            "certified_translation",
            "court_order_in_requesting_state",
        ],
    ),
    _sheet(
        "BRA",
        "mla",
        possible=True,
        legal_framework="Treaties, UNTOC, reciprocity; Portaria Interministerial 501/2012.",
        receiving_authority_id=_ref("bra"),
        languages=["pt"],
        usual_execution_time="4 to 8 months",
        requirements=["certified_translation"],
        special_requirements="Use the DRCI request form; summaries of facts must name the "
        "offence and its penalty.",
    ),
    _sheet(
        "BRA",
        "mla",
        measure="banking_information",
        possible=True,
        receiving_authority_id=_ref("bra"),
        languages=["pt"],
        usual_execution_time="3 to 6 months",
        requirements=["dual_criminality", "certified_translation"],
        special_requirements="Banking secrecy is lifted by a federal court order obtained by "
        "the DRCI through the Federal Prosecution Service.",
    ),
    _sheet(
        "NGA",
        "mla",
        possible=True,
        legal_framework="Mutual Assistance in Criminal Matters Act 2019.",
        receiving_authority_id=_ref("nga"),
        languages=["en"],
        usual_execution_time="3 to 9 months",
        requirements=["reciprocity_assurance"],
        last_verified_at=_STALE,
    ),
    _sheet(
        "THA",
        "mla",
        possible=True,
        legal_framework="Act on Mutual Assistance in Criminal Matters B.E. 2535 (1992).",
        receiving_authority_id=_ref("tha"),
        languages=["th", "en"],
        usual_execution_time="4 to 8 months",
        requirements=["dual_criminality", "reciprocity_assurance"],
        special_requirements="Without a treaty, a reciprocity undertaking is required.",
    ),
    _sheet(
        "DEU",
        "mla",
        possible=True,
        legal_framework="Gesetz über die internationale Rechtshilfe in Strafsachen (IRG).",
        receiving_authority_id=_ref("deu"),
        languages=["de"],
        usual_execution_time="2 to 4 months",
        requirements=["certified_translation"],
    ),
]

_ALL = ["FRA", "ITA", "BRA", "NGA", "THA", "DEU", "MEX", "ZAF"]
TREATIES: list[dict[str, Any]] = [
    {
        "title": "United Nations Convention against Transnational Organized Crime",
        "kind": "multilateral",
        "subjects": [
            "mla",
            "extradition",
            "confiscation",
            "law_enforcement_cooperation",
            "transfer_of_sentenced_persons",
            "transfer_of_proceedings",
        ],
        "signed_on": "2000-11-15",
        "in_force_on": "2003-09-29",
        "url": "https://www.unodc.org/unodc/en/organized-crime/intro/UNTOC.html",
        "parties": _ALL,
    },
    {
        "title": "European Convention on Mutual Assistance in Criminal Matters (ETS 30)",
        "kind": "regional",
        "subjects": ["mla"],
        "signed_on": "1959-04-20",
        "in_force_on": "1962-06-12",
        "url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=030",
        "parties": ["FRA", "ITA", "DEU"],
    },
    {
        "title": "European Convention on Extradition (ETS 24)",
        "kind": "regional",
        "subjects": ["extradition"],
        "signed_on": "1957-12-13",
        "in_force_on": "1960-04-18",
        "url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=024",
        "parties": ["FRA", "ITA", "DEU", "ZAF"],
    },
    {
        "title": "Convention on the Transfer of Sentenced Persons (ETS 112)",
        "kind": "multilateral",
        "subjects": ["transfer_of_sentenced_persons"],
        "signed_on": "1983-03-21",
        "in_force_on": "1985-07-01",
        "url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=112",
        "parties": ["FRA", "ITA", "DEU", "MEX"],
    },
    {
        "title": "Treaty between Italy and Brazil on Mutual Assistance in Criminal Matters",
        "kind": "bilateral",
        "subjects": ["mla"],
        "signed_on": "1989-10-17",
        "parties": ["ITA", "BRA"],
    },
    {
        "title": "Extradition Treaty between Italy and Brazil",
        "kind": "bilateral",
        "subjects": ["extradition"],
        "signed_on": "1989-10-17",
        "parties": ["ITA", "BRA"],
    },
    {
        "title": "Treaty on Mutual Legal Assistance in Criminal Matters (ASEAN)",
        "kind": "regional",
        "subjects": ["mla"],
        "signed_on": "2004-11-29",
        "parties": ["THA"],
    },
    {
        "title": "ECOWAS Convention on Mutual Assistance in Criminal Matters",
        "kind": "regional",
        "subjects": ["mla"],
        "signed_on": "1992-07-29",
        "parties": ["NGA"],
    },
    {
        "title": "Inter-American Convention on Mutual Assistance in Criminal Matters",
        "kind": "regional",
        "subjects": ["mla"],
        "signed_on": "1992-05-23",
        "in_force_on": "1996-04-14",
        "parties": ["BRA", "MEX"],
    },
]

DEMO_AUTHORITY_KEYS = ["fra", "ita", "bra", "nga", "tha", "deu", "mex", "zaf", "ita_police"]


def _with_ids(rows: list[dict[str, Any]], ids: dict[str, uuid.UUID]) -> list[dict[str, Any]]:
    def swap(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            return str(ids[value[1:]])
        return value

    return [{k: swap(v) for k, v in row.items()} for row in rows]


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    """Fill the directory through the import path; record authorities by short name."""
    ids = {key: uuid.uuid4() for key in DEMO_AUTHORITY_KEYS}
    rows = rows_of(
        {
            "authorities": _with_ids(AUTHORITIES, ids),
            "requirement_sheets": _with_ids(SHEETS, ids),
            "treaties": TREATIES,
        }
    )
    checked = await importing.validate(session, rows)
    if checked.problems:
        raise RuntimeError(f"the demo directory does not validate: {checked.problems[:3]}")
    created, _ = await importing.apply_checked(session, access.operator(), checked)
    session.add(
        ContactFailureReport(
            authority_id=ids["ita_police"],
            channel="email",
            detail="Delivery failed: 550 5.1.1 mailbox unavailable",
        )
    )
    await session.flush()
    for key in DEMO_AUTHORITY_KEYS:
        ctx.authorities[key] = ids[key]
    ctx.extra["authority_keys"] = list(DEMO_AUTHORITY_KEYS)
    ctx.lines.append(
        f"Directory: {created['authorities']} authorities, {created['requirement_sheets']} "
        f"requirement sheets, {created['treaties']} treaties. Try "
        "GET /api/v1/finder?requesting_state=BRA&requested_state=ITA&request_type=mla"
        "&measure=freezing&urgent=true"
    )
