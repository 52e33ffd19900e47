"""Web Push end to end in a real browser, with a loopback push service.

Chromium cannot reach a browser vendor's push service here, so the page's
``PushManager.prototype.subscribe`` alone is replaced by one that returns a
subscription whose endpoint is a loopback receiver and whose keys come from a
P-256 key pair and auth secret made in this test. The resident subscribes on
the subscribe page; staff publish an alert for the resident's district; the
receiver decrypts what the gateway sent. The same payload is then delivered
into the page's service worker through the Chrome DevTools Protocol, and the
notification it shows is checked, and its address opened.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.browser.chromium import VIEWPORTS, csp_violations, open_page
from tests.browser.live import (
    LiveServer,
    gateway_environment,
    run_command,
    running_gateway,
)
from tests.factories import draft_content
from tests.loopback import Answer, LoopbackServer, loopback_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PUSH_PATH = "/wpush/v2/browser-under-test"
DISTRICT = "1371010"
HEADLINE = "Uji Web Push: banjir rob di Pesisir Utara"
WAIT_SECONDS = 30


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class BrowserKeys:
    """The browser's half of a subscription: a P-256 key pair and auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )
        found: dict[str, Any] = json.loads(plain)
        return found


def vapid_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def fake_subscribe_script(endpoint: str, keys: dict[str, str]) -> str:
    """Replaces only PushManager.prototype.subscribe; records what it was given."""
    subscription = json.dumps({"endpoint": endpoint, "keys": keys})
    return (
        "(() => { const made = SUBSCRIPTION;"
        " PushManager.prototype.subscribe = async function (options) {"
        "  window.__pushOptions = { userVisibleOnly: options.userVisibleOnly,"
        "   key: Array.from(new Uint8Array(options.applicationServerKey)) };"
        "  return { endpoint: made.endpoint, expirationTime: null, options,"
        "   toJSON() { return { endpoint: made.endpoint, expirationTime: null,"
        "    keys: made.keys }; } };"
        " }; })();"
    ).replace("SUBSCRIPTION", subscription)


@pytest.fixture(scope="module")
def push_service() -> Iterator[LoopbackServer]:
    with loopback_server(Answer(status=201)) as server:
        yield server


@pytest.fixture(scope="module")
def vapid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def push_gateway(
    tmp_path_factory: pytest.TempPathFactory, vapid_key: ec.EllipticCurvePrivateKey
) -> Iterator[LiveServer]:
    settings = {
        "KENTONGAN_WEBPUSH_VAPID_PRIVATE_KEY": vapid_pem(vapid_key),
        "KENTONGAN_WEBPUSH_VAPID_SUBJECT": "mailto:ops@bpbd.example",
        "KENTONGAN_WEBPUSH_ALLOW_INSECURE": "true",
    }
    with running_gateway(tmp_path_factory.mktemp("push"), settings) as server:
        yield server


def staff_token(server: LiveServer, role: str) -> str:
    port = urlsplit(server.url).port or 0
    environment = gateway_environment(server.folder, port)
    email = server.accounts[role].email
    return run_command(environment, "tokens", "create", email).strip()


def call_api(server: LiveServer, token: str, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def publish_alert(server: LiveServer) -> dict[str, Any]:
    """Staff write, submit and approve a flood warning for ``DISTRICT``."""
    author, approver = staff_token(server, "author"), staff_token(server, "approver")
    content = draft_content(
        info={
            "headline": HEADLINE,
            "areas": [
                {
                    "areaDesc": "Kecamatan Pesisir Utara",
                    "geocodes": [{"valueName": "BPS", "value": DISTRICT}],
                }
            ],
        }
    )
    created = call_api(server, author, "/api/v1/alerts", content)
    submitted = call_api(server, author, f"/api/v1/alerts/{created['id']}/submit", {})
    approved: dict[str, Any] = call_api(
        server,
        approver,
        f"/api/v1/alerts/{created['id']}/approve",
        {"contentHash": submitted["contentHash"]},
    )
    return approved


def wait_for_push(service: LoopbackServer) -> bytes:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for received in service.received:
            if received.path == PUSH_PATH:
                return received.body
        time.sleep(0.1)
    raise AssertionError(f"no push reached {PUSH_PATH} within {WAIT_SECONDS} s")


def subscribe_in_page(page: Page) -> str:
    """Choose Web Push, the district and English on the subscribe page."""
    page.goto("/subscribe?lang=en")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.locator("#channel-webpush").check()
    page.locator("input[name=language][value^=en]").check()
    page.locator("#area").select_option(DISTRICT)
    page.locator("#subscribe-form button[type=submit]").click()
    link = page.locator("#push-outcome a.push-manage")
    link.wait_for()
    return link.get_attribute("href") or ""


def registration_id(page: Page, origin: str) -> tuple[Any, str]:
    """A DevTools session and the id of the page's service worker registration."""
    cdp = page.context.new_cdp_session(page)
    found: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for registration in found:
            if registration["scopeURL"] == origin + "/":
                return cdp, str(registration["registrationId"])
        page.wait_for_timeout(100)
    raise AssertionError(f"no service worker registration for {origin}: {found}")


def shown_notifications(page: Page) -> list[dict[str, Any]]:
    script = (
        "async () => { const registration = await navigator.serviceWorker.ready;"
        " for (let tries = 0; tries < 50; tries += 1) {"
        "  const shown = await registration.getNotifications();"
        "  if (shown.length) return shown.map((n) => ({ title: n.title, body: n.body,"
        "   tag: n.tag, url: n.data && n.data.url }));"
        "  await new Promise((done) => setTimeout(done, 100)); }"
        " return []; }"
    )
    found: list[dict[str, Any]] = page.evaluate(script)
    return found


@pytest.fixture
def push_page(browser: Browser, push_gateway: LiveServer) -> Iterator[Page]:
    opened = open_page(browser, push_gateway.url, VIEWPORTS["desktop"])
    opened.context.grant_permissions(["notifications"], origin=push_gateway.url)
    yield opened
    opened.context.close()


def test_a_published_alert_reaches_the_browser_and_opens_its_page(
    push_page: Page,
    push_gateway: LiveServer,
    push_service: LoopbackServer,
    vapid_key: ec.EllipticCurvePrivateKey,
) -> None:
    errors: list[str] = []
    push_page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" else None
    )
    browser_keys = BrowserKeys()
    endpoint = push_service.url(PUSH_PATH)
    push_page.add_init_script(fake_subscribe_script(endpoint, browser_keys.keys))
    expected_key = list(
        vapid_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )

    manage_url = subscribe_in_page(push_page)
    options = push_page.evaluate("window.__pushOptions")
    stored_link = push_page.evaluate("localStorage.getItem('kentongan.pushManageUrl')")
    push_page.reload()
    shown_again = push_page.locator("#push-outcome a.push-manage").get_attribute("href")
    published = publish_alert(push_gateway)
    payload = browser_keys.decrypt(wait_for_push(push_service))

    cdp, registration = registration_id(push_page, push_gateway.url)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": push_gateway.url,
            "registrationId": registration,
            "data": json.dumps(payload),
        },
    )
    notifications = shown_notifications(push_page)
    alert_url = payload["url"]
    push_page.goto(alert_url)
    opened_headline = push_page.locator("h1#alert-title").inner_text()

    assert options == {"userVisibleOnly": True, "key": expected_key}
    assert manage_url.startswith(push_gateway.url + "/s/")
    assert stored_link == manage_url
    assert shown_again == manage_url
    assert payload["title"] == HEADLINE
    assert payload["severity"] == "Severe"
    assert payload["identifier"] == published["identifier"]
    assert urlsplit(alert_url).path == f"/alerts/{published['id']}"
    assert [(n["title"], n["tag"], n["url"]) for n in notifications] == [
        (f"Bahaya berat: {HEADLINE}", published["identifier"], alert_url)
    ]
    assert notifications[0]["body"] == payload["description"]
    assert opened_headline == HEADLINE
    assert csp_violations(errors) == []


def test_without_a_push_api_the_choice_is_hidden(
    browser: Browser, push_gateway: LiveServer
) -> None:
    page = open_page(browser, push_gateway.url, VIEWPORTS["phone"])
    page.add_init_script("delete window.PushManager;")
    page.goto("/subscribe")
    hidden = page.locator("#channel-webpush").is_hidden()
    sms_shown = page.locator("#channel-sms").is_visible()
    page.context.close()

    assert hidden
    assert sms_shown


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_without_a_vapid_key_the_choice_is_hidden(page: Page) -> None:
    """The session's demo gateway has no VAPID key; its key endpoint says 404."""
    page.goto("/subscribe")
    page.wait_for_function(
        "() => document.querySelector('#channel-webpush').closest('.choice').hidden"
    )

    assert page.locator("#channel-webpush").is_disabled()
    assert page.locator("#channel-email").is_visible()
