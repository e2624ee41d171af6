"""POST /cases/{id}/messages under load: 64 concurrent clients against `canet serve`.

    .venv/bin/python -m bench.case_messages [--cases N] [--duration S] [--workers W]

Seeds two authorities, 64 officers (each with a session and token) and N submitted cases,
then every client posts messages into case (client % N). N=1 is the worst case (every
request on one case row); the path takes no lock on the case row, so it should not matter.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
from datetime import timedelta
from typing import Any

from app.auth.actor import Actor
from app.auth.tokens import issue_access_token
from app.cases.schemas import CaseCreate, LegalBasis, TransitionRequest
from app.cases.service import create_case, transition_case
from app.db import Database
from app.models.base import utcnow
from app.models.directory import Authority
from app.models.identity import User, UserSession
from bench.load import generate_load
from bench.server import BENCH_SECRET, ScratchDatabase, running_server


async def _seed(url: str, clients: int, cases: int) -> tuple[list[str], list[str]]:
    database = Database(url)
    tokens: list[str] = []
    try:
        async with database.transaction() as session:
            fra = Authority(state_code="FRA", name="Bench FRA", types=["mla"])
            ita = Authority(state_code="ITA", name="Bench ITA", types=["mla"])
            session.add_all([fra, ita])
            await session.flush()
            users = []
            for n in range(clients):
                user = User(
                    email=f"bench{n}@example.org",
                    handle=f"bench{n}",
                    full_name=f"Bench {n}",
                    password_hash="!",
                    roles=["officer"],
                    authority_id=fra.id if n % 2 == 0 else ita.id,
                    vetting_expires_at=utcnow() + timedelta(days=30),
                )
                session.add(user)
                users.append(user)
            await session.flush()
            for user in users:
                user_session = UserSession(user_id=user.id, expires_at=utcnow() + timedelta(1))
                session.add(user_session)
                await session.flush()
                token, _ = issue_access_token(
                    BENCH_SECRET,
                    user_id=user.id,
                    session_id=user_session.id,
                    ttl=timedelta(hours=2),
                )
                tokens.append(token)
            creator = Actor.member(user_id=users[0].id, roles=["officer"], authority_id=fra.id)
            case_ids = []
            for n in range(cases):
                case = await create_case(
                    session,
                    actor=creator,
                    data=CaseCreate(
                        type="mla",
                        requested_authority_id=ita.id,
                        title=f"Bench case {n}",
                        summary="load",
                        legal_basis=LegalBasis(kind="untoc_art18"),
                        offences=["fraud"],
                        measures=["other"],
                        languages=["en"],
                    ),
                )
                await transition_case(
                    session,
                    actor=creator,
                    case_id=case.id,
                    request=TransitionRequest(action="submit"),
                )
                case_ids.append(str(case.id))
        return tokens, case_ids
    finally:
        await database.dispose()


def message_request(
    tokens: list[str], case_ids: list[str], index: int, n: int
) -> tuple[str, str, Any, dict[str, str]]:
    case_id = case_ids[index % len(case_ids)]
    return (
        "POST",
        f"/api/v1/cases/{case_id}/messages",
        {"body": f"message {n} from client {index}: see the *list*", "handling_code": "H1"},
        {"Authorization": f"Bearer {tokens[index]}"},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scratch = ScratchDatabase.create()
    try:
        tokens, case_ids = asyncio.run(_seed(scratch.url, args.clients, args.cases))
        with running_server(scratch.url, workers=args.workers) as server:
            result = generate_load(
                server.base_url,
                functools.partial(message_request, tokens, case_ids),
                concurrency=args.clients,
                duration_s=args.duration,
            )
            print(
                json.dumps(
                    {
                        "scenario": "POST /cases/{id}/messages",
                        "cases": args.cases,
                        "clients": args.clients,
                        "workers": args.workers,
                        **result.summary(),
                        "worker_rss_mb": server.worker_rss_mb(),
                    },
                    indent=2,
                )
            )
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
