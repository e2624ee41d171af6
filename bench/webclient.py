"""The web client's first load: bytes over the wire and time until the sign-in form is usable.

    .venv/bin/python -m bench.webclient [--runs N]

Starts `canet serve` on a scratch database, then opens http://HOST/ in a fresh Chromium
context N times (nothing cached), as a member does the first time. Reports, from the
browser's own accounting, the compressed bytes of JavaScript, CSS and the rest, and the time
from navigation start until the e-mail field of the sign-in form can be typed into (the
shell is drawn, the language catalog loaded and the page's code running). Figures are
printed, never asserted: they move with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from dataclasses import dataclass, field

from playwright.async_api import Response, async_playwright

from bench.server import ScratchDatabase, running_server

CHROMIUM = os.environ.get("CANET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Load:
    interactive_ms: float
    bytes_by_kind: dict[str, int] = field(default_factory=dict)


def _kind(response: Response) -> str:
    kind = response.request.resource_type
    return {"script": "js", "stylesheet": "css"}.get(kind, "other")


async def _one_load(browser: object, url: str) -> Load:
    context = await browser.new_context()  # type: ignore[attr-defined]
    page = await context.new_page()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    await page.goto(url)
    email = page.get_by_label("Email address")
    await email.wait_for(state="visible")
    await email.fill("someone@example.org")  # usable, not merely drawn
    interactive = float(await page.evaluate("performance.now()"))
    await page.wait_for_load_state("networkidle")
    sizes: dict[str, int] = {}
    for response in responses:
        body = (await response.request.sizes())["responseBodySize"]
        sizes[_kind(response)] = sizes.get(_kind(response), 0) + int(body)
    await context.close()
    return Load(interactive, sizes)


async def measure(url: str, runs: int) -> list[Load]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await _one_load(browser, url)  # the server's first answers warm its caches
            return [await _one_load(browser, url) for _ in range(runs)]
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = ScratchDatabase.create()
    try:
        with running_server(scratch.url, workers=1) as server:
            loads = asyncio.run(measure(server.base_url + "/", args.runs))
    finally:
        scratch.drop()
    times = sorted(load.interactive_ms for load in loads)
    first = loads[0].bytes_by_kind
    total = sum(first.values())
    print(f"first load over the wire (compressed): {total / 1024:.1f} KiB in all")
    for kind in ("js", "css", "other"):
        print(f"  {kind:5s} {first.get(kind, 0) / 1024:7.1f} KiB")
    print(
        f"sign-in form usable after: median {statistics.median(times):.0f} ms, "
        f"min {times[0]:.0f}, max {times[-1]:.0f} ({len(times)} fresh contexts)"
    )


if __name__ == "__main__":
    main()
