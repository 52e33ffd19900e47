"""Factories for stored things: staff, partner keys, drafts and CAP messages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from gateway.accounts import credentials, people
from gateway.cap import MsgType, Status, write
from gateway.cap.times import format_cap_time
from gateway.db import transaction
from gateway.runtime import runtime
from tests.cap.factories import make_alert

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Caller:
    """A stored staff member or partner key, and how to call the API as it."""

    secret: str
    label: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


def add_staff(app: Flask, role: str = "author", email: str | None = None) -> Caller:
    email = email or f"{role}{next(_serial)}@padang.go.id"
    with transaction(runtime(app).sessions) as session:
        user = people.add_user(session, email, PASSWORD, role, actor="system")
        issued = credentials.create_token(session, user, actor="system")
        return Caller(issued.secret, f"user:{user.id}")


def add_partner(
    app: Flask,
    scope: str = "publish",
    name: str | None = None,
    senders: tuple[str, ...] = (),
    require_signature: bool = False,
) -> Caller:
    name = name or f"Partner {next(_serial)}"
    with transaction(runtime(app).sessions) as session:
        organisation = people.find_organisation(session, name)
        if organisation is None:
            organisation = people.add_organisation(
                session, name, actor="system", require_signature=require_signature
            )
        issued = credentials.create_key(
            session, organisation, scope, actor="system", senders=senders
        )
        return Caller(issued.secret, f"key:{issued.credential.id}")


def later(hours: int = 6) -> str:
    """A time ``hours`` from now, as a draft writes it."""
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    return moment.astimezone().isoformat()


def draft_content(**overrides: Any) -> dict[str, Any]:
    """A valid draft: a flood warning for two kelurahan, in Indonesian."""
    info: dict[str, Any] = {
        "language": "id-ID",
        "categories": ["Met"],
        "event": "Banjir",
        "responseTypes": ["Evacuate"],
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "expires": later(),
        "headline": "Peringatan banjir Batang Kuranji",
        "instruction": "Pindahkan keluarga ke tempat yang lebih tinggi.",
        "areas": [
            {
                "areaDesc": "Kelurahan Kuranji",
                "polygons": [
                    [[-0.90, 100.38], [-0.90, 100.42], [-0.94, 100.42], [-0.90, 100.38]]
                ],
                "geocodes": [{"valueName": "BPS", "value": "1371030"}],
            }
        ],
    }
    info.update(overrides.pop("info", {}))
    content: dict[str, Any] = {"status": "Actual", "scope": "Public", "infos": [info]}
    content.update(overrides)
    return content


def partner_cap(
    *,
    sender: str = "bmkg@bmkg.go.id",
    identifier: str | None = None,
    sent: datetime | None = None,
    msg_type: MsgType = MsgType.ALERT,
    references: str | None = None,
    status: Status = Status.ACTUAL,
) -> bytes:
    """A valid CAP message as a partner agency would post it."""
    base = make_alert()
    now = datetime.now(UTC).replace(microsecond=0)
    infos = tuple(
        replace(info, effective=now, expires=now + timedelta(hours=6))
        for info in base.infos
    )
    alert = replace(
        base,
        sender=sender,
        identifier=identifier or f"BMKG-{next(_serial)}-{now:%Y%m%d%H%M%S}",
        sent=sent or now,
        msg_type=msg_type,
        references=references,
        status=status,
        infos=infos,
    )
    return write(alert)


def reference_to(alert_json: dict[str, Any]) -> str:
    """A ``references`` triple naming a stored alert from its API JSON."""
    sent = datetime.fromisoformat(alert_json["sent"])
    return f"{alert_json['sender']},{alert_json['identifier']},{format_cap_time(sent)}"


def post_cap(client: FlaskClient, caller: Caller, data: bytes) -> Any:
    return client.post(
        "/api/v1/alerts",
        data=data,
        headers={**caller.headers, "Content-Type": "application/cap+xml"},
    )


def publish_draft(
    client: FlaskClient,
    author: Caller,
    approver: Caller,
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create, submit and approve a draft; the published alert's JSON."""
    created = client.post(
        "/api/v1/alerts", json=content or draft_content(), headers=author.headers
    )
    assert created.status_code == 201, created.get_json()
    return approve_pending(client, author, approver, created.get_json()["id"])


def approve_pending(
    client: FlaskClient, author: Caller, approver: Caller, alert_id: str
) -> dict[str, Any]:
    submitted = client.post(f"/api/v1/alerts/{alert_id}/submit", headers=author.headers)
    assert submitted.status_code == 200, submitted.get_json()
    approved = client.post(
        f"/api/v1/alerts/{alert_id}/approve",
        json={"contentHash": submitted.get_json()["contentHash"]},
        headers=approver.headers,
    )
    assert approved.status_code == 200, approved.get_json()
    result: dict[str, Any] = approved.get_json()
    return result
