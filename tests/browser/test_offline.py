"""The public pages offline in a real browser: the service worker keeps the
front page, the alert pages the resident opened and the shelters page, and
a reload with the network switched off shows them with the time they were
last updated."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.chromium import csp_violations, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

ALERT_LINK = re.compile(r"^/alerts/[0-9a-f]{32}")
PAGES_CACHE = "kentongan-pages-v1"
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def wait_for_worker(page: Page) -> None:
    """Until the service worker is active and controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def is_kept(page: Page, path: str) -> bool:
    script = (
        "async (path) => { const cache = await caches.open(CACHE); "
        "const found = await cache.match(new URL(path, location.href).href, "
        "{ ignoreVary: true }); return Boolean(found); }"
    ).replace("CACHE", json.dumps(PAGES_CACHE))
    return bool(page.evaluate(script, path))


def first_alert_path(page: Page) -> str:
    links = page.locator("ul.alerts a[href^='/alerts/']")
    href = links.first.get_attribute("href") or ""
    found = ALERT_LINK.match(href)
    assert found, href
    return found.group(0)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_alert_page_and_shelters_stay_readable_offline(
    page: Page, console_errors: list[str]
) -> None:
    page.goto("/")
    wait_for_worker(page)
    alert_path = first_alert_path(page)
    page.goto(alert_path)
    headline = page.locator("h1#alert-title").inner_text()
    page.wait_for_function(
        "(path) => caches.open(CACHE).then((c) => c.match(new URL(path, location.href)"
        ".href, { ignoreVary: true })).then(Boolean)".replace(
            "CACHE", json.dumps(PAGES_CACHE)
        ),
        arg=alert_path,
    )
    online_mark_hidden = page.locator("#offline-mark").is_hidden()

    page.context.set_offline(True)
    page.reload()
    offline_headline = page.locator("h1#alert-title").inner_text()
    mark = page.locator("#offline-mark")
    mark.wait_for(state="visible")
    mark_text = mark.inner_text()
    stamp = mark.locator("time").get_attribute("datetime") or ""
    screenshot(page, "offline-alert")

    page.goto("/")
    front_lists_alert = page.locator(f"a[href^='{alert_path}']").count() > 0
    page.goto("/shelters")
    shelters_heading = page.locator("main h1").inner_text()
    shelter_count = page.locator("ul.shelters > li").count()
    shelters_mark = page.locator("#offline-mark").is_visible()
    screenshot(page, "offline-shelters")
    page.context.set_offline(False)

    assert online_mark_hidden
    assert is_kept(page, "/shelters")
    assert offline_headline == headline
    assert "salinan ini terakhir diperbarui" in mark_text
    assert ISO_TIME.match(stamp), stamp
    assert front_lists_alert
    assert shelters_heading == "Tempat evakuasi dan jalur evakuasi"
    assert shelter_count > 0
    assert shelters_mark
    assert csp_violations(console_errors) == []


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_a_page_never_opened_says_it_is_not_saved_yet(page: Page) -> None:
    page.goto("/")
    wait_for_worker(page)

    page.context.set_offline(True)
    answer = page.goto("/drills?lang=en")
    text = page.locator("body").inner_text()
    page.context.set_offline(False)

    assert answer is not None
    assert answer.status == 503
    assert "This page has not been saved on this device yet" in text


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_console_and_login_are_never_kept(page: Page) -> None:
    page.goto("/")
    wait_for_worker(page)
    page.goto("/login")

    assert not is_kept(page, "/login")
    assert is_kept(page, "/")
