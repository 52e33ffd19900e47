"""Reading a CAP 1.2 tree that may be broken, for the rule checks.

The rules also run on messages that failed the schema, so every helper here
tolerates missing elements, stray children and empty text: it returns nothing
rather than raising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.cap.document import element_path
from gateway.cap.model import CAP12_NAMESPACE
from gateway.cap.problems import Problem, error, warning

CAP = f"{{{CAP12_NAMESPACE}}}"
SHOWN_LIMIT = 60

ProblemFactory = Callable[[str, str, str, int | None], Problem]


def children(parent: Any, name: str) -> list[Any]:
    """The CAP children of ``parent`` called ``name``, in document order."""
    if parent is None:
        return []
    return list(parent.iterchildren(CAP + name))


def child(parent: Any, name: str) -> Any | None:
    """The first CAP child of ``parent`` called ``name``, if there is one."""
    if parent is None:
        return None
    return next(parent.iterchildren(CAP + name), None)


def text_of(element: Any) -> str:
    """The element's own text with surrounding whitespace removed."""
    if element is None or element.text is None:
        return ""
    return str(element.text).strip()


def child_text(parent: Any, name: str) -> str:
    return text_of(child(parent, name))


def shown(value: str) -> str:
    """The value in quotes for a message, cut short if it is long."""
    if len(value) > SHOWN_LIMIT:
        value = value[: SHOWN_LIMIT - 1] + "…"
    return f"'{value}'"


def error_at(element: Any, code: str, message: str) -> Problem:
    """An error located at ``element``."""
    return _located(error, element, code, message)


def warning_at(element: Any, code: str, message: str) -> Problem:
    """A warning located at ``element``."""
    return _located(warning, element, code, message)


def _located(make: ProblemFactory, element: Any, code: str, message: str) -> Problem:
    line = element.sourceline if isinstance(element.sourceline, int) else None
    return make(code, element_path(element), message, line)
