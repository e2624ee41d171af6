"""`python -m app.event_catalog > docs/events.md`: the events page, from the declarations
that every domain's events module registers (the manifest imports them all)."""

from __future__ import annotations

import sys

from app import domains
from app.core import event_catalog


def main() -> None:
    domains.routers()  # the manifest imports every domain's events module
    sys.stdout.write(event_catalog.markdown())


if __name__ == "__main__":
    main()
