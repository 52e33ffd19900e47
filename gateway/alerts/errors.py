"""Exceptions of the alert lifecycle; the API maps each to one HTTP status."""

from __future__ import annotations

from gateway.cap.problems import Problem


class AlertError(Exception):
    """An alert operation was refused; ``code`` is stable, the text for people."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        location: str = "/",
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.location = location
        self.problems = problems or []


class AlertNotFound(AlertError):
    """No alert with that id is visible to the caller."""


class NotAllowed(AlertError):
    """The caller may not do this (role, organisation, two-person rule)."""


class WrongState(AlertError):
    """The alert is not in a state where this step can be taken."""


class DuplicateMessage(AlertError):
    """A message with the same sender, identifier and sent is already stored."""

    def __init__(self, message: str, *, existing_id: str) -> None:
        super().__init__(message, code="duplicate-message")
        self.existing_id = existing_id


class MalformedInput(AlertError):
    """The input cannot be read at all (not XML, unsafe XML, not JSON)."""


class RuleViolation(AlertError):
    """The input can be read but breaks a CAP rule or the office's protocol."""
