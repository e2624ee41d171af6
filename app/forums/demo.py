"""Demo forums: a few forums for different audiences and realistic threads by demo members.

Runs after the identity step; written through the real service functions so the demo has
the same audit rows, events, read state and search vectors as real use. Without demo
members (ctx.users empty) it creates the forums only.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.demo.context import DemoContext
from app.forums import repository, service
from app.forums.schemas import Audience, ForumCreate, GroupCreate, ThreadCreate
from app.identity import service as identity_service

WELCOME = """Welcome to the network's discussion forums.

* Keep case-specific personal data out of the forums: use a **case channel** for that.
* Mention a colleague with `@handle`; follow a thread to be told of replies.
* Flag a post that breaks the rules; a moderator will look at it.
"""

THREADS: list[tuple[str, str, str, list[str], list[str]]] = [
    # (forum key, title, body, tags, replies)
    (
        "general",
        "Hearing witnesses by video link (UNTOC art. 18(18))",
        "Has anyone recently arranged a hearing by **video link** with a court abroad?\n\n"
        "We need a witness heard within six weeks and wonder which practical checks "
        "(interpreters, identity verification, recording) your courts insist on.",
        ["mla", "video-link"],
        [
            "Yes, last quarter. Our courts require the request to name the interpreter and "
            "a test call at least a week before the hearing.",
            "Same here; also state in the request whether the witness may refuse under the "
            "law of either State (art. 18(18) leaves this to the requesting State).",
        ],
    ),
    (
        "general",
        "Spontaneous information under art. 18(4): how do you send it?",
        "When we come across information that could help another State's investigation, we "
        "send it spontaneously under art. 18(4). Do you route this through the central "
        "authority or directly between prosecutors?",
        ["mla", "spontaneous-information"],
        [
            "Through the central authority, so it is logged; with a note on confidentiality "
            "(art. 18(5)).",
        ],
    ),
    (
        "assets",
        "Non-conviction-based confiscation orders: recognition experiences",
        "We have a civil forfeiture order to enforce abroad. Which of your systems recognise "
        "non-conviction-based orders, and on what basis (treaty, reciprocity, domestic law)?",
        ["confiscation", "ncb"],
        [
            "We can enforce them under our 2019 law if the order was made by a court and the "
            "owner could be heard. Send the order with proof of notification.",
        ],
    ),
    (
        "regional",
        "Regional contact list for urgent freezing requests",
        "Proposal: each central authority in the region names a 24/7 contact for urgent "
        "freezing of bank accounts. Please reply with your availability.",
        ["urgent", "freezing"],
        ["Our duty officer can be reached around the clock; details are in the directory."],
    ),
]


def _actor(user: identity_service.Member) -> Actor:
    return Actor.member(
        user_id=user.id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        full_name=user.full_name,
    )


async def _region_of_first_authority(session: AsyncSession, ctx: DemoContext) -> str | None:
    if not ctx.authorities:
        return None
    first = next(iter(ctx.authorities.values()))
    return await repository.region_of_authority(session, first)


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    """Create demo groups, forums, threads and replies."""
    members = await identity_service.members_by_ids(session, list(ctx.users.values()))
    users = list(members.values())
    by_role = {role: [u for u in users if role in u.roles] for role in ("moderator", "officer")}
    moderator = by_role["moderator"][0] if by_role["moderator"] else None
    manager = _actor(moderator) if moderator else Actor.system()

    forums: dict[str, uuid.UUID] = {}
    for key, name, description in [
        ("general", "General", "Questions and practice across the whole network."),
        ("assets", "Asset recovery", "Freezing, seizure and confiscation across borders."),
    ]:
        created = await service.create_forum(
            session, actor=manager, data=ForumCreate(name=name, description=description)
        )
        forums[key] = created.id
    moderators_forum = await service.create_forum(
        session,
        actor=manager,
        data=ForumCreate(
            name="Moderators' room",
            description="Vetting and moderation matters.",
            audience=Audience(kind="moderators"),
            position=90,
        ),
    )
    region = await _region_of_first_authority(session, ctx)
    if region:
        group = await service.create_group(
            session,
            actor=manager,
            data=GroupCreate(name=f"Central authorities of {region}", region=region),
        )
        regional = await service.create_forum(
            session,
            actor=manager,
            data=ForumCreate(
                name=f"{region}: regional cooperation",
                description=f"For the central authorities of {region} only.",
                audience=Audience(kind="group", group_id=group.id),
                position=10,
            ),
        )
        forums["regional"] = regional.id
    ctx.extra["forums"] = {**forums, "moderators": moderators_forum.id}
    ctx.lines.append(
        "Forums: General, Asset recovery"
        + (f", {region}: regional cooperation (region group)" if region else "")
        + ", Moderators' room (moderators only); threads by the demo officers."
    )

    officers = by_role["officer"]
    if not officers:
        return
    if moderator is not None:
        welcome = await service.start_thread(
            session,
            actor=_actor(moderator),
            forum_id=forums["general"],
            data=ThreadCreate(title="Welcome: how these forums work", body=WELCOME),
        )
        await service.set_thread_flag(
            session,
            actor=_actor(moderator),
            thread_id=welcome.id,
            flag="pinned",
            value=True,
            reason="House rules",
        )
    for n, (forum_key, title, body, tags, replies) in enumerate(THREADS):
        if forum_key not in forums:
            continue
        eligible = [
            u
            for u in officers
            if await service.can_read_forum(session, _actor(u), forums[forum_key])
        ]
        if not eligible:
            continue
        author = eligible[n % len(eligible)]
        readers = [u for u in eligible if u.id != author.id]
        thread = await service.start_thread(
            session,
            actor=_actor(author),
            forum_id=forums[forum_key],
            data=ThreadCreate(title=title, body=body, tags=tags),
        )
        previous = thread.first_post.id
        for i, text in enumerate(replies):
            replier = readers[i % len(readers)] if readers else author
            if i == 0:
                text = f"@{author.handle} {text}"
            post = await service.create_post(
                session,
                actor=_actor(replier),
                thread_id=thread.id,
                body=text,
                reply_to_post_id=previous,
            )
            previous = post.id
