"""Exceptions of the places package; each carries a stable ``code``."""

from __future__ import annotations


class PlacesError(Exception):
    """A places operation was refused; ``code`` is stable, the message for people."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidPlacesFile(PlacesError):
    """A GeoJSON file cannot be used at all (unreadable, not JSON, too large)."""


class InvalidFeature(PlacesError):
    """One feature of a file is unusable; the rest of the file may still be."""


class InvalidTarget(PlacesError):
    """A CAP polygon, circle or area given to a query cannot be read."""
