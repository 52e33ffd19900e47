"""Expiry of published alerts, the scheduler's job, and the audit chain."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway.alerts.audit import AuditEntry, find_broken_link
from gateway.alerts.expiry import expire_due
from gateway.alerts.models import AlertRecord
from gateway.db import transaction, utc_now
from gateway.runtime import runtime
from gateway.scheduler import expire_alerts, start_scheduler
from tests.factories import add_staff, draft_content, later, publish_draft


def published_alert(app: Flask, client: FlaskClient, hours: int = 6) -> dict:
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    content = draft_content(info={"expires": later(hours)})
    return publish_draft(client, author, approver, content)


def state_of(client: FlaskClient, app: Flask, alert_id: str) -> str:
    reader = add_staff(app, "author")
    found = client.get(f"/api/v1/alerts/{alert_id}", headers=reader.headers)
    return str(found.get_json()["state"])


def test_alert_past_its_expiry_is_marked_expired(
    app: Flask, client: FlaskClient
) -> None:
    published = published_alert(app, client, hours=1)

    with transaction(runtime(app).sessions) as session:
        early = expire_due(session, utc_now() + timedelta(minutes=59))
    with transaction(runtime(app).sessions) as session:
        due = expire_due(session, utc_now() + timedelta(hours=1, seconds=1))

    assert early == []
    assert due == [published["id"]]
    assert state_of(client, app, published["id"]) == "expired"


def test_expired_alert_cannot_be_updated(app: Flask, client: FlaskClient) -> None:
    published = published_alert(app, client, hours=1)
    with transaction(runtime(app).sessions) as session:
        expire_due(session, utc_now() + timedelta(hours=2))
    author = add_staff(app, "author")

    response = client.post(
        f"/api/v1/alerts/{published['id']}/update", headers=author.headers
    )

    assert response.status_code == 409


def test_scheduler_runs_the_expiry_job(app: Flask, client: FlaskClient) -> None:
    published = published_alert(app, client, hours=1)
    with transaction(runtime(app).sessions) as session:
        record = session.get(AlertRecord, published["id"])
        record.expires = utc_now() - timedelta(seconds=1)

    scheduler = start_scheduler(app)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if state_of(client, app, published["id"]) == "expired":
                break
            time.sleep(0.2)
    finally:
        scheduler.shutdown()

    assert state_of(client, app, published["id"]) == "expired"
    assert expire_alerts(app) == []


def test_every_step_is_in_an_intact_audit_chain(
    app: Flask, client: FlaskClient
) -> None:
    published_alert(app, client)

    with transaction(runtime(app).sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action)))
        broken = find_broken_link(session)

    assert broken is None
    for action in ("user.added", "token.created", "alert.created"):
        assert action in actions
    for action in ("alert.submitted", "alert.approved", "alert.published"):
        assert action in actions


def test_audit_log_refuses_updates(app: Flask, client: FlaskClient) -> None:
    published_alert(app, client)

    sessions = runtime(app).sessions
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as s:
        s.execute(text("UPDATE audit_log SET actor = 'user:99'"))


def test_tampered_audit_row_is_found(app: Flask, client: FlaskClient) -> None:
    published_alert(app, client)
    engine = runtime(app).engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            )
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET actor = 'user:99' WHERE seq = 3"))

    with transaction(runtime(app).sessions) as session:
        broken = find_broken_link(session)

    assert broken is not None
    assert broken.seq == 3
    assert "hash" in broken.reason
