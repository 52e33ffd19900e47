"""What a reviewer compares: an alert's content as draft JSON, and the
field-by-field differences between two versions of it.

A staff message keeps its draft content; a partner's message has only its CAP
bytes, which are read back into the same shape. Nested fields are named by a
path such as ``infos/0/headline``; a list of plain values (a polygon, the
categories) counts as one field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway.alerts.drafts import draft_from_alert
from gateway.alerts.models import AlertRecord
from gateway.cap import parse


@dataclass(frozen=True, slots=True)
class Change:
    """One field that differs: its path, the old value and the new one."""

    path: str
    old: str | None
    new: str | None


def content_of(record: AlertRecord) -> dict[str, Any]:
    """The draft content of any stored message, staff's or partner's."""
    if record.content is not None:
        return dict(record.content)
    if record.cap is None:
        return {}
    return draft_from_alert(parse(record.cap))


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every field added, removed or changed from ``old`` to ``new``."""
    before, after = flatten(old), flatten(new)
    changes = []
    for path in sorted(before.keys() | after.keys(), key=_path_order):
        if before.get(path) != after.get(path):
            changes.append(Change(path, before.get(path), after.get(path)))
    return changes


def flatten(value: Any, path: str = "") -> dict[str, str]:
    """Each field of ``value`` as ``{path: text}``."""
    if isinstance(value, dict):
        found: dict[str, str] = {}
        for name, item in value.items():
            found.update(flatten(item, f"{path}/{name}"))
        return found
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{path}/{index}"))
        return found
    return {path.lstrip("/"): _as_text(value)}


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _path_order(path: str) -> tuple[tuple[int, str], ...]:
    """Numbered parts in number order, so ``infos/10`` follows ``infos/9``."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part) for part in path.split("/")
    )
