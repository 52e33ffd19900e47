"""Signing in to the console in a real browser, at phone and desktop size."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.demo import DemoAccount
from tests.browser.chromium import csp_violations, screenshot, sign_in
from tests.browser.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEMO_HEADLINE = "[DEMO] Hujan lebat dan angin kencang di Lembah Tengah"


def page_width(page: Page) -> int:
    """How wide the page is laid out, in CSS pixels; wider than the screen
    means the reader has to scroll the whole page sideways."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_author_signs_in_sees_the_demo_alert_switches_language_and_signs_out(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    page.goto("/console")
    address = urlsplit(page.url)
    assert (address.path, parse_qs(address.query)) == ("/login", {"next": ["/console"]})
    assert page.locator("h1").inner_text() == "Masuk ke konsol"
    screenshot(page, "login")

    sign_in(page, live_server.accounts["author"])
    assert urlsplit(page.url).path == "/console"
    assert page.locator("h1").inner_text() == "Dasbor"
    on_air = page.locator("section[aria-labelledby=active]")
    assert DEMO_HEADLINE in on_air.inner_text()
    assert page_width(page) <= (page.viewport_size or {"width": 0})["width"]
    screenshot(page, "dashboard")

    page.locator("form.language button[value=en]").click()
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("form.logout button").inner_text() == "Sign out"
    page.locator("form.language button[value=id]").click()
    assert page.locator("h1").inner_text() == "Dasbor"

    page.locator("form.logout button").click()
    assert page.url.startswith(f"{live_server.url}/login")
    assert "Anda sudah keluar." in page.locator("main").inner_text()
    page.goto("/console")
    assert "/login" in page.url
    assert csp_violations(console_errors) == []


def test_an_unknown_account_stays_on_the_login_page_with_a_message(
    page: Page,
) -> None:
    sign_in(page, DemoAccount("author", "nobody@demo.kentongan.id", "not-a-password"))

    assert "/login" in page.url
    assert page.locator(".flash-error").is_visible()


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_harness_notices_a_content_security_policy_violation(
    page: Page, console_errors: list[str]
) -> None:
    page.goto("/login")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate(
            "document.head.appendChild(document.createElement('style'))"
            ".textContent = 'body { color: red }'"
        )

    assert csp_violations(console_errors), console_errors
