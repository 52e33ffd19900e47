"""A resident subscribes in a real browser at phone size, against the real
gateway with a real SMTP server (aiosmtpd) and an http-json SMS provider on
loopback: by email, confirming with the link from the mail the server took,
and by SMS, typing the code the provider was asked to send; a point is
picked by tapping the map. Both end on the success page with a manage link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.chromium import PHONE, csp_violations, open_page, screenshot
from tests.browser.live import LiveServer, running_gateway
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.mailbox import Mailbox, running_mailbox

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LOOPBACK = "127.0.0.1"
LINK = re.compile(r"https?://\S+/subscribe/confirm/\S+")
DONE = re.compile(r"/subscribe/done/")
CODE_PAGE = re.compile(r"/subscribe/code/")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as running:
        yield running


@pytest.fixture(scope="module")
def sms_provider() -> Iterator[LoopbackServer]:
    answer = Answer(200, {"Content-Type": "application/json"}, b'{"id": "1"}')
    with loopback_server(answer) as server:
        yield server


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    mailbox: tuple[Mailbox, int],
    sms_provider: LoopbackServer,
) -> Iterator[LiveServer]:
    """A gateway whose confirmation messages reach the loopback providers."""
    settings = {
        "KENTONGAN_SMTP_HOST": LOOPBACK,
        "KENTONGAN_SMTP_PORT": str(mailbox[1]),
        "KENTONGAN_SMTP_SECURITY": "none",
        "KENTONGAN_MAIL_FROM": "peringatan@kentongan.example",
        "KENTONGAN_SMS_PROVIDER": "http-json",
        "KENTONGAN_SMS_URL": sms_provider.url("/send"),
        "KENTONGAN_SUBSCRIBE_MIN_SECONDS": "0",
    }
    folder: Path = tmp_path_factory.mktemp("subscribe-live")
    with running_gateway(folder, extra_environment=settings) as server:
        yield server


@pytest.fixture
def phone(browser: Browser, gateway: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    """A phone-sized page on the gateway, and its console errors."""
    page = open_page(browser, gateway.url, PHONE)
    errors: list[str] = []
    page.on("console", lambda message: _note(errors, message.type, message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, errors
    page.context.close()


def test_subscribing_by_email_through_the_link_in_the_mail(
    phone: tuple[Page, list[str]], mailbox: tuple[Mailbox, int]
) -> None:
    page, errors = phone
    page.goto("/subscribe?lang=en")
    screenshot(page, "subscribe-form")
    page.locator("label[for=channel-email]").click()
    page.locator("#address").fill("warga@example.id")
    page.locator("label[for=language-en-US]").click()
    page.locator("#area").select_option("1371010")
    page.locator("#subscribe-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/subscribe/sent"))
    sent_text = page.locator("main").inner_text()

    [message] = mailbox[0].received
    link = LINK.search(message.get_content())
    assert link is not None, message.get_content()
    page.goto(link.group(0))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(DONE)

    assert "Check your email" in sent_text
    assert message["To"] == "warga@example.id"
    assert page.locator("h1").inner_text() == "You are subscribed"
    assert "/s/" in page.locator(".manage-link a").get_attribute("href", timeout=1000)
    assert csp_violations(errors) == []


def test_subscribing_by_sms_with_the_code_and_a_point_from_the_map(
    phone: tuple[Page, list[str]], sms_provider: LoopbackServer
) -> None:
    page, errors = phone
    page.goto("/subscribe")
    page.locator("#address").fill("0812 3456 7890")
    box = page.locator("#subscribe-map")
    box.scroll_into_view_if_needed()
    size = box.bounding_box()
    assert size is not None
    box.tap(position={"x": size["width"] / 2, "y": size["height"] / 2})
    picked = (page.locator("#lat").input_value(), page.locator("#lon").input_value())
    page.locator("#subscribe-form button[type=submit]").click()
    page.wait_for_url(CODE_PAGE)

    payload = json.loads(sms_provider.received[-1].body)
    code = re.search(r"[0-9]{6}", payload["text"])
    assert code is not None, payload
    page.locator("#code").fill(code.group(0))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(DONE)

    assert all(re.fullmatch(r"-?[0-9]+\.[0-9]{5}", value) for value in picked)
    assert payload["to"] == "+6281234567890"
    assert page.locator("h1").inner_text() == "Anda sudah berlangganan"
    assert page.locator(".manage-link a").count() == 1
    assert csp_violations(errors) == []


def _note(errors: list[str], kind: str, text: str) -> None:
    if kind == "error":
        errors.append(text)
