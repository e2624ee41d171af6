"""The texts of identity mails. They carry no secret except the single-use link they exist for."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.mail import enqueue_mail

SIGNATURE = "\n\n-- \ncanet, the Central Authorities Network\n(automatic message; do not reply)\n"


def link(base_url: str, path: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{path}?token={token}"


async def send_verification(
    session: AsyncSession, *, to: str, name: str, base_url: str, token: str, hours: int
) -> None:
    await enqueue_mail(
        session,
        to=to,
        subject="Confirm your email address for canet",
        body=(
            f"Dear {name},\n\nsomeone (we hope you) applied for membership of canet with this "
            f"address. To confirm it, open this link within {hours} hours:\n\n"
            f"{link(base_url, 'verify-email', token)}\n\n"
            "If you did not apply, ignore this message: the application expires on its own."
            + SIGNATURE
        ),
        kind="identity.verify_email",
    )


async def send_already_known(session: AsyncSession, *, to: str, base_url: str) -> None:
    # Sent instead of a verification link, so the application form never reveals who is a
    # member or already applied.
    await enqueue_mail(
        session,
        to=to,
        subject="Your application to canet",
        body=(
            "We received an application for membership of canet with this address, but the "
            "address already belongs to a member or to an application under review. Nothing "
            f"more is needed; sign in at {base_url.rstrip('/')}/ or contact your focal point."
            + SIGNATURE
        ),
        kind="identity.already_known",
    )


async def send_decision(
    session: AsyncSession, *, to: str, name: str, approved: bool, reason: str | None, base_url: str
) -> None:
    if approved:
        text = (
            f"Dear {name},\n\nyour membership of canet has been approved. Sign in at "
            f"{base_url.rstrip('/')}/ with your email and password; you will set up a second "
            "factor (an authenticator app) at your first sign-in."
        )
    else:
        text = (
            f"Dear {name},\n\nyour application for membership of canet was not approved."
            f"\n\nReason given by the moderator:\n{reason or '(none)'}"
        )
    await enqueue_mail(
        session,
        to=to,
        subject="Your canet membership application: " + ("approved" if approved else "declined"),
        body=text + SIGNATURE,
        kind="identity.decision",
    )


async def send_info_request(
    session: AsyncSession, *, to: str, name: str, question: str, base_url: str, token: str
) -> None:
    await enqueue_mail(
        session,
        to=to,
        subject="canet: more information needed for your application",
        body=(
            f"Dear {name},\n\nthe moderators reviewing your application ask:\n\n{question}\n\n"
            f"Answer through this link (valid 14 days, usable once):\n\n"
            f"{link(base_url, 'provide-information', token)}" + SIGNATURE
        ),
        kind="identity.info_requested",
    )
