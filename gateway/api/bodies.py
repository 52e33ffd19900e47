"""Reading a JSON request body: UTF-8 and standard JSON only, so what is
accepted can be stored and written back exactly.

NaN and the infinities (which Python's reader takes by default) are refused,
and so is a ``\\ud800``-style escape that makes a lone surrogate, which no
database stores; both as ``MalformedInput`` with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from gateway.alerts.errors import MalformedInput


def decode_json(raw: bytes) -> Any:
    """The document ``raw`` holds, or ``MalformedInput`` saying why not."""
    if not raw.strip():
        raise MalformedInput("The request needs a JSON body", code="empty-body")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(
            f"The body is not valid JSON in UTF-8: {exc}", code="malformed-json"
        ) from exc
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write the number itself")
