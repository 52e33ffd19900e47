"""Fixtures of the real-browser tests: one seeded gateway and one Chromium for
the whole session, and a fresh page per test at phone and desktop size.

Without Playwright or Chromium the browser tests skip with the reason, except
in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.chromium import (
    VIEWPORTS,
    error_text,
    launch_chromium,
    missing_browser,
    open_page,
)
from tests.browser.live import LiveServer, running_gateway

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The gateway serving a fresh, demo-seeded SQLite database."""
    with running_gateway(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless system Chromium, driven through ``playwright.sync_api``."""
    reason = missing_browser()
    if reason is not None:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def console_errors() -> list[str]:
    """The console errors and uncaught exceptions of the test's ``page``."""
    return []


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: LiveServer,
    console_errors: list[str],
) -> Iterator[Page]:
    """A page on the live server with no cookies, once phone- and once
    desktop-sized; choose one with ``parametrize("page", [...], indirect=True)``."""
    opened = open_page(browser, live_server.url, VIEWPORTS[request.param])
    opened.on("console", lambda message: _note(console_errors, error_text(message)))
    opened.on("pageerror", lambda error: console_errors.append(str(error)))
    yield opened
    opened.context.close()


def _note(errors: list[str], text: str | None) -> None:
    if text is not None:
        errors.append(text)
