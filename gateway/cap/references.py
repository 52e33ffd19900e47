"""The ``references`` text of a CAP alert: ``sender,identifier,sent`` triples.

Triples are separated by whitespace and their parts by commas. CAP 1.2 forbids
whitespace and commas in senders and identifiers, so both splits are exact.
Reading collects a problem for every malformed triple instead of stopping at
the first; ``parse_references`` turns those into one exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gateway.cap.errors import CapError
from gateway.cap.model import Reference
from gateway.cap.problems import Problem, error, has_errors, warning
from gateway.cap.rules_tree import shown
from gateway.cap.times import (
    CapTimeError,
    format_cap_time,
    is_explicit_utc_plus,
    parse_cap_time,
)

DEFAULT_LOCATION = "/alert/references"
RESTRICTED_CHARACTERS = ",<&"
PART_NAMES = ("sender", "identifier", "sent")

_Fault = Callable[[str, str], Problem]


class MalformedReferences(CapError):
    """A references text or Reference that cannot be written as valid triples."""


def restricted_characters_in(value: str) -> list[str]:
    """Describe each character CAP 1.2 forbids in a sender or identifier."""
    found = []
    if any(char.isspace() for char in value):
        found.append("a space")
    found.extend(f"'{char}'" for char in RESTRICTED_CHARACTERS if char in value)
    return found


def read_references(
    text: str, *, location: str = DEFAULT_LOCATION, line: int | None = None
) -> tuple[list[Reference], list[Problem]]:
    """Read every triple: the well-formed ones, and a problem for each fault."""
    references: list[Reference] = []
    problems: list[Problem] = []
    for position, triple in enumerate(text.split(), start=1):
        reference, found = _read_triple(triple, position, location, line)
        problems.extend(found)
        if reference is not None:
            references.append(reference)
    return references, problems


def parse_references(text: str, *, location: str = DEFAULT_LOCATION) -> list[Reference]:
    """Read the triples, raising ``MalformedReferences`` if any is malformed."""
    references, problems = read_references(text, location=location)
    errors = [problem for problem in problems if problem.is_error]
    if errors:
        raise MalformedReferences(
            "; ".join(problem.message for problem in errors),
            code=errors[0].code,
            location=location,
            problems=errors,
        )
    return references


def format_references(references: Iterable[Reference]) -> str:
    """Write references as CAP text, one ``sender,identifier,sent`` per triple."""
    triples = []
    for reference in references:
        for name in ("sender", "identifier"):
            _require_writable(name, getattr(reference, name))
        sent = format_cap_time(reference.sent)
        triples.append(f"{reference.sender},{reference.identifier},{sent}")
    return " ".join(triples)


def _read_triple(
    triple: str, position: int, location: str, line: int | None
) -> tuple[Reference | None, list[Problem]]:
    def fault(code: str, message: str) -> Problem:
        return error(
            code, location, f"Reference {position} {shown(triple)} {message}", line
        )

    parts = triple.split(",")
    if len(parts) != len(PART_NAMES):
        return None, [
            fault(
                "reference-parts",
                f"has {len(parts)} comma-separated parts; write each reference "
                "as sender,identifier,sent and separate references by spaces.",
            )
        ]

    problems = [
        fault("reference-part-empty", f"has an empty {name}; fill in the {name}.")
        for name, part in zip(PART_NAMES, parts, strict=True)
        if not part
    ]
    problems.extend(_name_problems(parts[0], parts[1], fault))
    if not parts[2]:
        return None, problems

    try:
        sent = parse_cap_time(parts[2])
    except CapTimeError as exc:
        problems.append(fault("reference-time-format", f"has a bad sent time: {exc}."))
        return None, problems
    if is_explicit_utc_plus(parts[2]):
        problems.append(
            warning(
                "utc-plus-zero",
                location,
                f"Reference {position} writes UTC as +00:00; CAP 1.2 writes UTC as "
                "-00:00, so copy the time as -00:00 if the earlier message did.",
                line,
            )
        )

    if has_errors(problems):
        return None, problems
    return Reference(sender=parts[0], identifier=parts[1], sent=sent), problems


def _name_problems(sender: str, identifier: str, fault: _Fault) -> list[Problem]:
    problems = []
    for name, value in (("sender", sender), ("identifier", identifier)):
        forbidden = [f"'{char}'" for char in "<&" if char in value]
        if forbidden:
            problems.append(
                fault(
                    "reference-restricted-characters",
                    f"has {' and '.join(forbidden)} in its {name}; CAP 1.2 "
                    f"forbids them, so copy the {name} exactly as the earlier "
                    "message wrote it.",
                )
            )
    return problems


def _require_writable(name: str, value: str) -> None:
    forbidden = restricted_characters_in(value)
    if not value or forbidden:
        what = " and ".join(forbidden) if forbidden else "nothing"
        raise MalformedReferences(
            f"A reference {name} {shown(value)} has {what}; it must be non-empty with "
            "no spaces, commas, '<' or '&' to be written as CAP references",
            code="reference-unwritable",
        )
