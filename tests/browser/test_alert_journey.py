"""One alert's whole journey through the console in a real browser: the author
composes it from the earthquake template and draws its area on the map,
previews and submits it; the approver approves it; it is in the Atom feed;
the author cancels it and the approver approves the Cancel."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.chromium import csp_violations, screenshot, sign_in
from tests.browser.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

ALERT_PAGE = re.compile(r"/console/alerts/([0-9a-f]{32})$")
# Four corners of a square in the middle of the map, in pixels of the map box.
CORNERS = [(-60, -60), (60, -60), (60, 60), (-60, 60)]


def sign_out(page: Page) -> None:
    page.locator("form.logout button").click()
    page.wait_for_url(re.compile(r"/login"))


def draw_square(page: Page) -> None:
    """Click the polygon tool, four corners and Finish on the compose map."""
    box = page.locator("#compose-map")
    box.scroll_into_view_if_needed()
    tools = page.locator(".map-tools button")
    tools.nth(0).click()
    size = box.bounding_box()
    assert size is not None
    for dx, dy in CORNERS:
        box.click(position={"x": size["width"] / 2 + dx, "y": size["height"] / 2 + dy})
    tools.nth(2).click()


def alert_id_of(page: Page) -> str:
    found = ALERT_PAGE.search(page.url)
    assert found, page.url
    return found.group(1)


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_compose_approve_publish_and_cancel_an_alert(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    sign_in(page, live_server.accounts["author"])
    page.goto("/console/compose")
    page.locator('a[href$="/console/compose/earthquake"]').click()
    draw_square(page)
    page.locator("#field-drawn_name").fill("Pesisir Padang")
    drawn = page.locator("#field-polygons").input_value()
    screenshot(page, "journey-1-compose")

    page.locator("button[name=action][value=preview]").click()
    page.locator("details:has(pre.cap-xml) summary").click()
    cap_xml = page.locator("pre.cap-xml").inner_text()
    sms = page.locator("pre.sms-text").first.inner_text()
    screenshot(page, "journey-2-preview")
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_url(ALERT_PAGE)
    alert_id = alert_id_of(page)
    screenshot(page, "journey-3-submitted")
    sign_out(page)

    sign_in(page, live_server.accounts["approver"])
    page.goto("/console/approvals")
    queued = page.locator("main").inner_text()
    screenshot(page, "journey-4-approvals")
    page.goto(f"/console/alerts/{alert_id}")
    screenshot(page, "journey-5-review")
    page.locator("form.approve button").click()
    page.wait_for_url(ALERT_PAGE)
    published = page.locator("main").inner_text()
    screenshot(page, "journey-6-published")
    feed = page.request.get("/feeds/alerts.atom").text()
    sign_out(page)

    sign_in(page, live_server.accounts["author"])
    page.goto(f"/console/alerts/{alert_id}")
    page.locator(f'a[href$="/console/alerts/{alert_id}/cancel"]').click()
    screenshot(page, "journey-7-cancel")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(ALERT_PAGE)
    cancel_id = alert_id_of(page)
    sign_out(page)

    sign_in(page, live_server.accounts["approver"])
    page.goto(f"/console/alerts/{cancel_id}")
    page.locator("form.approve button").click()
    page.wait_for_url(ALERT_PAGE)
    screenshot(page, "journey-8-cancelled")
    feed_after = page.request.get("/feeds/alerts.atom").text()

    assert len(drawn.split()) == 5
    assert "<alert" in cap_xml
    assert "<polygon>" in cap_xml
    assert sms.startswith("Gempa bumi kuat dirasakan di Pesisir Padang")
    assert "Gempa bumi" in queued
    assert "Gempa bumi kuat dirasakan di Pesisir Padang" in published
    assert f"/feeds/cap/{alert_id}.xml" in feed
    assert cancel_id != alert_id
    assert f"/feeds/cap/{cancel_id}.xml" in feed_after
    assert f"/feeds/cap/{alert_id}.xml" not in feed_after
    assert csp_violations(console_errors) == []
