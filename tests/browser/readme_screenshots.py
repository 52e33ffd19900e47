"""Write the README's screenshots: ``python -m tests.browser.readme_screenshots``.

Each ``Shot`` in ``SHOTS`` is taken in a fresh browser context on a gateway
seeded with the demo data, signed in first when it names a role, and saved as
``docs/screenshots/<name>.png``. Add a page by adding a ``Shot``; ``--only
NAME`` retakes one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.chromium import (
    DESKTOP,
    PHONE,
    ROOT,
    Viewport,
    launch_chromium,
    missing_browser,
    open_page,
    sign_in,
)
from tests.browser.live import LiveServer, running_gateway

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OUTPUT = ROOT / "docs" / "screenshots"
FORM = Viewport("form", 720, 420)

Action = Callable[["Page", LiveServer], None]


@dataclass(frozen=True, slots=True)
class Shot:
    """One screenshot: the page, its file name, the screen size, the demo role
    to sign in as first (none: signed out), and steps to take once it is open."""

    url: str
    name: str
    viewport: Viewport = DESKTOP
    signed_in_as: str | None = None
    actions: tuple[Action, ...] = ()
    full_page: bool = False


def open_first_alert(page: Page, server: LiveServer) -> None:
    """Follow the front page's first alert to its page."""
    page.locator("li.alert-line a").first.click()
    page.wait_for_url("**/alerts/*")


def scroll_to_shelters(page: Page, server: LiveServer) -> None:
    page.locator("#shelters-title").scroll_into_view_if_needed()


SHOTS = (
    Shot("/login", "login", FORM),
    Shot("/console", "dashboard", signed_in_as="author"),
    Shot("/", "resident-front", PHONE),
    Shot("/", "resident-alert", PHONE, actions=(open_first_alert,)),
    Shot(
        "/",
        "resident-shelters",
        PHONE,
        actions=(open_first_alert, scroll_to_shelters),
    ),
    Shot("/subscribe", "resident-subscribe", PHONE),
)


def take(browser: Browser, server: LiveServer, shot: Shot, folder: Path) -> Path:
    """Open ``shot``'s page as it says and save it as ``folder/<name>.png``."""
    page = open_page(browser, server.url, shot.viewport)
    try:
        if shot.signed_in_as is not None:
            sign_in(page, server.accounts[shot.signed_in_as])
        page.goto(shot.url)
        for action in shot.actions:
            action(page, server)
        path = folder / f"{shot.name}.png"
        page.screenshot(path=str(path), full_page=shot.full_page)
        return path
    finally:
        page.context.close()


def main(arguments: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(arguments)
    shots = [shot for shot in SHOTS if options.only in (None, shot.name)]
    if not shots:
        print(f"No shot is named {options.only}.", file=sys.stderr)
        return 2
    reason = missing_browser()
    if reason is not None:
        print(f"Cannot take screenshots: {reason}.", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    options.output.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="kentongan-shots-") as folder,
        running_gateway(Path(folder)) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        for shot in shots:
            print(take(browser, server, shot, options.output))
        browser.close()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.browser.readme_screenshots", description=__doc__
    )
    parser.add_argument("--only", metavar="NAME", help="take only the shot NAME")
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help=f"folder to write to (default {OUTPUT.relative_to(ROOT)})",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
