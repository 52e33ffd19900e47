"""Alert records as the API's JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from gateway.alerts.models import AlertRecord
from gateway.alerts.publishing import record_hash


def alert_json(record: AlertRecord) -> dict[str, Any]:
    """The JSON of one alert, with links to itself and its CAP message."""
    return {
        "id": record.id,
        "state": record.state,
        "stateReason": record.state_reason,
        "origin": record.origin,
        "organisation": record.organisation.name,
        "msgType": record.msg_type,
        "status": record.status,
        "scope": record.scope,
        "identifier": record.identifier,
        "sender": record.sender,
        "sent": _time(record.sent),
        "expires": _time(record.expires),
        "headline": record.headline,
        "areaCodes": [
            {"valueName": code.value_name, "value": code.value}
            for code in record.area_codes
        ],
        "references": record.cap_references,
        "chainId": record.chain_id,
        "targetId": record.target_id,
        "contentHash": record_hash(record),
        "content": record.content,
        "signer": record.signer,
        "createdBy": record.created_by,
        "submittedBy": record.submitted_by,
        "approvedBy": record.approved_by,
        "createdAt": _time(record.created_at),
        "updatedAt": _time(record.updated_at),
        "submittedAt": _time(record.submitted_at),
        "publishedAt": _time(record.published_at),
        "links": alert_links(record),
    }


def alert_links(record: AlertRecord) -> dict[str, str | None]:
    return {
        "self": url_for("api.get_alert", alert_id=record.id),
        "cap": (
            url_for("api.get_alert_cap", alert_id=record.id)
            if record.cap is not None
            else None
        ),
    }


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
