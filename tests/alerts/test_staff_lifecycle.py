"""The staff lifecycle through the API: draft, submit, approve, update, cancel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.alerts.audit import AuditEntry
from gateway.cap import parse, validate
from gateway.cap.references import parse_references
from gateway.db import transaction
from gateway.runtime import runtime
from tests.factories import (
    Caller,
    add_staff,
    approve_pending,
    draft_content,
    publish_draft,
)


@pytest.fixture
def author(app: Flask) -> Caller:
    return add_staff(app, "author")


@pytest.fixture
def approver(app: Flask) -> Caller:
    return add_staff(app, "approver")


def create(client: FlaskClient, caller: Caller, content: Any = None) -> Any:
    return client.post(
        "/api/v1/alerts", json=content or draft_content(), headers=caller.headers
    )


def step(client: FlaskClient, caller: Caller, alert_id: str, name: str, **body: Any):
    return client.post(
        f"/api/v1/alerts/{alert_id}/{name}", json=body or None, headers=caller.headers
    )


def test_staff_draft_is_created_with_a_location(
    client: FlaskClient, author: Caller
) -> None:
    response = create(client, author)

    body = response.get_json()
    assert response.status_code == 201
    assert body["state"] == "draft"
    assert body["msgType"] == "Alert"
    assert body["identifier"] is None
    assert response.headers["Location"] == f"/api/v1/alerts/{body['id']}"


def test_approved_draft_is_published_as_valid_cap(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    published = publish_draft(client, author, approver)

    cap = client.get(published["links"]["cap"], headers=author.headers)
    alert = parse(cap.data)
    assert published["state"] == "published"
    assert cap.mimetype == "application/cap+xml"
    assert [p for p in validate(cap.data) if p.is_error] == []
    assert alert.sender == "bpbd@padang.go.id"
    assert alert.identifier == published["identifier"]
    assert alert.sent.utcoffset().total_seconds() == 7 * 3600
    assert published["areaCodes"] == [{"valueName": "BPS", "value": "1371030"}]


def test_person_who_submitted_cannot_approve(
    client: FlaskClient, approver: Caller
) -> None:
    alert_id = create(client, approver).get_json()["id"]
    submitted = step(client, approver, alert_id, "submit").get_json()

    response = step(
        client, approver, alert_id, "approve", contentHash=submitted["contentHash"]
    )

    assert response.status_code == 403
    assert response.get_json()["code"] == "two-person-rule"


def test_edit_after_review_voids_the_approval(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert_id = create(client, author).get_json()["id"]
    reviewed = step(client, author, alert_id, "submit").get_json()["contentHash"]
    edited = draft_content(info={"headline": "Banjir: segera mengungsi"})

    returned = client.put(
        f"/api/v1/alerts/{alert_id}", json=edited, headers=author.headers
    )
    step(client, author, alert_id, "submit")
    response = step(client, approver, alert_id, "approve", contentHash=reviewed)

    assert returned.get_json()["state"] == "draft"
    assert response.status_code == 409
    assert response.get_json()["code"] == "content-changed"


def test_published_alert_cannot_be_edited(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    published = publish_draft(client, author, approver)

    response = client.put(
        published["links"]["self"], json=draft_content(), headers=author.headers
    )

    assert response.status_code == 409
    assert "Update" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("name", "state"), [("reject", "rejected"), ("return", "draft")], ids=str
)
def test_pending_alert_is_decided_with_a_reason(
    client: FlaskClient, author: Caller, approver: Caller, name: str, state: str
) -> None:
    alert_id = create(client, author).get_json()["id"]
    step(client, author, alert_id, "submit")

    without = step(client, approver, alert_id, name, reason="  ")
    decided = step(client, approver, alert_id, name, reason="Wrong kelurahan")

    assert without.status_code == 422
    assert decided.status_code == 200
    assert decided.get_json()["state"] == state
    assert decided.get_json()["stateReason"] == "Wrong kelurahan"


def test_invalid_draft_lists_every_problem_with_its_location(
    client: FlaskClient, author: Caller
) -> None:
    content = draft_content(status="Rumour", info={"urgency": "Soon"})

    response = create(client, author, content)

    locations = {item["location"] for item in response.get_json()["errors"]}
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {"/status", "/infos/0/urgency"} <= locations


def test_draft_breaking_a_cap_rule_is_refused(
    client: FlaskClient, author: Caller
) -> None:
    content = draft_content(
        info={
            "effective": "2030-01-02T00:00:00+07:00",
            "expires": "2030-01-01T00:00:00+07:00",
        }
    )

    response = create(client, author, content)

    assert response.status_code == 422
    assert any("expires" in item["location"] for item in response.get_json()["errors"])


def test_updates_reference_every_earlier_message_of_the_chain(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    first = publish_draft(client, author, approver)
    update_one = step(client, author, first["id"], "update").get_json()
    second = approve_pending(client, author, approver, update_one["id"])
    update_two = step(client, author, second["id"], "update").get_json()
    third = approve_pending(client, author, approver, update_two["id"])

    references = parse_references(third["references"])
    earlier = client.get(first["links"]["self"], headers=author.headers).get_json()
    assert [ref.identifier for ref in references] == [
        first["identifier"],
        second["identifier"],
    ]
    assert third["msgType"] == "Update"
    assert earlier["state"] == "superseded"
    assert third["chainId"] == first["id"]


def test_cancel_ends_the_chain(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    first = publish_draft(client, author, approver)
    cancel = step(client, author, first["id"], "cancel", note="Peringatan dicabut")
    cancelled = approve_pending(client, author, approver, cancel.get_json()["id"])

    original = client.get(first["links"]["self"], headers=author.headers).get_json()
    again = step(client, author, first["id"], "update")
    assert cancel.status_code == 201
    assert cancelled["msgType"] == "Cancel"
    assert parse(
        client.get(cancelled["links"]["cap"], headers=author.headers).data
    ).note
    assert original["state"] == "cancelled"
    assert again.status_code == 409


def test_update_of_a_draft_is_refused(client: FlaskClient, author: Caller) -> None:
    alert_id = create(client, author).get_json()["id"]

    response = step(client, author, alert_id, "update")

    assert response.status_code == 409
    assert response.get_json()["code"] == "not-published"


def test_fifty_concurrent_approvals_publish_exactly_once(
    app: Flask, client: FlaskClient, author: Caller
) -> None:
    approvers = [add_staff(app, "approver") for _ in range(5)]
    alert_id = create(client, author).get_json()["id"]
    reviewed = step(client, author, alert_id, "submit").get_json()["contentHash"]

    def approve(number: int) -> int:
        caller = approvers[number % len(approvers)]
        response = app.test_client().post(
            f"/api/v1/alerts/{alert_id}/approve",
            json={"contentHash": reviewed},
            headers=caller.headers,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(approve, range(50)))

    with transaction(runtime(app).sessions) as session:
        publications = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "alert.published")
        )
    assert statuses.count(200) == 1
    assert statuses.count(409) == 49
    assert publications == 1
