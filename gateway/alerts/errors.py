"""Exceptions of the alert lifecycle; the API maps each to one HTTP status."""

from __future__ import annotations

from gateway.refusals import Refusal


class AlertError(Refusal):
    """An alert operation was refused; ``code`` is stable, the text for people."""


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
