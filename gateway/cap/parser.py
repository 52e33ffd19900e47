"""``parse``: untrusted bytes to a CAP 1.2 model, or a ``CapError``.

Steps: hardened XML loading, version check (CAP 1.1 is upgraded, 1.0
refused), the CAP 1.2 schema, then the model. The CAP rules beyond the schema
are ``validate``'s job; ``parse`` takes any schema-valid message.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.cap.document import DEFAULT_MAX_BYTES, load_tree
from gateway.cap.errors import InvalidMessage
from gateway.cap.model import Alert
from gateway.cap.problems import Problem
from gateway.cap.reader import read_alert
from gateway.cap.schema import schema_problems
from gateway.cap.upgrade import to_cap12


@dataclass(frozen=True, slots=True)
class Reading:
    """A parsed alert and the notes on what was changed to read it."""

    alert: Alert
    notes: list[Problem]


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Alert:
    """Parse a CAP message; only ``CapError`` subclasses are raised."""
    return read(data, max_bytes=max_bytes).alert


def read(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Reading:
    """Like ``parse``, also returning the notes of a CAP 1.1 upgrade."""
    root, notes = to_cap12(load_tree(data, max_bytes=max_bytes))

    problems = [problem for problem in schema_problems(root) if problem.is_error]
    if problems:
        first = problems[0]
        raise InvalidMessage(
            f"The message does not follow the CAP 1.2 schema "
            f"({len(problems)} problem(s)); first: {first.message}",
            code=first.code,
            location=first.location,
            line=first.line,
            problems=problems,
        )

    return Reading(read_alert(root), notes)
