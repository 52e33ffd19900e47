"""The CAP 1.2 rules that the XML Schema cannot express.

``rule_problems`` reads a CAP 1.2 tree and returns every problem at once. It
also runs on messages that failed the schema, so it skips whatever is missing
or unreadable instead of raising; the schema check reports those. Area rules
live in ``rules_geo`` and resource rules in ``rules_resources``. Language tags
are checked for their BCP 47 shape, not against the registry; several infos
sharing a language and event are allowed, as CAP 1.2 allows them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from gateway.cap.document import element_path
from gateway.cap.problems import Problem
from gateway.cap.references import read_references, restricted_characters_in
from gateway.cap.rules_geo import area_problems
from gateway.cap.rules_resources import is_absolute_uri, resource_problems
from gateway.cap.rules_structure import structure_problems
from gateway.cap.rules_tree import (
    CAP,
    child,
    child_text,
    children,
    error_at,
    shown,
    text_of,
    warning_at,
)
from gateway.cap.times import (
    CapTimeError,
    format_cap_time,
    is_explicit_utc_plus,
    parse_cap_time,
)

NEEDS_REFERENCES = frozenset({"Update", "Cancel", "Ack", "Error"})
HEADLINE_TARGET = 160
QUOTED_LISTS = {"addresses": '"Posko Utama"', "incidents": '"Banjir Koto Tangah"'}
# BCP 47 shape: a 2-3 letter language (or i-/x- tag), then 1-8 letter/digit subtags.
LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}|[IiXx](?=-))(?:-[A-Za-z0-9]{1,8})*", re.ASCII
)


def rule_problems(root: Any) -> list[Problem]:
    """Check a CAP 1.2 alert tree; any other root is left to the version check."""
    if root is None or root.tag != CAP + "alert":
        return []

    problems = _identity_problems(root)
    problems += structure_problems(root)
    sent, time_found = _read_time(child(root, "sent"), "sent")
    problems += time_found
    problems += _scope_problems(root)
    problems += _msg_type_problems(root)
    problems += _references_problems(root, sent)
    problems += _quote_problems(root)
    scope = child_text(root, "scope")
    for info in children(root, "info"):
        problems += _info_problems(info, sent, scope)
    return problems


def _identity_problems(alert: Any) -> list[Problem]:
    problems = []
    for name in ("identifier", "sender"):
        element = child(alert, name)
        if element is None:
            continue
        value = element.text or ""
        forbidden = restricted_characters_in(value)
        if not value.strip():
            problems.append(
                error_at(element, "value-empty", f"The {name} is empty; fill it in.")
            )
        elif forbidden:
            problems.append(
                error_at(
                    element,
                    "restricted-characters",
                    f"The {name} {shown(value)} contains {' and '.join(forbidden)}; "
                    "CAP 1.2 forbids spaces, commas, '<' and '&' there, so "
                    "remove or replace them.",
                )
            )
    return problems


def _read_time(element: Any, name: str) -> tuple[datetime | None, list[Problem]]:
    """Parse a dateTime element; a problem instead of a value when it is bad."""
    if element is None:
        return None, []
    text = text_of(element)
    try:
        value = parse_cap_time(text)
    except CapTimeError as exc:
        return None, [error_at(element, "time-format", f"The {name} time {exc}.")]

    if is_explicit_utc_plus(text):
        return value, [
            warning_at(
                element,
                "utc-plus-zero",
                f"The {name} time {text} writes UTC as +00:00; CAP 1.2 writes "
                "UTC as -00:00, so change the offset to -00:00.",
            )
        ]
    return value, []


def _scope_problems(alert: Any) -> list[Problem]:
    scope_element = child(alert, "scope")
    scope = text_of(scope_element)
    restriction = child(alert, "restriction")
    problems = []

    if scope == "Restricted" and not text_of(restriction):
        problems.append(
            error_at(
                scope_element,
                "restriction-missing",
                "The scope is Restricted but there is no restriction; add a "
                "restriction saying who may see this message.",
            )
        )
    if scope in ("Public", "Private") and restriction is not None:
        problems.append(
            error_at(
                restriction,
                "restriction-not-restricted",
                f"A restriction is given but the scope is {scope}; remove the "
                "restriction or set the scope to Restricted.",
            )
        )
    if scope == "Private" and not child_text(alert, "addresses"):
        problems.append(
            error_at(
                scope_element,
                "addresses-required",
                "The scope is Private but no addresses are given; list the "
                "intended recipients in addresses, separated by spaces.",
            )
        )
    return problems


def _msg_type_problems(alert: Any) -> list[Problem]:
    element = child(alert, "msgType")
    if text_of(element) != "Error" or child_text(alert, "note"):
        return []
    return [
        warning_at(
            element,
            "error-without-note",
            "The msgType is Error but there is no note; CAP 1.2 asks for the "
            "explanation of the rejection in note, so add one.",
        )
    ]


def _references_problems(alert: Any, sent: datetime | None) -> list[Problem]:
    element = child(alert, "references")
    if element is None or not text_of(element):
        return _missing_references(alert)

    location, line = element_path(element), element.sourceline
    references, problems = read_references(
        text_of(element), location=location, line=line
    )
    for reference in references:
        if (reference.sender, reference.identifier) == (
            child_text(alert, "sender"),
            child_text(alert, "identifier"),
        ):
            problems.append(
                error_at(
                    element,
                    "reference-to-self",
                    f"The reference {reference.sender},{reference.identifier} names "
                    "this message itself; reference the earlier message instead.",
                )
            )
        if sent is not None and reference.sent > sent:
            problems.append(
                error_at(
                    element,
                    "reference-to-later-message",
                    f"The reference to {reference.identifier} was sent at "
                    f"{format_cap_time(reference.sent)}, after this message "
                    f"({format_cap_time(sent)}); a message can only reference earlier "
                    "ones, so check its sent time.",
                )
            )
    return problems


def _missing_references(alert: Any) -> list[Problem]:
    element = child(alert, "msgType")
    msg_type = text_of(element)
    if msg_type not in NEEDS_REFERENCES:
        return []
    return [
        error_at(
            element,
            "references-required",
            f"The msgType is {msg_type} but no earlier message is referenced; "
            "add references with the sender,identifier,sent of each message "
            f"this {msg_type} applies to.",
        )
    ]


def _quote_problems(alert: Any) -> list[Problem]:
    problems = []
    for name, example in QUOTED_LISTS.items():
        element = child(alert, name)
        if text_of(element).count('"') % 2:
            problems.append(
                error_at(
                    element,
                    "unbalanced-quotes",
                    f"The {name} have an odd number of double quotes; enclose "
                    f"each entry that contains spaces in a pair, as in {example}.",
                )
            )
    return problems


def _info_problems(info: Any, sent: datetime | None, scope: str) -> list[Problem]:
    problems = _language_problems(info)
    problems += _info_time_problems(info, sent)
    problems += _headline_problems(info)
    problems += _response_problems(info, scope)
    problems += _web_problems(info)
    for resource in children(info, "resource"):
        problems += resource_problems(resource)
    for area in children(info, "area"):
        problems += area_problems(area)
    return problems


def _language_problems(info: Any) -> list[Problem]:
    element = child(info, "language")
    tag = text_of(element)
    if not tag or LANGUAGE_TAG.fullmatch(tag):
        return []
    return [
        error_at(
            element,
            "language-tag",
            f"The language {shown(tag)} is not a language tag; write one such as "
            "'id', 'id-ID' or 'en-US' (letters and digits joined by hyphens).",
        )
    ]


def _info_time_problems(info: Any, sent: datetime | None) -> list[Problem]:
    problems: list[Problem] = []
    times: dict[str, tuple[datetime | None, str]] = {}
    for name in ("effective", "onset", "expires"):
        element = child(info, name)
        value, found = _read_time(element, name)
        problems += found
        times[name] = (value, text_of(element))

    expires, expires_text = times["expires"]
    if expires is None:
        return problems
    earlier = {**times, "sent": (sent, "")}
    for name in ("effective", "onset", "sent"):
        value, text = earlier[name]
        if value is not None and expires < value:
            when = text or format_cap_time(value)
            problems.append(
                error_at(
                    child(info, "expires"),
                    f"expires-before-{name}",
                    f"Expiry {expires_text} is before the {name} time {when}; "
                    f"set expires after {name}.",
                )
            )
    return problems


def _headline_problems(info: Any) -> list[Problem]:
    element = child(info, "headline")
    length = len(text_of(element))
    if length <= HEADLINE_TARGET:
        return []
    return [
        warning_at(
            element,
            "headline-too-long",
            f"The headline is {length} characters; CAP 1.2 suggests at most "
            f"{HEADLINE_TARGET} so it fits a text message, so shorten it.",
        )
    ]


def _response_problems(info: Any, scope: str) -> list[Problem]:
    if scope != "Public":
        return []
    return [
        warning_at(
            element,
            "assess-in-public",
            "The responseType Assess is meant for officials, and CAP 1.2 says "
            "not to use it in public warnings; choose the action residents "
            "should take, such as Prepare or Monitor.",
        )
        for element in children(info, "responseType")
        if text_of(element) == "Assess"
    ]


def _web_problems(info: Any) -> list[Problem]:
    element = child(info, "web")
    if element is None or is_absolute_uri(text_of(element)):
        return []
    return [
        error_at(
            element,
            "web-not-absolute",
            f"The web address {shown(text_of(element))} is not a full absolute URI; "
            "write it with its scheme, such as https://bpbd.padang.go.id/.",
        )
    ]
