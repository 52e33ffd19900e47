"""Exceptions of the CAP core; only these ever leave ``gateway.cap``."""

from __future__ import annotations

from gateway.cap.problems import Problem


class CapError(Exception):
    """A CAP message could not be read, checked, signed or verified."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "cap-error",
        line: int | None = None,
        column: int | None = None,
        location: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line
        self.column = column
        self.location = location
        self.problems = problems or []

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.location:
            where.append(self.location)
        return f"{self.message} ({', '.join(where)})" if where else self.message


class MessageTooLarge(CapError):
    """The input is larger than the configured limit and was not parsed."""


class UnsafeXml(CapError):
    """The input uses XML features refused for safety (DOCTYPE, entities, XInclude)."""


class MalformedXml(CapError):
    """The input is not well-formed XML, or nests deeper than allowed."""


class UnsupportedVersion(CapError):
    """The document is not a CAP alert of a version this gateway reads."""


class InvalidMessage(CapError):
    """The document is CAP but breaks the schema or the CAP 1.2 rules."""


class SignatureError(CapError):
    """A signature is missing, malformed, untrusted or does not match."""
