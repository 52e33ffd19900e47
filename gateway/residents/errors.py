"""Exceptions of the residents package; each carries a stable ``code``."""

from __future__ import annotations


class ResidentError(Exception):
    """A subscription was refused; ``code`` is stable, the message for people."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidSubscription(ResidentError):
    """A field of a subscription (address, language, place, group) is unusable."""


class InvalidImportFile(ResidentError):
    """A subscribers file cannot be read at all (missing columns, not CSV)."""
