"""The JSON and CAP HTTP API under ``/api``, described by ``/api/openapi.json``.

Every error is ``application/problem+json``; no input may cause a 5xx.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from gateway.alerts.errors import (
    AlertError,
    AlertNotFound,
    DuplicateMessage,
    MalformedInput,
    NotAllowed,
    RuleViolation,
    WrongState,
)
from gateway.api import alerts, push_subscriptions, receipts, subscribers
from gateway.api.auth import check_caller
from gateway.api.limits import check_limits, count_refusal, install_limits
from gateway.api.openapi import openapi_document as build_document
from gateway.api.problems import WrongContentType, problem_response, unsupported_type
from gateway.residents.errors import ResidentError

logger = logging.getLogger(__name__)

blueprint = Blueprint("api", __name__, url_prefix="/api")
STATUS_OF_ERROR: dict[type[AlertError], int] = {
    AlertNotFound: 404,
    NotAllowed: 403,
    WrongState: 409,
    DuplicateMessage: 409,
    MalformedInput: 400,
    RuleViolation: 422,
}


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_document())


alerts.register(blueprint)
subscribers.register(blueprint)
push_subscriptions.register(blueprint)
blueprint.before_request(check_limits)
blueprint.before_request(check_caller)
blueprint.after_request(count_refusal)


def install_api(app: Flask) -> None:
    """Register the API, its error shape and its rate limits on ``app``."""
    app.register_blueprint(blueprint)
    app.register_blueprint(receipts.blueprint)
    install_limits(app)
    app.register_error_handler(AlertError, _alert_error)
    app.register_error_handler(ResidentError, subscribers.resident_error)
    app.register_error_handler(WrongContentType, _wrong_type)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _alert_error(exc: AlertError) -> Response:
    status = STATUS_OF_ERROR.get(type(exc), 422)
    if isinstance(exc, DuplicateMessage):
        existing = url_for("api.get_alert", alert_id=exc.existing_id)
        return problem_response(
            status,
            exc.code,
            exc.message,
            existing=existing,
            headers={"Location": existing},
        )
    return problem_response(
        status, exc.code, exc.message, location=exc.location, problems=exc.problems
    )


def _wrong_type(exc: WrongContentType) -> Response:
    return unsupported_type(exc.mimetype, exc.accepted)


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if not request.path.startswith("/api/"):
        return exc
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "-")
    message = exc.description or exc.name
    if status == 413:
        code, message = "too-large", _too_large_message()
    response = problem_response(status, code, message)
    for name in ("Retry-After", "Allow"):
        if exc.get_response().headers.get(name):
            response.headers[name] = exc.get_response().headers[name]
    return response


def _unexpected_error(exc: Exception) -> Response | HTTPException:
    logger.error("unexpected error path=%s", request.path, exc_info=exc)
    if not request.path.startswith("/api/"):
        return InternalServerError()
    return problem_response(
        500, "internal-error", "Something unplanned went wrong; it has been logged"
    )


def _too_large_message() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return (
        f"The body is larger than {limit:,} bytes; move large content into a "
        "resource with a uri"
    )
