"""The subscribers API over real HTTP (Flask's test client) on SQLite and
PostgreSQL: canonical addresses, duplicates, partial updates, erasure, paging,
the audit log, and a subscriber added here reached by a published alert."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.residents.models import Subscriber, SubscriberTag
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import Caller, add_partner, add_staff, partner_cap, post_cap
from tests.residents.factories import push_key

SECRET = "whsec_0123456789abcdef"
OTHER_SECRET = "whsec_fedcba9876543210"
PUSH_ENDPOINT = "https://push.example.net/send/abc123"
INSIDE_ALERT = {"lat": -0.83, "lon": 100.37}
FAR_AWAY = {"lat": -6.20, "lon": 106.80}
PROBLEM_TYPE = "application/problem+json"


def subscriber_body(**overrides: Any) -> dict[str, Any]:
    """A new SMS subscriber in Padang unless overridden; None drops a field."""
    body: dict[str, Any] = {
        "channel": "sms",
        "address": "081234567890",
        "language": "id-ID",
        "lat": -0.92,
        "lon": 100.40,
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


def push_document(endpoint: str = PUSH_ENDPOINT) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": push_key(65), "auth": push_key(16)},
    }


@pytest.fixture
def admin(app: Flask) -> Caller:
    return add_staff(app, "admin")


@pytest.fixture
def api(app: Flask, admin: Caller) -> Api:
    return Api(app.test_client(), admin)


class Api:
    """Calls to the subscribers API as one caller."""

    def __init__(self, client: FlaskClient, caller: Caller) -> None:
        self.client = client
        self.caller = caller

    def create(self, body: Any, **options: Any) -> Any:
        return self.client.post(
            "/api/v1/subscribers", json=body, headers=self.caller.headers, **options
        )

    def created(self, body: Any) -> dict[str, Any]:
        response = self.create(body)
        assert response.status_code == 201, response.get_json()
        found: dict[str, Any] = response.get_json()
        return found

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.caller.headers)

    def patch(self, subscriber_id: int | str, body: Any, **options: Any) -> Any:
        return self.client.patch(
            f"/api/v1/subscribers/{subscriber_id}",
            json=body,
            headers=self.caller.headers,
            **options,
        )

    def delete(self, subscriber_id: int | str) -> Any:
        return self.client.delete(
            f"/api/v1/subscribers/{subscriber_id}", headers=self.caller.headers
        )

    def send(self, method: str, path: str, data: bytes, mimetype: str) -> Any:
        return self.client.open(
            path,
            method=method,
            data=data,
            headers={**self.caller.headers, "Content-Type": mimetype},
        )


def stored_rows(app: Flask) -> list[Subscriber]:
    with transaction(runtime(app).sessions) as session:
        return list(session.scalars(select(Subscriber).order_by(Subscriber.id)))


def stored_tags(app: Flask, subscriber_id: int) -> list[str]:
    with transaction(runtime(app).sessions) as session:
        rows = session.scalars(
            select(SubscriberTag).where(SubscriberTag.subscriber_id == subscriber_id)
        )
        return sorted(f"{row.kind}:{row.value}" for row in rows)


def audit_rows(app: Flask, subject: str) -> list[AuditEntry]:
    with transaction(runtime(app).sessions) as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == subject)
                .order_by(AuditEntry.seq)
            )
        )


def codes_at(response: Any) -> list[tuple[str, str]]:
    assert response.mimetype == PROBLEM_TYPE
    return [(item["code"], item["location"]) for item in response.get_json()["errors"]]


@pytest.mark.parametrize(
    ("body", "address", "has_secret"),
    [
        pytest.param(
            subscriber_body(address="0812 3456 7890"),
            "+6281234567890",
            False,
            id="sms-national-to-e164",
        ),
        pytest.param(
            subscriber_body(address="+62 812-3456-7890"),
            "+6281234567890",
            False,
            id="sms-international-to-e164",
        ),
        pytest.param(
            subscriber_body(channel="email", address=" Siti.N@Example.ID "),
            "siti.n@example.id",
            False,
            id="email-lower-cased",
        ),
        pytest.param(
            subscriber_body(channel="webpush", address=push_document()),
            PUSH_ENDPOINT,
            False,
            id="webpush-object",
        ),
        pytest.param(
            subscriber_body(channel="webpush", address=json.dumps(push_document())),
            PUSH_ENDPOINT,
            False,
            id="webpush-text-as-imported",
        ),
        pytest.param(
            subscriber_body(
                channel="webhook", address="https://media.example.id/cap", secret=SECRET
            ),
            "https://media.example.id/cap",
            True,
            id="webhook-url-and-secret",
        ),
        pytest.param(
            subscriber_body(
                channel="webhook", address=f"https://media.example.id/cap {SECRET}"
            ),
            "https://media.example.id/cap",
            True,
            id="webhook-as-imported",
        ),
    ],
)
def test_created_subscriber_has_the_canonical_address(
    app: Flask, api: Api, body: dict[str, Any], address: str, has_secret: bool
) -> None:
    response = api.create(body)

    created = response.get_json()
    assert response.status_code == 201, created
    assert response.headers["Location"] == f"/api/v1/subscribers/{created['id']}"
    assert (created["address"], created["hasSecret"]) == (address, has_secret)
    assert SECRET not in response.get_data(as_text=True)
    [row] = stored_rows(app)
    assert (row.channel, row.address) == (body["channel"], address)
    assert row.webhook_secret == (SECRET if has_secret else None)
    assert api.get(response.headers["Location"]).get_json() == created


def test_created_subscriber_keeps_every_field(app: Flask, api: Api) -> None:
    body = subscriber_body(
        language="en_us",
        areas=["1371030", "1371", "1371030"],
        groups=["rt05", "sekolah.1"],
        verified=False,
    )

    created = api.created(body)

    assert created["language"] == "en-US"
    assert (created["lat"], created["lon"]) == (-0.92, 100.40)
    assert created["areas"] == ["1371", "1371030"]
    assert created["groups"] == ["rt05", "sekolah.1"]
    assert (created["verified"], created["optedOut"]) == (False, False)
    assert stored_tags(app, created["id"]) == [
        "area:1371",
        "area:1371030",
        "group:rt05",
        "group:sekolah.1",
    ]


def test_subscriber_is_verified_unless_told_otherwise(api: Api) -> None:
    assert api.created(subscriber_body())["verified"] is True


def test_area_codes_alone_are_place_enough(api: Api) -> None:
    created = api.created(subscriber_body(lat=None, lon=None, areas=["1371"]))

    assert (created["lat"], created["lon"], created["areas"]) == (None, None, ["1371"])


def test_national_numbers_are_read_in_the_configured_region(
    database_url: str, tmp_path: Path
) -> None:
    app = build_app(database_url, tmp_path, DEFAULT_REGION="GB")
    try:
        api = Api(app.test_client(), add_staff(app, "admin"))
        created = api.created(subscriber_body(address="07911 123456"))
    finally:
        runtime(app).engine.dispose()

    assert created["address"] == "+447911123456"


@pytest.mark.parametrize(
    ("first", "again"),
    [
        pytest.param("081234567890", "+62 812 3456 7890", id="sms-spelled-otherwise"),
        pytest.param("081234567890", "081234567890", id="sms-same"),
    ],
)
def test_same_address_again_answers_409_naming_the_existing_one(
    app: Flask, api: Api, first: str, again: str
) -> None:
    existing = api.created(subscriber_body(address=first))

    response = api.create(subscriber_body(address=again, language="en"))

    assert response.status_code == 409
    assert response.headers["Location"] == existing["links"]["self"]
    assert response.get_json()["existing"] == existing["links"]["self"]
    assert codes_at(response) == [("duplicate-subscriber", "/")]
    assert [row.language for row in stored_rows(app)] == ["id-ID"]


def test_concurrent_adds_of_one_address_store_one_row(
    app: Flask, admin: Caller
) -> None:
    def add(number: str) -> int:
        client = app.test_client()
        body = subscriber_body(address=number)
        response = client.post("/api/v1/subscribers", json=body, headers=admin.headers)
        return int(response.status_code)

    spellings = ["081234567890", "+6281234567890", "0812 3456 7890"] * 4
    with ThreadPoolExecutor(max_workers=len(spellings)) as pool:
        statuses = sorted(pool.map(add, spellings))

    assert statuses == [201] + [409] * (len(spellings) - 1)
    assert len(stored_rows(app)) == 1


def test_same_email_in_other_case_is_a_duplicate(app: Flask, api: Api) -> None:
    api.created(subscriber_body(channel="email", address="warga@example.id"))

    response = api.create(subscriber_body(channel="email", address="WARGA@example.ID"))

    assert response.status_code == 409
    assert len(stored_rows(app)) == 1


def test_same_address_on_another_channel_is_another_subscriber(api: Api) -> None:
    api.created(subscriber_body(channel="email", address="warga@example.id"))

    response = api.create(
        subscriber_body(
            channel="webhook", address="https://warga.example.id/", secret=SECRET
        )
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        pytest.param(
            subscriber_body(channel="fax"),
            [("unknown-value", "/channel")],
            id="unknown-channel",
        ),
        pytest.param(
            subscriber_body(channel=None),
            [("missing-field", "/channel")],
            id="no-channel",
        ),
        pytest.param(
            subscriber_body(address="12345"),
            [("invalid-phone", "/address")],
            id="not-a-phone-number",
        ),
        pytest.param(
            subscriber_body(address="021 5551234"),
            [("landline-phone", "/address")],
            id="landline",
        ),
        pytest.param(
            subscriber_body(channel="email", address="warga.example.id"),
            [("invalid-email", "/address")],
            id="not-an-email",
        ),
        pytest.param(
            subscriber_body(channel="webhook", address="https://media.example.id/"),
            [("webhook-secret-missing", "/address")],
            id="webhook-without-secret",
        ),
        pytest.param(
            subscriber_body(
                channel="webhook", address="http://127.0.0.1:8080/", secret=SECRET
            ),
            [("loopback-webhook", "/address")],
            id="loopback-webhook",
        ),
        pytest.param(
            subscriber_body(
                channel="webhook", address="https://10.1.2.3/cap", secret=SECRET
            ),
            [("private-webhook", "/address")],
            id="private-webhook",
        ),
        pytest.param(
            subscriber_body(secret=SECRET),
            [("secret-not-for-channel", "/secret")],
            id="secret-for-sms",
        ),
        pytest.param(
            subscriber_body(channel="webpush", address={"endpoint": "https://x"}),
            [("missing-field", "/address/keys")],
            id="push-without-keys",
        ),
        pytest.param(
            subscriber_body(
                channel="webpush",
                address={**push_document(), "keys": {"p256dh": "x", "auth": "y"}},
            ),
            [("invalid-webpush", "/address")],
            id="push-with-bad-keys",
        ),
        pytest.param(
            subscriber_body(address={"number": "081234567890"}),
            [("address-not-text", "/address")],
            id="object-for-sms",
        ),
        pytest.param(
            subscriber_body(address="0812\x003456"),
            [("wrong-characters", "/address")],
            id="nul-in-address",
        ),
        pytest.param(
            subscriber_body(lat=91),
            [("out-of-range", "/lat")],
            id="latitude-past-the-pole",
        ),
        pytest.param(
            subscriber_body(lon=10**400),
            [("out-of-range", "/lon")],
            id="huge-longitude",
        ),
        pytest.param(
            subscriber_body(lon=None),
            [("incomplete-location", "/lon")],
            id="lat-without-lon",
        ),
        pytest.param(
            subscriber_body(lat=None, lon=None),
            [("no-place", "/")],
            id="no-point-and-no-areas",
        ),
        pytest.param(
            subscriber_body(language="Bahasa Indonesia"),
            [("wrong-characters", "/language")],
            id="language-in-words",
        ),
        pytest.param(
            subscriber_body(groups=["rt 05"]),
            [("wrong-characters", "/groups/0")],
            id="group-with-space",
        ),
        pytest.param(
            subscriber_body(areas=["1371", "13 71"]),
            [("wrong-characters", "/areas/1")],
            id="area-with-space",
        ),
        pytest.param(
            subscriber_body(verified="yes"),
            [("wrong-type", "/verified")],
            id="verified-as-text",
        ),
        pytest.param(
            subscriber_body(phone="081234567890"),
            [("unknown-field", "/phone")],
            id="unknown-field",
        ),
        pytest.param(
            [subscriber_body()],
            [("wrong-type", "/")],
            id="list-instead-of-object",
        ),
    ],
)
def test_unusable_subscriber_is_refused_with_located_problems(
    app: Flask, api: Api, body: Any, problems: list[tuple[str, str]]
) -> None:
    response = api.create(body)

    assert response.status_code == 422
    assert codes_at(response) == problems
    assert all(item["message"] for item in response.get_json()["errors"])
    assert stored_rows(app) == []


def test_every_problem_of_a_body_is_reported_at_once(api: Api) -> None:
    body = subscriber_body(
        address="not a number", language="x", areas=["a b"], groups=["!"]
    )

    response = api.create(body)

    assert response.status_code == 422
    assert sorted(location for _, location in codes_at(response)) == [
        "/areas/0",
        "/groups/0",
        "/language",
    ]
    assert response.get_json()["code"] == "invalid-subscriber"


def test_every_field_problem_after_the_schema_is_reported_at_once(api: Api) -> None:
    body = subscriber_body(address="not a number", lat=None, lon=None)

    response = api.create(body)

    assert codes_at(response) == [("invalid-phone", "/address"), ("no-place", "/")]


def test_problem_message_says_what_is_allowed(api: Api) -> None:
    response = api.create(subscriber_body(lat=-95))

    [item] = response.get_json()["errors"]
    assert "-95" in item["message"]
    assert "from -90 to 90" in item["message"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b'{"channel": "sms",', "malformed-json", id="cut-short"),
        pytest.param(b"", "empty-body", id="empty"),
        pytest.param(
            b'{"channel": "sms", "address": "081234567890", "lat": NaN, "lon": 1}',
            "malformed-json",
            id="nan",
        ),
        pytest.param(
            b'{"channel": "sms", "address": "081234567890", "lat": Infinity}',
            "malformed-json",
            id="infinity",
        ),
        pytest.param(
            b'{"lat": 1' + b"9" * 5000 + b"}", "malformed-json", id="huge-int"
        ),
        pytest.param(b"[" * 100_000, "malformed-json", id="deep-nesting"),
        pytest.param(
            '{"a": "\udcff"}'.encode("utf-8", "surrogatepass"),
            "malformed-json",
            id="not-utf8",
        ),
        pytest.param(
            b'{"channel": "sms", "address": "081234567890", "areas": ["\\udcff"]}',
            "malformed-json",
            id="lone-surrogate-escape",
        ),
    ],
)
def test_unreadable_body_answers_400(api: Api, data: bytes, code: str) -> None:
    response = api.send("POST", "/api/v1/subscribers", data, "application/json")

    assert response.status_code == 400
    assert codes_at(response) == [(code, "/")]


def test_other_content_type_answers_415(api: Api) -> None:
    body = json.dumps(subscriber_body()).encode()

    response = api.send("POST", "/api/v1/subscribers", body, "text/plain")

    assert response.status_code == 415
    assert "application/json" in response.get_json()["detail"]


def test_oversized_body_answers_413_before_reading_it(app: Flask, api: Api) -> None:
    body = subscriber_body(areas=[f"{n:0200d}" for n in range(700)])

    response = api.create(body)

    assert response.status_code == 413
    assert codes_at(response) == [("too-large", "/")]
    assert stored_rows(app) == []


@pytest.mark.parametrize(
    "subscriber_id",
    ["999", "0", "-1", "abc", "%00", "9" * 40, "2147483648", "%C2%B2"],
    ids=["unknown", "zero", "negative", "word", "nul", "huge", "past-int32", "sup2"],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_subscriber_that_does_not_exist_answers_404(
    api: Api, method: str, subscriber_id: str
) -> None:
    api.created(subscriber_body())
    path = f"/api/v1/subscribers/{subscriber_id}"

    response = api.send(method, path, b'{"language": "en"}', "application/json")

    assert response.status_code == 404
    assert codes_at(response) == [("not-found", "/")]


def test_patch_changes_only_the_fields_given(app: Flask, api: Api) -> None:
    created = api.created(subscriber_body(areas=["1371"], groups=["rt05"]))

    response = api.patch(created["id"], {"language": "en-gb"})

    changed = response.get_json()
    assert response.status_code == 200
    assert changed["language"] == "en-GB"
    unchanged = {key: value for key, value in changed.items() if key != "language"}
    expected = {key: value for key, value in created.items() if key != "language"}
    assert {**unchanged, "updatedAt": None} == {**expected, "updatedAt": None}
    assert stored_tags(app, created["id"]) == ["area:1371", "group:rt05"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"language": None}, {"language": None}, id="clear-language"),
        pytest.param(
            {"lat": None, "lon": None},
            {"lat": None, "lon": None},
            id="clear-point-keeping-areas",
        ),
        pytest.param(
            {"lat": -0.95, "lon": 100.36},
            {"lat": -0.95, "lon": 100.36},
            id="move-point",
        ),
        pytest.param(
            {"areas": ["1372", "1373"]}, {"areas": ["1372", "1373"]}, id="replace-areas"
        ),
        pytest.param({"groups": []}, {"groups": []}, id="leave-every-drill-group"),
        pytest.param({"verified": False}, {"verified": False}, id="unverify"),
        pytest.param(
            {"address": "+62 813 1111 2222"},
            {"address": "+6281311112222"},
            id="address-re-normalised",
        ),
    ],
)
def test_patch_sets_what_it_names(
    api: Api, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    created = api.created(subscriber_body(areas=["1371"], groups=["rt05"]))

    response = api.patch(created["id"], changes)

    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert {key: changed[key] for key in expected} == expected
    assert api.get(created["links"]["self"]).get_json() == changed


def test_opting_out_and_back_in(api: Api) -> None:
    created = api.created(subscriber_body())

    out = api.patch(created["id"], {"optedOut": True}).get_json()
    again = api.patch(created["id"], {"optedOut": True}).get_json()
    back = api.patch(created["id"], {"optedOut": False}).get_json()

    assert out["optedOut"] is True
    assert out["optedOutAt"] is not None
    assert again["optedOutAt"] == out["optedOutAt"]
    assert (back["optedOut"], back["optedOutAt"]) == (False, None)


def test_patch_accepts_merge_patch_json(api: Api) -> None:
    created = api.created(subscriber_body())
    path = created["links"]["self"]

    response = api.send(
        "PATCH", path, b'{"language": "en"}', "application/merge-patch+json"
    )

    assert response.status_code == 200
    assert response.get_json()["language"] == "en"


def test_webhook_url_change_keeps_its_secret_and_secret_can_change(
    app: Flask, api: Api
) -> None:
    created = api.created(
        subscriber_body(
            channel="webhook", address="https://a.example.id/", secret=SECRET
        )
    )

    moved = api.patch(created["id"], {"address": "https://b.example.id/cap"})
    rotated = api.patch(created["id"], {"secret": OTHER_SECRET})

    assert moved.status_code == 200, moved.get_json()
    assert rotated.status_code == 200, rotated.get_json()
    [row] = stored_rows(app)
    assert (row.address, row.webhook_secret) == (
        "https://b.example.id/cap",
        OTHER_SECRET,
    )


def test_webpush_subscription_can_be_replaced(app: Flask, api: Api) -> None:
    created = api.created(subscriber_body(channel="webpush", address=push_document()))
    renewed = push_document("https://push.example.net/send/renewed")
    renewed["keys"]["auth"] = push_key(16, fill=9)

    response = api.patch(created["id"], {"address": renewed})

    assert response.get_json()["address"] == "https://push.example.net/send/renewed"
    [row] = stored_rows(app)
    assert row.push_keys == {"p256dh": push_key(65), "auth": push_key(16, fill=9)}


def test_patch_to_an_address_another_has_answers_409(app: Flask, api: Api) -> None:
    first = api.created(subscriber_body(address="081200000001"))
    second = api.created(subscriber_body(address="081200000002"))

    response = api.patch(second["id"], {"address": "+6281200000001"})

    assert response.status_code == 409
    assert response.headers["Location"] == first["links"]["self"]
    assert [row.address for row in stored_rows(app)] == [
        "+6281200000001",
        "+6281200000002",
    ]


def test_patch_to_its_own_address_is_no_conflict(api: Api) -> None:
    created = api.created(subscriber_body(address="081200000001"))

    response = api.patch(created["id"], {"address": "+62 812 0000 0001"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        pytest.param(
            {"channel": "email"}, [("unknown-field", "/channel")], id="channel"
        ),
        pytest.param({"lat": 1}, [("incomplete-location", "/lon")], id="lat-alone"),
        pytest.param(
            {"lat": None, "lon": 100.1},
            [("incomplete-location", "/lat")],
            id="half-a-point",
        ),
        pytest.param(
            {"lat": None, "lon": None, "areas": []}, [("no-place", "/")], id="no-place"
        ),
        pytest.param(
            {"address": "warga@example.id"},
            [("invalid-phone", "/address")],
            id="email-for-an-sms-subscriber",
        ),
        pytest.param(
            {"secret": SECRET},
            [("secret-not-for-channel", "/secret")],
            id="secret-for-sms",
        ),
        pytest.param({"optedOut": "no"}, [("wrong-type", "/optedOut")], id="text-flag"),
        pytest.param(
            {"language": "x y"}, [("wrong-characters", "/language")], id="language"
        ),
    ],
)
def test_unusable_change_is_refused_and_changes_nothing(
    app: Flask, api: Api, changes: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    created = api.created(subscriber_body(areas=["1371"]))

    response = api.patch(created["id"], changes)

    assert response.status_code == 422
    assert codes_at(response) == problems
    assert api.get(created["links"]["self"]).get_json() == created


def test_clearing_the_point_of_a_subscriber_without_areas_is_refused(
    api: Api,
) -> None:
    created = api.created(subscriber_body())

    response = api.patch(created["id"], {"lat": None, "lon": None})

    assert codes_at(response) == [("no-place", "/")]


def test_empty_patch_changes_nothing_and_records_nothing(app: Flask, api: Api) -> None:
    created = api.created(subscriber_body())

    response = api.patch(created["id"], {})

    assert response.get_json() == created
    actions = [row.action for row in audit_rows(app, f"subscriber:{created['id']}")]
    assert actions == ["subscriber.created"]


def test_delete_erases_the_person_and_answers_404_after(app: Flask, api: Api) -> None:
    created = api.created(
        subscriber_body(
            channel="webhook",
            address="https://media.example.id/cap",
            secret=SECRET,
            areas=["1371"],
            groups=["rt05"],
        )
    )

    response = api.delete(created["id"])

    assert response.status_code == 204
    assert response.get_data() == b""
    assert api.get(created["links"]["self"]).status_code == 404
    assert api.delete(created["id"]).status_code == 404
    assert api.patch(created["id"], {"language": "en"}).status_code == 404
    assert api.get("/api/v1/subscribers").get_json()["items"] == []
    [row] = stored_rows(app)
    assert "media.example.id" not in row.address
    assert (row.webhook_secret, row.push_keys, row.language) == (None, None, None)
    assert (row.lat, row.lon, row.verified) == (None, None, False)
    assert row.opted_out_at is not None
    assert stored_tags(app, created["id"]) == []


def test_removed_address_can_subscribe_afresh(api: Api) -> None:
    first = api.created(subscriber_body())
    api.delete(first["id"])

    again = api.create(subscriber_body())

    assert again.status_code == 201
    assert again.get_json()["id"] != first["id"]


def test_listing_pages_through_every_subscriber_once(api: Api) -> None:
    ids = [
        api.created(subscriber_body(address=f"08120000000{n}"))["id"] for n in range(5)
    ]

    seen: list[int] = []
    pages = 0
    path: str | None = "/api/v1/subscribers?limit=2"
    while path:
        response = api.get(path)
        page = response.get_json()
        assert response.status_code == 200
        if page["next"]:
            assert response.headers["Link"] == f'<{page["next"]}>; rel="next"'
        seen += [item["id"] for item in page["items"]]
        pages += 1
        path = page["next"]

    assert seen == ids
    assert pages == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("channel=email", ["email"], id="channel"),
        pytest.param("channel=email,webpush", ["email", "push"], id="channels"),
        pytest.param("area=1371", ["sms", "email"], id="area"),
        pytest.param("group=rt05", ["sms", "push"], id="group"),
        pytest.param("area=1371&group=rt05", ["sms"], id="area-and-group"),
        pytest.param("area=9999", [], id="area-nobody-has"),
    ],
)
def test_listing_filters(api: Api, query: str, expected: list[str]) -> None:
    names = {
        api.created(subscriber_body(areas=["1371"], groups=["rt05"]))["id"]: "sms",
        api.created(
            subscriber_body(channel="email", address="a@example.id", areas=["1371"])
        )["id"]: "email",
        api.created(
            subscriber_body(channel="webpush", address=push_document(), groups=["rt05"])
        )["id"]: "push",
    }

    response = api.get(f"/api/v1/subscribers?{query}")

    assert response.status_code == 200
    assert [names[item["id"]] for item in response.get_json()["items"]] == expected


@pytest.mark.parametrize(
    ("query", "code"),
    [
        pytest.param("channel=fax", "bad-channel", id="unknown-channel"),
        pytest.param("channel=", "bad-channel", id="empty-channel"),
        pytest.param("limit=0", "bad-limit", id="zero-limit"),
        pytest.param("limit=201", "bad-limit", id="limit-over-200"),
        pytest.param(f"limit={'9' * 5000}", "bad-limit", id="huge-limit"),
        pytest.param("cursor=bm90LWEtY3Vyc29y", "bad-cursor", id="foreign-cursor"),
        pytest.param("cursor=YWZ0ZXI6OTk5OTk5OTk5OQ", "bad-cursor", id="huge-cursor"),
        pytest.param("cursor=%00", "bad-cursor", id="nul-cursor"),
        pytest.param("area=%00", "bad-area", id="nul-area"),
        pytest.param("group=a%00", "bad-group", id="nul-group"),
    ],
)
def test_bad_listing_query_answers_422(api: Api, query: str, code: str) -> None:
    response = api.get(f"/api/v1/subscribers?{query}")

    assert response.status_code == 422
    assert [item["code"] for item in response.get_json()["errors"]] == [code]


def test_changes_are_audited_by_id_never_by_address(
    app: Flask, api: Api, admin: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    address = "warga.rahasia@example.id"
    created = api.created(subscriber_body(channel="email", address=address))
    api.patch(created["id"], {"language": "en", "areas": ["1371"]})
    api.delete(created["id"])

    rows = audit_rows(app, f"subscriber:{created['id']}")

    assert [row.action for row in rows] == [
        "subscriber.created",
        "subscriber.updated",
        "subscriber.removed",
    ]
    assert {row.actor for row in rows} == {admin.label}
    assert json.loads(rows[1].details) == {
        "channel": "email",
        "fields": ["areas", "language"],
    }
    assert all("rahasia" not in row.details for row in rows)
    logged = [record.getMessage() for record in caplog.records]
    assert any(f"subscriber_id={created['id']}" in line for line in logged)
    assert not [line for line in logged if "rahasia" in line]


def test_authors_read_but_do_not_change_subscribers(app: Flask, api: Api) -> None:
    author = Api(app.test_client(), add_staff(app, "author"))
    created = api.created(subscriber_body())

    assert author.get(created["links"]["self"]).status_code == 200
    assert author.create(subscriber_body(address="081200000009")).status_code == 403
    assert author.patch(created["id"], {"verified": False}).status_code == 403
    assert author.delete(created["id"]).status_code == 403


@pytest.fixture
def fanout_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    built = build_app(database_url, tmp_path, OUTBOX_DIR=str(tmp_path / "outbox"))
    yield built
    runtime(built).dispatcher.shutdown()
    runtime(built).engine.dispose()


def publish_partner_alert(app: Flask, **options: Any) -> dict[str, Any]:
    partner = add_partner(app, "publish")
    response = post_cap(app.test_client(), partner, partner_cap(**options))
    assert response.status_code == 201, response.get_json()
    assert runtime(app).dispatcher.wait_idle(30)
    found: dict[str, Any] = response.get_json()
    return found


def outbox(app: Flask) -> list[tuple[str, str]]:
    folder = Path(app.config["OUTBOX_DIR"])
    messages = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    return sorted((message["channel"], message["to"]) for message in messages)


def deliveries_of(app: Flask, alert_id: str) -> list[Delivery]:
    with transaction(runtime(app).sessions) as session:
        return list(
            session.scalars(select(Delivery).where(Delivery.alert_id == alert_id))
        )


def test_subscriber_added_by_the_api_is_reached_by_a_published_alert(
    fanout_app: Flask,
) -> None:
    api = Api(fanout_app.test_client(), add_staff(fanout_app, "approver"))
    api.created(subscriber_body(address="081200000001", **INSIDE_ALERT))
    api.created(
        subscriber_body(channel="email", address="Warga@Example.org", **FAR_AWAY)
    )
    api.created(subscriber_body(address="081200000002", **INSIDE_ALERT, verified=False))

    alert = publish_partner_alert(fanout_app)

    assert outbox(fanout_app) == [("sms", "+6281200000001")]
    assert [row.status for row in deliveries_of(fanout_app, alert["id"])] == ["sent"]


def test_removed_subscriber_keeps_the_record_and_is_never_sent_again(
    fanout_app: Flask,
) -> None:
    api = Api(fanout_app.test_client(), add_staff(fanout_app, "admin"))
    created = api.created(subscriber_body(address="081200000001", **INSIDE_ALERT))
    first = publish_partner_alert(fanout_app)
    second = publish_partner_alert(fanout_app)
    with transaction(runtime(fanout_app).sessions) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.alert_id == second["id"])
            .values(status="queued", sent_at=None)
        )

    assert api.delete(created["id"]).status_code == 204
    third = publish_partner_alert(fanout_app)

    [kept] = deliveries_of(fanout_app, first["id"])
    [closed] = deliveries_of(fanout_app, second["id"])
    assert (kept.status, kept.subscriber_id) == ("sent", created["id"])
    assert (closed.status, closed.last_error) == (
        "failed",
        "the subscriber was removed",
    )
    assert deliveries_of(fanout_app, third["id"]) == []


def test_changed_place_decides_who_is_reached(fanout_app: Flask) -> None:
    api = Api(fanout_app.test_client(), add_staff(fanout_app, "admin"))
    created = api.created(subscriber_body(address="081200000001", **FAR_AWAY))
    api.patch(created["id"], INSIDE_ALERT)

    publish_partner_alert(fanout_app)

    assert outbox(fanout_app) == [("sms", "+6281200000001")]


TEXT = st.text(max_size=30)
JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
FIELD_VALUES = {
    "channel": st.sampled_from(["sms", "email", "webpush", "webhook"]) | TEXT,
    "address": st.sampled_from(
        [
            "081234567890",
            "+447911123456",
            "Warga@Example.ID",
            "https://media.example.id/cap",
            f"https://media.example.id/cap {SECRET}",
            json.dumps(push_document()),
        ]
    )
    | TEXT
    | st.just(push_document()),
    "secret": st.just(SECRET) | TEXT,
    "language": st.sampled_from(["id-ID", "en", "jv", "en_us"]) | JSON_LEAVES,
    "lat": st.floats(-100, 100) | JSON_LEAVES,
    "lon": st.floats(-200, 200) | JSON_LEAVES,
    "areas": st.lists(st.sampled_from(["1371", "1371030"]) | TEXT, max_size=4),
    "groups": st.lists(st.sampled_from(["rt05", "a.b:c"]) | TEXT, max_size=4),
    "verified": st.booleans() | JSON_LEAVES,
    "unknown": JSON_LEAVES,
}
BODIES = st.fixed_dictionaries({}, optional=FIELD_VALUES)


def has_non_finite_number(value: Any) -> bool:
    """Whether ``value`` holds a NaN or an infinity anywhere."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(has_non_finite_number(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_non_finite_number(item) for item in value)
    return False


@pytest.mark.slow
def test_any_create_body_is_stored_canonically_or_refused_with_problems(
    app: Flask, api: Api
) -> None:
    @given(body=BODIES)
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    def answers_cleanly(body: dict[str, Any]) -> None:
        response = api.create(body)

        # Flask writes NaN and infinities as JSON's non-standard constants.
        expected = {400} if has_non_finite_number(body) else {201, 409, 422}
        assert response.status_code in expected, response.get_data()
        found = response.get_json()
        if response.status_code == 201:
            assert found["channel"] == body["channel"]
            assert found["address"] == found["address"].strip()
            if found["channel"] == "sms":
                assert found["address"].startswith("+")
            if found["channel"] == "email":
                assert found["address"] == found["address"].lower()
            assert api.get(found["links"]["self"]).get_json() == found
        else:
            assert response.mimetype == PROBLEM_TYPE
            assert found["errors"]
            for item in found["errors"]:
                assert set(item) == {"code", "location", "message"}
                assert item["location"].startswith("/")
                assert item["message"]

    answers_cleanly()
