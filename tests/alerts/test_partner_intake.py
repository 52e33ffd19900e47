"""Partner agencies posting CAP messages: publish and submit keys, chains,
held messages, duplicates, senders and signatures."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.cap import MsgType, Status
from gateway.cap.signing import sign_message
from tests.cap.signing_keys import Signer, make_certificate, make_key, write_signer
from tests.conftest import build_app
from tests.factories import (
    add_partner,
    add_staff,
    partner_cap,
    post_cap,
    publish_draft,
    reference_to,
)


def test_publish_key_publishes_the_exact_bytes_posted(
    client: FlaskClient, app: Flask
) -> None:
    partner = add_partner(app, "publish")
    data = partner_cap()

    response = post_cap(client, partner, data)

    body = response.get_json()
    served = client.get(body["links"]["cap"], headers=partner.headers)
    assert response.status_code == 201
    assert body["state"] == "published"
    assert body["origin"] == "partner"
    assert served.data == data


def test_submit_key_waits_for_a_staff_approval(client: FlaskClient, app: Flask) -> None:
    partner = add_partner(app, "submit")
    approver = add_staff(app, "approver")

    pending = post_cap(client, partner, partner_cap()).get_json()
    approved = client.post(
        f"/api/v1/alerts/{pending['id']}/approve",
        json={"contentHash": pending["contentHash"]},
        headers=approver.headers,
    )

    assert pending["state"] == "pending"
    assert approved.status_code == 200
    assert approved.get_json()["state"] == "published"


def test_read_key_cannot_post(client: FlaskClient, app: Flask) -> None:
    reader = add_partner(app, "read")

    response = post_cap(client, reader, partner_cap())

    assert response.status_code == 403


def test_duplicate_message_points_at_the_stored_one(
    client: FlaskClient, app: Flask
) -> None:
    partner = add_partner(app, "publish")
    data = partner_cap()
    first = post_cap(client, partner, data).get_json()

    again = post_cap(client, partner, data)

    assert again.status_code == 409
    assert again.headers["Location"] == first["links"]["self"]
    assert again.get_json()["existing"] == first["links"]["self"]


def test_partner_update_supersedes_its_alert(client: FlaskClient, app: Flask) -> None:
    partner = add_partner(app, "publish")
    first = post_cap(client, partner, partner_cap()).get_json()

    update = post_cap(
        client,
        partner,
        partner_cap(msg_type=MsgType.UPDATE, references=reference_to(first)),
    ).get_json()

    earlier = client.get(first["links"]["self"], headers=partner.headers).get_json()
    assert update["state"] == "published"
    assert update["chainId"] == first["id"]
    assert earlier["state"] == "superseded"


def test_partner_update_naming_an_unknown_alert_is_held_for_review(
    client: FlaskClient, app: Flask
) -> None:
    partner = add_partner(app, "publish")
    approver = add_staff(app, "approver")
    unknown = "bmkg@bmkg.go.id,BMKG-never-seen,2026-12-01T10:00:00+07:00"

    held = post_cap(
        client, partner, partner_cap(msg_type=MsgType.UPDATE, references=unknown)
    ).get_json()
    released = client.post(
        f"/api/v1/alerts/{held['id']}/approve",
        json={"contentHash": held["contentHash"]},
        headers=approver.headers,
    )

    assert held["state"] == "held"
    assert "review" in held["stateReason"]
    assert released.get_json()["state"] == "published"


def test_update_from_the_office_sender_naming_an_unknown_alert_is_refused(
    client: FlaskClient, app: Flask
) -> None:
    office_key = add_partner(app, "publish", senders=("bpbd@padang.go.id",))
    unknown = "bpbd@padang.go.id,never-seen,2026-12-01T10:00:00+07:00"

    response = post_cap(
        client,
        office_key,
        partner_cap(
            sender="bpbd@padang.go.id", msg_type=MsgType.UPDATE, references=unknown
        ),
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "unknown-reference"


def test_partner_cannot_cancel_another_organisations_alert(
    client: FlaskClient, app: Flask
) -> None:
    owner = add_partner(app, "publish", name="BMKG")
    other = add_partner(app, "publish", name="Polresta Padang")
    first = post_cap(client, owner, partner_cap()).get_json()

    response = post_cap(
        client,
        other,
        partner_cap(msg_type=MsgType.CANCEL, references=reference_to(first)),
    )

    assert response.status_code == 403
    assert response.get_json()["code"] == "not-your-alert"


def test_key_limited_to_its_senders(client: FlaskClient, app: Flask) -> None:
    partner = add_partner(app, "publish", senders=("bmkg@bmkg.go.id",))

    response = post_cap(client, partner, partner_cap(sender="someone@else.example"))

    assert response.status_code == 403
    assert response.get_json()["code"] == "sender-not-allowed"


def test_partner_sees_published_alerts_but_not_others_pending_ones(
    client: FlaskClient, app: Flask
) -> None:
    submitter = add_partner(app, "submit", name="Dinas Kesehatan")
    reader = add_partner(app, "read", name="Radio Padang")
    pending = post_cap(client, submitter, partner_cap()).get_json()

    own = client.get(pending["links"]["self"], headers=submitter.headers)
    other = client.get(pending["links"]["self"], headers=reader.headers)

    assert own.status_code == 200
    assert other.status_code == 404


def test_drills_are_kept_apart_by_status(client: FlaskClient, app: Flask) -> None:
    partner = add_partner(app, "publish")
    post_cap(client, partner, partner_cap(status=Status.EXERCISE))
    post_cap(client, partner, partner_cap())

    actual = client.get("/api/v1/alerts?status=Actual", headers=partner.headers)
    drills = client.get("/api/v1/alerts?status=Exercise", headers=partner.headers)

    assert [item["status"] for item in actual.get_json()["items"]] == ["Actual"]
    assert [item["status"] for item in drills.get_json()["items"]] == ["Exercise"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"<alert", "application/cap+xml", 400, "xml-syntax"),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
            "application/cap+xml",
            400,
            "doctype",
        ),
        (b"<not-cap/>", "application/cap+xml", 422, None),
        (b"hello", "text/plain", 415, "unsupported-media-type"),
    ],
    ids=["malformed-xml", "doctype", "not-cap", "wrong-content-type"],
)
def test_bad_posts_get_a_problem_with_the_reason(
    client: FlaskClient,
    app: Flask,
    data: bytes,
    content_type: str,
    status: int,
    code: str | None,
) -> None:
    partner = add_partner(app, "publish")

    response = client.post(
        "/api/v1/alerts",
        data=data,
        headers={**partner.headers, "Content-Type": content_type},
    )

    body = response.get_json()
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert body["errors"][0]["message"]
    if code:
        assert body["code"] == code


def test_body_over_the_limit_is_refused_before_parsing(
    database_url: str, tmp_path: Path
) -> None:
    app = build_app(database_url, tmp_path, MAX_MESSAGE_BYTES=2000)
    partner = add_partner(app, "publish")

    response = post_cap(app.test_client(), partner, b"<" * 5000)

    assert response.status_code == 413
    assert response.get_json()["code"] == "too-large"


@pytest.fixture
def partner_signer(tmp_path: Path) -> Signer:
    key = make_key("rsa")
    return write_signer(tmp_path, "bmkg", key, make_certificate(key, "BMKG"))


@pytest.fixture
def signing_app(database_url: str, tmp_path: Path, partner_signer: Signer) -> Flask:
    return build_app(database_url, tmp_path, TRUST_STORE=str(partner_signer.cert_path))


def test_partner_requiring_signatures_is_refused_unsigned(signing_app: Flask) -> None:
    partner = add_partner(signing_app, "publish", require_signature=True)

    response = post_cap(signing_app.test_client(), partner, partner_cap())

    assert response.status_code == 403
    assert response.get_json()["code"] == "signature-required"


def test_signed_partner_message_is_published_with_its_signature(
    signing_app: Flask, partner_signer: Signer
) -> None:
    partner = add_partner(signing_app, "publish", require_signature=True)
    client = signing_app.test_client()
    signed = sign_message(
        partner_cap(), partner_signer.key_pem, partner_signer.cert_pem
    )

    response = post_cap(client, partner, signed)

    body = response.get_json()
    served = client.get(body["links"]["cap"], headers=partner.headers).data
    assert response.status_code == 201
    assert body["signer"]
    assert b"SignatureValue" in served


def test_message_signed_by_an_untrusted_key_is_refused(
    signing_app: Flask, tmp_path: Path
) -> None:
    partner = add_partner(signing_app, "publish", require_signature=True)
    key = make_key("ec")
    stranger = write_signer(tmp_path, "stranger", key, make_certificate(key, "X"))
    signed = sign_message(partner_cap(), stranger.key_pem, stranger.cert_pem)

    response = post_cap(signing_app.test_client(), partner, signed)

    assert response.status_code == 403
    assert response.get_json()["code"] == "signer-untrusted"


def test_tampered_signed_message_is_refused(
    signing_app: Flask, partner_signer: Signer
) -> None:
    partner = add_partner(signing_app, "publish")
    signed = sign_message(
        partner_cap(), partner_signer.key_pem, partner_signer.cert_pem
    )
    tampered = signed.replace(
        b"Gempa bumi berkekuatan 6,8", b"Gempa bumi berkekuatan 4,1"
    )

    response = post_cap(signing_app.test_client(), partner, tampered)

    assert response.status_code == 403
    assert "signature" in response.get_json()["detail"].lower()


def test_office_alerts_are_signed_when_a_key_is_configured(
    database_url: str, tmp_path: Path, partner_signer: Signer
) -> None:
    app = build_app(
        database_url,
        tmp_path,
        SIGNING_KEY=str(partner_signer.key_path),
        SIGNING_CERT=str(partner_signer.cert_path),
    )
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    client = app.test_client()

    published = publish_draft(client, author, approver)

    served = client.get(published["links"]["cap"], headers=author.headers).data
    assert b"SignatureValue" in served
