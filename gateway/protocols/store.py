"""The office's templates: the stored ones once an admin has saved any, else
the shipped defaults. Saving checks the template like a template file."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.protocols.models import StoredTemplate
from gateway.protocols.templates import (
    ProtocolTemplate,
    default_templates,
    load_templates,
)


def office_templates(session: Session) -> tuple[ProtocolTemplate, ...]:
    """The templates staff compose from, in the office's order."""
    rows = session.scalars(
        select(StoredTemplate).order_by(StoredTemplate.position, StoredTemplate.key)
    ).all()
    if not rows:
        return default_templates()
    return load_templates({"templates": [json.loads(row.document) for row in rows]})


def office_template(session: Session, key: str) -> ProtocolTemplate | None:
    return next(
        (found for found in office_templates(session) if found.key == key), None
    )


def save_template(session: Session, document: Any, actor: str) -> ProtocolTemplate:
    """Store one template (added or replacing the one with its key); the first
    save copies the defaults in, so the others stay available."""
    (template,) = load_templates({"templates": [document]})
    if session.scalar(select(StoredTemplate.key).limit(1)) is None:
        for position, shipped in enumerate(default_templates()):
            session.add(_row(shipped, position, "defaults"))
        session.flush()
    existing = session.get(StoredTemplate, template.key)
    if existing is None:
        last = session.scalar(
            select(StoredTemplate.position).order_by(StoredTemplate.position.desc())
        )
        session.add(_row(template, (last or 0) + 1, actor))
    else:
        existing.document = json.dumps(template_document(template), ensure_ascii=False)
        existing.updated_at = utc_now()
        existing.updated_by = actor
    session.flush()
    return template


def remove_template(session: Session, key: str) -> bool:
    """Remove a stored template; whether there was one."""
    result = session.execute(delete(StoredTemplate).where(StoredTemplate.key == key))
    return bool(getattr(result, "rowcount", 0))


def template_document(template: ProtocolTemplate) -> dict[str, Any]:
    """The template in the file's shape, for storing or editing."""
    fields = asdict(template)
    return {
        "key": fields["key"],
        "names": fields["names"],
        "status": fields["status"],
        "categories": list(fields["categories"]),
        "responseTypes": list(fields["response_types"]),
        "urgency": fields["urgency"],
        "severity": fields["severity"],
        "certainty": fields["certainty"],
        "expiresHours": fields["expires_hours"],
        "texts": fields["texts"],
    }


def _row(template: ProtocolTemplate, position: int, actor: str) -> StoredTemplate:
    return StoredTemplate(
        key=template.key,
        document=json.dumps(template_document(template), ensure_ascii=False),
        position=position,
        updated_at=utc_now(),
        updated_by=actor,
    )
