"""Problems found in a CAP message: a stable code, where, and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class ProblemSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: ``code`` is stable, ``message`` is for a person."""

    code: str
    location: str
    message: str
    severity: ProblemSeverity = ProblemSeverity.ERROR
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is ProblemSeverity.ERROR

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        if self.line is None:
            del data["line"]
        return data


def error(code: str, location: str, message: str, line: int | None = None) -> Problem:
    return Problem(code, location, message, ProblemSeverity.ERROR, line)


def warning(code: str, location: str, message: str, line: int | None = None) -> Problem:
    return Problem(code, location, message, ProblemSeverity.WARNING, line)


def has_errors(problems: list[Problem]) -> bool:
    return any(problem.is_error for problem in problems)
