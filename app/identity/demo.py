"""Demo members: one per role, officers in every demo authority, all enrolled in TOTP.

Everyone shares one demo password; `canet demo code EMAIL` prints the current TOTP code.
Other demo steps find the members in `ctx.users` (email -> id) and `ctx.extra["identity"]`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.demo.context import DemoContext
from app.identity import mfa
from app.identity.passwords import hash_password
from app.models.directory import Authority
from app.models.identity import Application, User, VettingStep

DEMO_PASSWORD = "demo network passphrase 2026"
DOMAIN = "demo.example.org"
_FALLBACK_AUTHORITIES = {
    "fra": ("FRA", "Ministry of Justice, Bureau of International Mutual Assistance (demo)"),
    "bra": ("BRA", "Department of Asset Recovery and International Cooperation (demo)"),
    "nga": ("NGA", "Central Authority Unit, Federal Ministry of Justice (demo)"),
}


async def _ensure_authorities(session: AsyncSession, ctx: DemoContext) -> None:
    # The directory demo normally runs first; without it, a few bare authorities suffice.
    if ctx.authorities:
        return
    for short, (state, name) in _FALLBACK_AUTHORITIES.items():
        authority = Authority(state_code=state, name=name, types=["mla", "extradition"])
        session.add(authority)
        await session.flush()
        ctx.authorities[short] = authority.id


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    """Create the demo members."""
    await _ensure_authorities(session, ctx)
    secret_key = str(ctx.extra["secret_key"])
    password_hash = await hash_password(DEMO_PASSWORD)
    now = datetime.now(UTC)
    people: list[tuple[str, str, list[str], str | None, bool]] = [
        ("admin", "Alex Admin", ["admin"], None, False),
        ("admin2", "Bea Second-Admin", ["admin"], None, False),
        ("moderator", "Mo Moderator", ["moderator"], None, False),
        ("auditor", "Aud Auditor", ["auditor"], None, False),
    ]
    for short in list(ctx.authorities)[:6]:
        people.append((f"focal.{short}", f"Focal Point {short.upper()}", ["officer"], short, True))
        people.append((f"officer.{short}", f"Officer {short.upper()}", ["officer"], short, False))
    first = next(iter(ctx.authorities))
    people.append(("liaison", "Lia Liaison-Magistrate", ["liaison_magistrate"], first, False))

    summary: dict[str, object] = {"officers": {}}
    for local, name, roles, authority, focal in people:
        email = f"{local}@{DOMAIN}"
        user = User(
            email=email,
            handle=local.replace("_", "."),
            full_name=name,
            position="Demo account",
            password_hash=password_hash,
            roles=roles,
            authority_id=ctx.authorities[authority] if authority else None,
            focal_point=focal,
            vetted_at=now,
            vetting_expires_at=now + timedelta(days=365),
            totp_secret=mfa.seal_secret(secret_key, mfa.new_secret()),
            mfa_enrolled_at=now,
        )
        session.add(user)
        await session.flush()
        session.add(VettingStep(user_id=user.id, step="bootstrapped", note="demo network"))
        ctx.users[email] = user.id
        ctx.passwords[email] = DEMO_PASSWORD
        if authority:
            officers = summary["officers"]
            assert isinstance(officers, dict)
            officers.setdefault(authority, []).append(email)
        else:
            summary[local] = email
    summary["liaison_magistrate"] = f"liaison@{DOMAIN}"
    # One application waiting in the vetting queue, so the moderator has something to review.
    applicant = Application(
        email=f"applicant@{DOMAIN}",
        handle="pending.applicant",
        full_name="Pat Pending",
        position="Deputy head, international cooperation unit",
        justification="Handles incoming extradition requests and needs the directory.",
        authority_id=ctx.authorities[first],
        password_hash=password_hash,
        status="pending_review",
        email_verified_at=now,
    )
    session.add(applicant)
    await session.flush()
    session.add_all(
        [
            VettingStep(application_id=applicant.id, step="applied"),
            VettingStep(application_id=applicant.id, step="email_verified"),
        ]
    )
    ctx.extra["pending_application_id"] = applicant.id
    ctx.extra["identity"] = summary
    await audit.record(
        session,
        actor=Actor.system(),
        action="demo.members.created",
        target=Target("demo"),
        details={"members": len(people)},
    )
    ctx.lines += [
        "Demo members (all share one password; TOTP is already enrolled):",
        *(
            f"  {local + '@' + DOMAIN:<34} {' '.join(roles)}{' (focal point)' if focal else ''}"
            for local, _n, roles, _a, focal in people
        ),
        f"Password: {DEMO_PASSWORD}",
        "Second factor: run `canet demo code EMAIL` for the current TOTP code.",
        f"Vetting queue: one application (applicant@{DOMAIN}) awaits the focal point of "
        f"{first} and a moderator.",
    ]
