"""``validate``: every problem of a CAP message at once, never an exception.

Order: hardened loading, version check, CAP 1.2 schema, the CAP rules a schema
cannot express, then the model. Problems carry a stable code, a location, a
line where known, a severity and a sentence saying how to fix them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.cap.document import DEFAULT_MAX_BYTES, load_tree
from gateway.cap.errors import CapError
from gateway.cap.model import Alert
from gateway.cap.problems import Problem, error, has_errors
from gateway.cap.reader import read_alert
from gateway.cap.rules import rule_problems
from gateway.cap.schema import schema_problems
from gateway.cap.upgrade import to_cap12


@dataclass(slots=True)
class Inspection:
    """What validation found, and the model when the message is valid."""

    problems: list[Problem] = field(default_factory=list)
    alert: Alert | None = None
    root: Any = None

    @property
    def is_valid(self) -> bool:
        return not has_errors(self.problems)


def validate(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """Every problem found in ``data``; an empty list (or warnings) means valid."""
    return inspect(data, max_bytes=max_bytes).problems


def inspect(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Inspection:
    """Validate ``data`` fully and build its model when it has no errors."""
    found = Inspection()
    try:
        found.root, notes = to_cap12(load_tree(data, max_bytes=max_bytes))
    except CapError as exc:
        found.problems.append(_as_problem(exc))
        return found

    found.problems += notes
    found.problems += schema_problems(found.root)
    found.problems += rule_problems(found.root)
    if found.is_valid:
        try:
            found.alert = read_alert(found.root)
        except CapError as exc:
            found.problems += exc.problems or [_as_problem(exc)]
    return found


def _as_problem(exc: CapError) -> Problem:
    return error(exc.code, exc.location or "/", exc.message, exc.line)
