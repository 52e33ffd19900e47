"""Reviewing alerts in the console: the approval queue, an alert's page with
its delivery progress, and the steps taken from it — approve, reject, return
for changes, cancel.

Every step calls the lifecycle function the API calls, so the two-person
rule, the reviewed content hash and the required reasons are enforced there;
a refusal is shown on the alert's page with the lifecycle's reason, in the
console's language when the refusal's code is one this module knows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.alerts import lifecycle
from gateway.alerts.errors import (
    AlertError,
    AlertNotFound,
    NotAllowed,
    RuleViolation,
    WrongState,
)
from gateway.alerts.models import AlertRecord
from gateway.alerts.queries import visible_alert
from gateway.api.representation import alert_json
from gateway.cap import MsgType
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.review_page import AlertPage, gather_alert_page, gather_queue
from gateway.web.review_progress import progress_json

logger = logging.getLogger(__name__)

UPDATE_ENDPOINT = "console.compose_update"
EDIT_ENDPOINT = "console.edit_draft"
MAX_NOTE_LENGTH = 2000
REFUSALS = {
    "two-person-rule": lazy_gettext(
        "You wrote or submitted this alert; a second person must approve it"
    ),
    "content-changed": lazy_gettext(
        "The alert changed after you reviewed it; review it again and approve "
        "the current content"
    ),
    "reason-required": lazy_gettext(
        "Give a reason, so the author knows what to change"
    ),
    "approver-only": lazy_gettext(
        "Only an approver or an admin can approve, reject or return alerts"
    ),
    "approval-void": lazy_gettext(
        "The alert changed after it was approved; it needs a new approval"
    ),
    "wrong-state": lazy_gettext(
        "The alert is no longer in a state for this step; someone may have "
        "acted on it already. Its current state is shown below."
    ),
    "not-published": lazy_gettext(
        "Only a published alert that is still on air can be cancelled or updated"
    ),
    "chain-ended": lazy_gettext(
        "The alert this message changes has ended (cancelled or expired); start "
        "a new alert instead"
    ),
    "not-editable": lazy_gettext(
        "A partner's message cannot be returned for editing; reject it with a "
        "reason instead"
    ),
    "staff-only": lazy_gettext("Only the office's staff can do this"),
}
ERROR_STATUS = {AlertNotFound: 404, NotAllowed: 403, WrongState: 409}
STEP_NAMES = {
    "alert.created": lazy_gettext("Written"),
    "alert.received": lazy_gettext("Received from a partner"),
    "alert.edited": lazy_gettext("Edited"),
    "alert.submitted": lazy_gettext("Sent for approval"),
    "alert.approved": lazy_gettext("Approved"),
    "alert.rejected": lazy_gettext("Rejected"),
    "alert.returned": lazy_gettext("Returned for changes"),
    "alert.published": lazy_gettext("Published"),
    "alert.superseded": lazy_gettext("Superseded by an Update"),
    "alert.cancelled": lazy_gettext("Cancelled"),
    "alert.expired": lazy_gettext("Expired"),
}
DELIVERY_NAMES = {
    "queued": lazy_gettext("Queued"),
    "sending": lazy_gettext("Sending"),
    "sent": lazy_gettext("Sent"),
    "delivered": lazy_gettext("Delivered"),
    "failed": lazy_gettext("Failed"),
    "cancelled": lazy_gettext("Cancelled"),
    "expired": lazy_gettext("Expired"),
}
MESSAGE_NAMES = {
    "Alert": lazy_gettext("Alert"),
    "Update": lazy_gettext("Update"),
    "Cancel": lazy_gettext("Cancel"),
}


def register(blueprint: Blueprint) -> None:
    """Add the review pages and steps to the console's blueprint."""
    rules: list[tuple[str, str, Callable[..., Any], list[str]]] = [
        ("/approvals", "approvals", approvals, ["GET"]),
        ("/alerts/<alert_id>", "alert", alert, ["GET"]),
        ("/alerts/<alert_id>/progress.json", "alert_progress", alert_progress, ["GET"]),
        ("/alerts/<alert_id>/alert.json", "alert_json", alert_document, ["GET"]),
        ("/alerts/<alert_id>/approve", "approve", approve, ["POST"]),
        ("/alerts/<alert_id>/reject", "reject", reject, ["POST"]),
        ("/alerts/<alert_id>/return", "send_back", send_back, ["POST"]),
        ("/alerts/<alert_id>/cancel", "cancel", cancel_form, ["GET"]),
        ("/alerts/<alert_id>/cancel", "confirm_cancel", confirm_cancel, ["POST"]),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(rule, endpoint, view_func=view, methods=methods)
    blueprint.context_processor(review_helpers)


def review_helpers() -> dict[str, Any]:
    """Names of audit steps, delivery statuses and message types for templates."""
    return {
        "step_name": lambda action: str(STEP_NAMES.get(action, action)),
        "delivery_name": lambda status: str(DELIVERY_NAMES.get(status, status)),
        "message_name": lambda kind: str(MESSAGE_NAMES.get(kind, kind)),
    }


def approvals() -> str:
    with _session() as db:
        return render_template("console/approvals.html", queue=gather_queue(db))


def alert(alert_id: str) -> tuple[str, int]:
    return _alert_page(alert_id, 200)


def alert_progress(alert_id: str) -> Response:
    """Counts by channel and status, for ``progress.js`` to poll."""
    with _session() as db:
        found = _visible_or_none(db, alert_id)
        if found is None:
            return _not_found(alert_id)
        return jsonify(progress_json(db, found))


def alert_document(alert_id: str) -> Response:
    """The alert's JSON, as the API's ``GET /api/v1/alerts/<id>`` gives it."""
    with _session() as db:
        found = _visible_or_none(db, alert_id)
        if found is None:
            return _not_found(alert_id)
        return jsonify(alert_json(found))


def approve(alert_id: str) -> Response | tuple[str, int]:
    reviewed = request.form.get("content_hash", "")
    settings = runtime(current_app).publishing
    return _take_step(
        alert_id,
        lambda db: lifecycle.approve(db, _actor(), alert_id, reviewed, settings),
        lazy_gettext("Approved and published."),
    )


def reject(alert_id: str) -> Response | tuple[str, int]:
    reason = request.form.get("reason", "")
    return _take_step(
        alert_id,
        lambda db: lifecycle.reject(db, _actor(), alert_id, reason),
        lazy_gettext("Rejected. The author sees your reason."),
    )


def send_back(alert_id: str) -> Response | tuple[str, int]:
    reason = request.form.get("reason", "")
    return _take_step(
        alert_id,
        lambda db: lifecycle.return_to_author(db, _actor(), alert_id, reason),
        lazy_gettext("Returned to its author for changes."),
    )


def cancel_form(alert_id: str) -> tuple[str, int]:
    with _session() as db:
        page = _gathered(db, alert_id)
        return render_template("console/cancel.html", page=page), 200


def confirm_cancel(alert_id: str) -> Response | tuple[str, int]:
    """A Cancel of the alert's chain, made and sent for a second person's approval."""
    note = request.form.get("note", "").strip() or None
    if note is not None and ("\x00" in note or len(note) > MAX_NOTE_LENGTH):
        flash(
            gettext(
                "Keep the note to %(max)d characters of plain text.",
                max=MAX_NOTE_LENGTH,
            ),
            "error",
        )
        return _alert_page(alert_id, 422)
    try:
        with _session() as db:
            actor = _actor()
            made = lifecycle.create_follow_up(
                db, actor, alert_id, MsgType.CANCEL, note=note
            )
            lifecycle.submit(db, actor, made.id)
            cancel_id = made.id
    except AlertError as exc:
        return _refused(alert_id, exc)
    flash(gettext("The Cancel message waits for a second person's approval."), "info")
    return redirect(url_for("console.alert", alert_id=cancel_id), 303)


def link_if_built(endpoint: str, alert_id: str) -> str | None:
    """The URL of another console page about this alert, once that page exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, alert_id=alert_id)


def _take_step(
    alert_id: str, step: Callable[[Session], Any], done: Any
) -> Response | tuple[str, int]:
    try:
        with _session() as db:
            step(db)
    except AlertError as exc:
        return _refused(alert_id, exc)
    flash(str(done), "info")
    return redirect(url_for("console.alert", alert_id=alert_id), 303)


def _refused(alert_id: str, exc: AlertError) -> tuple[str, int]:
    logger.info("console step refused alert_id=%s code=%s", alert_id, exc.code)
    known = REFUSALS.get(exc.code)
    flash(str(known) if known is not None else exc.message, "error")
    status = next(
        (code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)),
        422 if isinstance(exc, RuleViolation) else 400,
    )
    return _alert_page(alert_id, status)


def _alert_page(alert_id: str, status: int) -> tuple[str, int]:
    with _session() as db:
        page = _gathered(db, alert_id)
        html = render_template(
            "console/alert.html",
            page=page,
            update_url=link_if_built(UPDATE_ENDPOINT, alert_id),
            edit_url=link_if_built(EDIT_ENDPOINT, alert_id),
        )
        return html, status


def _gathered(db: Session, alert_id: str) -> AlertPage:
    """The alert's page, or a 404 page when no such alert is visible."""
    try:
        return gather_alert_page(db, _actor(), alert_id)
    except AlertNotFound:
        abort(404, "No alert has this id")


def _visible_or_none(db: Session, alert_id: str) -> AlertRecord | None:
    try:
        return visible_alert(db, _actor(), alert_id)
    except AlertNotFound:
        return None


def _not_found(alert_id: str) -> Response:
    answer = jsonify({"error": "not-found", "message": "No alert has this id"})
    answer.status_code = 404
    return answer


def _actor() -> Any:
    return current_user.actor


def _session() -> Any:
    return transaction(runtime(current_app).sessions)
