"""UN M49 regions of the states, from the `countryinfo` package (MIT).

The migration 0005_directory fills them once; `canet directory seed` runs this again, e.g.
after a newer countryinfo corrects an entry. Antarctica has no M49 region and stays NULL.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory import repository

# The one ISO 3166-1 entry countryinfo leaves without a region although M49 places it (334).
M49_GAPS = {"HMD": ("Oceania", "Australia and New Zealand", None)}


def m49_of(code: str) -> tuple[str | None, str | None, str | None]:
    """(region, sub-region, intermediate region) of an ISO alpha-3 code."""
    from countryinfo import CountryInfo
    from countryinfo.exceptions import CountryNotFoundError

    if code in M49_GAPS:
        return M49_GAPS[code]
    try:
        info: dict[str, str | None] = dict(CountryInfo(code).info())  # type: ignore[arg-type]
    except CountryNotFoundError:
        return None, None, None
    return (
        info.get("region") or None,
        info.get("subregion") or None,
        info.get("intermediateregion") or None,
    )


async def fill_regions(session: AsyncSession) -> int:
    """Set every state's M49 regions; returns how many states have a region."""
    states = await repository.every_state(session)
    for state in states:
        state.region, state.subregion, state.intermediate_region = m49_of(state.code)
        session.add(state)
    await session.flush()
    return sum(1 for s in states if s.region)
