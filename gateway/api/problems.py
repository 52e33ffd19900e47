"""RFC 9457 problem responses: one JSON error shape for the whole API.

Every error carries ``errors``, a list of ``{code, location, message}``, so a
client can show each problem where it belongs.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from flask import Response, jsonify

from gateway.cap.problems import Problem

PROBLEM_TYPE = "application/problem+json"


def problem_response(
    status: int,
    code: str,
    message: str,
    *,
    location: str = "/",
    problems: Iterable[Problem] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response; ``problems`` fill ``errors`` when given."""
    errors = [
        {"code": found.code, "location": found.location, "message": found.message}
        for found in problems
    ] or [{"code": code, "location": location, "message": message}]
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": message,
        "code": code,
        "errors": errors,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    response.headers.update(headers or {})
    return response


class WrongContentType(Exception):
    """A request body's Content-Type is not one the endpoint takes."""

    def __init__(self, mimetype: str, accepted: tuple[str, ...]) -> None:
        super().__init__(mimetype)
        self.mimetype = mimetype
        self.accepted = accepted


def unsupported_type(mimetype: str, accepted: tuple[str, ...]) -> Response:
    """A 415 naming what was sent and what is accepted."""
    return problem_response(
        415,
        "unsupported-media-type",
        f"Content-Type '{mimetype or 'none'}' is not accepted here; send "
        f"{' or '.join(accepted)}",
    )
