"""A chain's order when its messages carry the same second: times are whole
seconds, so the place in the chain decides."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from gateway.alerts.chains import chain_messages, current_message
from gateway.alerts.models import AlertRecord
from gateway.db import transaction, utc_now
from gateway.runtime import runtime
from tests.factories import add_staff, approve_pending, publish_draft


def test_messages_published_in_the_same_second_keep_the_chain_order(
    app: Flask,
) -> None:
    client = app.test_client()
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    first = publish_draft(client, author, approver)
    created = client.post(
        f"/api/v1/alerts/{first['id']}/update", json=None, headers=author.headers
    )
    second = approve_pending(client, author, approver, created.get_json()["id"])
    created = client.post(
        f"/api/v1/alerts/{second['id']}/update", json=None, headers=author.headers
    )
    third = approve_pending(client, author, approver, created.get_json()["id"])
    moment = utc_now()
    with transaction(runtime(app).sessions) as session:
        session.execute(update(AlertRecord).values(published_at=moment, sent=moment))

    with transaction(runtime(app).sessions) as session:
        chain_id = session.get(AlertRecord, first["id"]).chain_id  # type: ignore[union-attr]
        order = [record.id for record in chain_messages(session, chain_id)]
        current = current_message(session, chain_id)

    assert order == [first["id"], second["id"], third["id"]]
    assert current is not None
    assert current.id == third["id"]
