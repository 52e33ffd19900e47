"""What a resident sees in a real browser: the front page lists a published
alert and never a drill, which has a page of its own, and an alert's page
names the nearest shelter first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.chromium import csp_violations, screenshot
from tests.browser.live import LiveServer
from tests.browser.publishing import publish_alert

if TYPE_CHECKING:
    from playwright.sync_api import Page

# A circle of 1 km on the coast of the demo city's Kecamatan Muara Selatan; the
# demo shelter Masjid Nurul Iman is the nearest (see tests/web/test_public.py).
MUARA_AREA = {
    "areaDesc": "Pesisir Muara",
    "circles": [{"lat": -0.96, "lon": 100.40, "radiusKm": 1.0}],
}
ALERT_HEADLINE = "Peringatan tsunami pesisir Muara"
DRILL_HEADLINE = "Latihan evakuasi tsunami Muara"
EXTREME_WORDS = "Bahaya ekstrem"


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> dict[str, Any]:
    """A real tsunami warning and a drill, both for the Muara coast."""
    warning = {
        "event": "Tsunami",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "headline": ALERT_HEADLINE,
        "instruction": "Segera menuju tempat tinggi atau shelter terdekat.",
        "areas": [MUARA_AREA],
    }
    drill = {**warning, "headline": DRILL_HEADLINE}
    alert = publish_alert(live_server, info=warning)
    publish_alert(live_server, status="Exercise", info=drill)
    return alert


def test_front_page_lists_the_alert_and_never_the_drill(
    page: Page, published: dict[str, Any], console_errors: list[str]
) -> None:
    page.goto("/")

    line = page.locator("li.alert-line", has_text=ALERT_HEADLINE)
    assert line.count() == 1
    assert EXTREME_WORDS in line.inner_text()
    assert page.get_by_text(DRILL_HEADLINE).count() == 0
    areas = page.locator("#map path.leaflet-interactive")
    areas.first.wait_for()
    assert areas.count() >= 2
    screenshot(page, "public-1-front")

    page.goto("/drills")
    assert page.locator("li.alert-line.drill", has_text=DRILL_HEADLINE).count() == 1
    assert page.get_by_text(ALERT_HEADLINE).count() == 0
    assert csp_violations(console_errors) == []


def test_alert_page_names_the_nearest_shelter_first(
    page: Page, published: dict[str, Any], console_errors: list[str]
) -> None:
    page.goto("/")
    page.locator("li.alert-line", has_text=ALERT_HEADLINE).locator("a").first.click()
    page.wait_for_url(f"**/alerts/{published['id']}")

    assert page.locator("h1").inner_text().strip() == ALERT_HEADLINE
    names = page.locator("section:has(#shelters-title) h3")
    assert names.first.inner_text() == "Shelter Masjid Nurul Iman"
    assert names.count() >= 2
    page.locator("#map path.leaflet-interactive").first.wait_for()
    section = page.locator("section:has(#shelters-title)").inner_text()
    assert "km dari wilayah peringatan" in section
    screenshot(page, "public-2-alert")
    assert csp_violations(console_errors) == []


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_alert_page_reads_in_english_when_chosen(
    page: Page, published: dict[str, Any]
) -> None:
    page.goto(f"/alerts/{published['id']}")

    page.get_by_role("link", name="English").click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        "km from the alert area"
        in page.locator("section:has(#shelters-title)").inner_text()
    )
