"""Addresses come out in one canonical form per channel, or are refused with a
stable code."""

from __future__ import annotations

import json

import pytest

from gateway.residents.addresses import (
    Channel,
    normalise_address,
    push_address,
    webhook_address,
)
from gateway.residents.errors import InvalidSubscription
from tests.residents.factories import push_key, push_subscription

SECRET = "whsec_0123456789abcdef"


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        pytest.param(Channel.SMS, "081234567890", "+6281234567890", id="national"),
        pytest.param(
            Channel.SMS, "+62 812-3456-7890", "+6281234567890", id="international"
        ),
        pytest.param(Channel.SMS, " 0812 3456 7890 ", "+6281234567890", id="spaces"),
        pytest.param(Channel.SMS, "+44 7911 123456", "+447911123456", id="abroad"),
        pytest.param(
            Channel.EMAIL, "Warga@Example.ID", "warga@example.id", id="email-case"
        ),
        pytest.param(
            Channel.EMAIL,
            " siti.n+banjir@mail.padang.go.id ",
            "siti.n+banjir@mail.padang.go.id",
            id="email-trimmed",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"https://media.example.id/cap {SECRET}",
            "https://media.example.id/cap",
            id="webhook-url-and-secret",
        ),
        pytest.param(
            Channel.WEBHOOK,
            json.dumps({"url": "https://media.example.id/cap", "secret": SECRET}),
            "https://media.example.id/cap",
            id="webhook-json",
        ),
        pytest.param(
            Channel.WEBPUSH,
            push_subscription("https://push.example.net/send/abc"),
            "https://push.example.net/send/abc",
            id="webpush-endpoint",
        ),
    ],
)
def test_address_is_normalised(channel: Channel, raw: str, expected: str) -> None:
    assert normalise_address(channel, raw, region="ID").address == expected


@pytest.mark.parametrize(
    ("channel", "raw", "code"),
    [
        pytest.param(Channel.SMS, "12345", "invalid-phone", id="too-short"),
        pytest.param(Channel.SMS, "call me", "invalid-phone", id="words"),
        pytest.param(Channel.SMS, "021 5551234", "landline-phone", id="landline"),
        pytest.param(Channel.SMS, "  ", "empty-address", id="empty"),
        pytest.param(Channel.EMAIL, "warga.example.id", "invalid-email", id="no-at"),
        pytest.param(Channel.EMAIL, "warga@localhost", "invalid-email", id="no-dot"),
        pytest.param(Channel.EMAIL, "a..b@example.id", "invalid-email", id="dots"),
        pytest.param(Channel.EMAIL, "a@-bad-.id", "invalid-email", id="bad-label"),
        pytest.param(Channel.EMAIL, "a@b@example.id", "invalid-email", id="two-at"),
        pytest.param(
            Channel.WEBHOOK,
            f"http://media.example.id/cap {SECRET}",
            "insecure-webhook",
            id="webhook-http",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"http://127.0.0.1:8080/cap {SECRET}",
            "loopback-webhook",
            id="webhook-loopback",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"https://10.1.2.3/cap {SECRET}",
            "private-webhook",
            id="webhook-private",
        ),
        pytest.param(
            Channel.WEBHOOK,
            "https://media.example.id/cap",
            "webhook-secret-missing",
            id="webhook-no-secret",
        ),
        pytest.param(
            Channel.WEBHOOK,
            "https://media.example.id/cap short",
            "weak-webhook-secret",
            id="webhook-short-secret",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"ftp://media.example.id/cap {SECRET}",
            "invalid-webhook",
            id="webhook-ftp",
        ),
        pytest.param(Channel.WEBPUSH, "{not json", "invalid-webpush", id="push-json"),
        pytest.param(
            Channel.WEBPUSH,
            push_subscription("http://push.example.net/send/abc"),
            "invalid-webpush",
            id="push-http",
        ),
        pytest.param(
            Channel.WEBPUSH,
            push_subscription(auth=push_key(15)),
            "invalid-webpush",
            id="push-short-auth",
        ),
        pytest.param(
            Channel.WEBPUSH,
            push_subscription(p256dh="not base64!"),
            "invalid-webpush",
            id="push-bad-key",
        ),
        pytest.param(
            Channel.WEBPUSH,
            json.dumps({"endpoint": "https://push.example.net/x"}),
            "invalid-webpush",
            id="push-no-keys",
        ),
        pytest.param(Channel.SMS, "0812\x003456789", "invalid-address", id="nul"),
        pytest.param(
            Channel.WEBPUSH,
            push_subscription("https://push.example.net/a\u0000b"),
            "invalid-webpush",
            id="push-endpoint-with-nul",
        ),
        pytest.param(
            Channel.WEBHOOK,
            json.dumps({"url": "https://media.example.id/a b", "secret": SECRET}),
            "invalid-webhook",
            id="webhook-url-with-space",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"https://[::1/cap {SECRET}",
            "invalid-webhook",
            id="webhook-broken-ipv6-host",
        ),
        pytest.param(
            Channel.WEBHOOK,
            f"https://media.example.id:99999/cap {SECRET}",
            "invalid-webhook",
            id="webhook-port-out-of-range",
        ),
        pytest.param(
            Channel.WEBHOOK,
            json.dumps({"url": "https://media.example.id/", "secret": SECRET + "\n"}),
            "invalid-webhook-secret",
            id="webhook-secret-with-newline",
        ),
    ],
)
def test_unusable_address_is_refused_with_its_code(
    channel: Channel, raw: str, code: str
) -> None:
    with pytest.raises(InvalidSubscription) as refused:
        normalise_address(channel, raw, region="ID")

    assert refused.value.code == code


def test_loopback_webhook_is_accepted_when_allowed() -> None:
    address = normalise_address(
        Channel.WEBHOOK,
        f"http://127.0.0.1:8080/cap {SECRET}",
        region="ID",
        allow_loopback=True,
    )

    assert (address.address, address.webhook_secret) == (
        "http://127.0.0.1:8080/cap",
        SECRET,
    )


def test_push_keys_are_kept_beside_the_endpoint() -> None:
    address = normalise_address(Channel.WEBPUSH, push_subscription(), region="ID")

    assert address.push_keys == {"p256dh": push_key(65), "auth": push_key(16)}


def test_national_number_is_read_in_the_configured_region() -> None:
    address = normalise_address(Channel.SMS, "07911 123456", region="GB")

    assert address.address == "+447911123456"


def test_push_subscription_object_gives_the_same_address_as_its_text() -> None:
    text = push_subscription()

    from_text = normalise_address(Channel.WEBPUSH, text, region="ID")
    from_object = push_address(json.loads(text))

    assert from_object == from_text


def test_push_endpoint_longer_than_the_column_is_refused() -> None:
    document = json.loads(push_subscription("https://push.example.net/" + "a" * 2000))

    with pytest.raises(InvalidSubscription) as refused:
        push_address(document)

    assert refused.value.code == "invalid-webpush"


def test_webhook_given_apart_equals_the_imported_form() -> None:
    imported = normalise_address(
        Channel.WEBHOOK, f"https://media.example.id/cap {SECRET}", region="ID"
    )

    apart = webhook_address(
        "https://media.example.id/cap", SECRET, allow_loopback=False
    )

    assert apart == imported
