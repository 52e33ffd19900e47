"""Driving the system's Chromium with Playwright, and what browser tests share.

The browser is Debian's ``chromium`` package (``KENTONGAN_TEST_CHROMIUM``
names another executable); Playwright's own browser downloads are never used.
Screenshots go to ``test-artifacts/screenshots`` (``KENTONGAN_TEST_ARTIFACTS``
names another folder), which CI keeps.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Page,
        Playwright,
        ViewportSize,
    )

    from gateway.demo import DemoAccount

ROOT = Path(__file__).resolve().parents[2]
CSP_WORDS = "Content Security Policy"


@dataclass(frozen=True, slots=True)
class Viewport:
    """A screen size to test a page at."""

    name: str
    width: int
    height: int
    is_mobile: bool = False

    @property
    def size(self) -> ViewportSize:
        return {"width": self.width, "height": self.height}


PHONE = Viewport("phone", 390, 844, is_mobile=True)
DESKTOP = Viewport("desktop", 1280, 800)
VIEWPORTS = {viewport.name: viewport for viewport in (PHONE, DESKTOP)}


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (it is in the dev extras: make install)"
    if chromium_path() is not None:
        return None
    chosen = os.environ.get("KENTONGAN_TEST_CHROMIUM")
    if chosen:
        return f"KENTONGAN_TEST_CHROMIUM names {chosen}, which is not a file"
    return "Chromium is not installed (apt-get install chromium)"


def chromium_path() -> str | None:
    chosen = os.environ.get("KENTONGAN_TEST_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless system Chromium."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True)


def open_page(browser: Browser, base_url: str, viewport: Viewport) -> Page:
    """A page in a context of its own (no cookies) at ``viewport``'s size."""
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport.size,
        is_mobile=viewport.is_mobile,
        has_touch=viewport.is_mobile,
        device_scale_factor=2 if viewport.is_mobile else 1,
    )
    return context.new_page()


def viewport_of(page: Page) -> Viewport:
    size = page.viewport_size or {"width": 0, "height": 0}
    for known in VIEWPORTS.values():
        if known.size == size:
            return known
    return Viewport(f"{size['width']}x{size['height']}", size["width"], size["height"])


def artifacts_folder() -> Path:
    chosen = os.environ.get("KENTONGAN_TEST_ARTIFACTS")
    base = Path(chosen) if chosen else ROOT / "test-artifacts"
    return base / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``<name>-<viewport>.png`` in the artifacts folder."""
    folder = artifacts_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{viewport_of(page).name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, account: DemoAccount) -> None:
    """Fill in and send the login form (opening /login unless it is open),
    as a person would."""
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    page.locator("input[name=email]").fill(account.email)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_load_state()


def error_text(message: ConsoleMessage) -> str | None:
    """The text of a console message of type error, else None."""
    return message.text if message.type == "error" else None


def csp_violations(errors: list[str]) -> list[str]:
    return [text for text in errors if CSP_WORDS in text]
