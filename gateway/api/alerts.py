"""The alerts API: create, list, read, edit, and move alerts through their
lifecycle. Views translate HTTP to lifecycle calls and back, nothing more."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeGuard

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from gateway.alerts import intake, lifecycle
from gateway.alerts.errors import MalformedInput, NotAllowed, RuleViolation
from gateway.alerts.models import AlertRecord, AlertState
from gateway.alerts.queries import (
    MAX_PAGE_SIZE,
    AlertFilter,
    list_alerts,
    visible_alert,
)
from gateway.api.auth import current_actor
from gateway.api.problems import WrongContentType, problem_response, unsupported_type
from gateway.api.representation import alert_json
from gateway.cap import MsgType, Status
from gateway.cap.problems import Problem
from gateway.db import transaction
from gateway.dispatch.summary import summarise
from gateway.runtime import runtime

CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
JSON_TYPE = "application/json"
DEFAULT_PAGE_SIZE = 50
PAGE_SIZE_SHAPE = re.compile(r"[0-9]{1,3}")
# A character that is neither white space nor a control character.
VISIBLE = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\ufeff]")
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
STATES = tuple(str(state) for state in AlertState)
STATUSES = tuple(str(status) for status in Status)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule(
        "/v1/alerts", "list_alerts", view_func=list_alerts_view, methods=["GET"]
    )
    blueprint.add_url_rule("/v1/alerts", view_func=create_alert, methods=["POST"])
    blueprint.add_url_rule("/v1/alerts/<alert_id>", view_func=get_alert)
    blueprint.add_url_rule(
        "/v1/alerts/<alert_id>", view_func=edit_alert, methods=["PUT"]
    )
    blueprint.add_url_rule("/v1/alerts/<alert_id>/cap", view_func=get_alert_cap)
    blueprint.add_url_rule(
        "/v1/alerts/<alert_id>/deliveries", view_func=get_alert_deliveries
    )
    for name, view in (
        ("submit", submit_alert),
        ("approve", approve_alert),
        ("reject", reject_alert),
        ("return", return_alert),
        ("update", update_alert),
        ("cancel", cancel_alert),
    ):
        blueprint.add_url_rule(
            f"/v1/alerts/<alert_id>/{name}", view_func=view, methods=["POST"]
        )


def list_alerts_view() -> Response:
    wanted = AlertFilter(
        states=_choices("state", STATES),
        statuses=_choices("status", STATUSES),
        since=_since(),
        area_code=_area(),
    )
    limit = _page_size()
    with _session() as session:
        page = list_alerts(
            session,
            current_actor(),
            wanted,
            limit=limit,
            cursor=request.args.get("cursor") or None,
        )
        items = [alert_json(record) for record in page.items]
    next_link = None
    if page.next_cursor:
        arguments: dict[str, Any] = request.args.to_dict(flat=False)
        arguments["cursor"] = page.next_cursor
        next_link = url_for("api.list_alerts", **arguments)
    response = jsonify({"items": items, "next": next_link})
    if next_link:
        response.headers["Link"] = f'<{next_link}>; rel="next"'
    return response


def create_alert() -> Response:
    """A CAP message or a JSON draft; what happens depends on the caller."""
    mimetype = request.mimetype
    with _session() as session:
        if mimetype in CAP_TYPES:
            received = intake.receive_message(
                session, current_actor(), request.get_data(), _settings()
            )
            record, warnings = received.record, received.warnings
        elif mimetype == JSON_TYPE:
            _refuse_json_from_partner()
            record = lifecycle.create_draft(session, current_actor(), _json_body())
            warnings = []
        else:
            return unsupported_type(mimetype, (*CAP_TYPES, JSON_TYPE))
        return _created(record, warnings)


def get_alert(alert_id: str) -> Response:
    with _session() as session:
        return jsonify(alert_json(visible_alert(session, current_actor(), alert_id)))


def get_alert_cap(alert_id: str) -> Response:
    with _session() as session:
        record = visible_alert(session, current_actor(), alert_id)
        if record.cap is None:
            return problem_response(
                404,
                "not-published",
                "This alert is a draft and has no CAP message yet",
            )
        return Response(record.cap, mimetype="application/cap+xml")


def get_alert_deliveries(alert_id: str) -> Response:
    """Counts by channel and status, first and last send, time to 50/90/99%."""
    with _session() as session:
        record = visible_alert(session, current_actor(), alert_id)
        return jsonify(summarise(session, record).as_dict())


def edit_alert(alert_id: str) -> Response:
    content = _json_body(required=True)
    return _step(lambda s, a: lifecycle.edit_draft(s, a, alert_id, content))


def submit_alert(alert_id: str) -> Response:
    return _step(lambda s, a: lifecycle.submit(s, a, alert_id))


def approve_alert(alert_id: str) -> Response:
    reviewed = _field(_json_body(required=True), "contentHash")
    return _step(lambda s, a: lifecycle.approve(s, a, alert_id, reviewed, _settings()))


def reject_alert(alert_id: str) -> Response:
    reason = _field(_json_body(required=True), "reason")
    return _step(lambda s, a: lifecycle.reject(s, a, alert_id, reason))


def return_alert(alert_id: str) -> Response:
    reason = _field(_json_body(required=True), "reason")
    return _step(lambda s, a: lifecycle.return_to_author(s, a, alert_id, reason))


def update_alert(alert_id: str) -> Response:
    content = _json_body() if request.content_length else None
    with _session() as session:
        record = lifecycle.create_follow_up(
            session, current_actor(), alert_id, MsgType.UPDATE, content=content
        )
        return _created(record, [])


def cancel_alert(alert_id: str) -> Response:
    body = _json_body() if request.content_length else {}
    if not isinstance(body, dict):
        raise RuleViolation(
            'The body must be a JSON object such as {"note": "..."}',
            code="body-not-object",
        )
    note = body.get("note")
    if note is not None and not _is_text(note):
        raise RuleViolation(
            "note must be text with something to read in it and no NUL characters",
            code="bad-note",
            location="/note",
        )
    with _session() as session:
        record = lifecycle.create_follow_up(
            session, current_actor(), alert_id, MsgType.CANCEL, note=note
        )
        return _created(record, [])


def _step(operation: Callable[[Any, Any], AlertRecord]) -> Response:
    with _session() as session:
        record = operation(session, current_actor())
        return jsonify(alert_json(record))


def _created(record: AlertRecord, warnings: list[Problem]) -> Response:
    body = alert_json(record)
    body["warnings"] = [
        {"code": found.code, "location": found.location, "message": found.message}
        for found in warnings
    ]
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["links"]["self"]
    return response


def _session() -> Any:
    return transaction(runtime(current_app).sessions)


def _settings() -> Any:
    return runtime(current_app).publishing


def _json_body(*, required: bool = False) -> Any:
    if request.mimetype != JSON_TYPE:
        raise WrongContentType(request.mimetype, (JSON_TYPE,))
    raw = request.get_data()
    if not raw.strip():
        if required:
            raise MalformedInput("The request needs a JSON body", code="empty-body")
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(
            f"The body is not valid JSON: {exc}", code="malformed-json"
        ) from exc


def _field(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not _is_text(value):
        raise RuleViolation(
            f"The body needs '{name}' as text with something to read in it and "
            "no NUL characters",
            code=f"{name}-required",
            location=f"/{name}",
        )
    return value


def _is_text(value: Any) -> TypeGuard[str]:
    """Whether ``value`` is text with something visible in it and no NUL."""
    return (
        isinstance(value, str)
        and "\x00" not in value
        and VISIBLE.search(value) is not None
    )


def _refuse_json_from_partner() -> None:
    if not current_actor().is_staff:
        raise NotAllowed(
            "Partner keys post CAP messages (application/cap+xml); JSON drafts "
            "are for staff tokens",
            code="json-drafts-staff-only",
        )


def _choices(name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = tuple(
        part for raw in request.args.getlist(name) for part in raw.split(",")
    )
    unknown = ", ".join(f"'{value}'" for value in values if value not in allowed)
    if unknown:
        raise RuleViolation(
            f"Unknown {name} {unknown}; choose from {', '.join(allowed)}, or leave "
            f"{name} out to get any",
            code=f"bad-{name}",
            location=name,
        )
    return values


def _since() -> datetime | None:
    raw = request.args.get("since")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise RuleViolation(
            f"since '{raw}' must be a time with an offset, such as "
            "2026-12-03T09:00:00+07:00",
            code="bad-since",
            location="since",
        )
    return _in_utc(moment)


def _in_utc(moment: datetime) -> datetime:
    """The moment in UTC; one beyond UTC's years 1 to 9999 becomes that bound."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return EARLIEST if moment.year == EARLIEST.year else LATEST


def _area() -> str | None:
    raw = request.args.get("area")
    if raw and "\x00" in raw:
        raise RuleViolation(
            "area contains a NUL character; give a geocode value as plain text",
            code="bad-area",
            location="area",
        )
    return raw or None


def _page_size() -> int:
    raw = request.args.get("limit", str(DEFAULT_PAGE_SIZE))
    if not PAGE_SIZE_SHAPE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise RuleViolation(
            f"limit '{raw}' must be a whole number from 1 to {MAX_PAGE_SIZE}",
            code="bad-limit",
            location="limit",
        )
    return int(raw)
