"""The properties of a GeoJSON feature, checked one by one.

Each reader takes the feature's ``properties`` object and one name, and
returns the value in canonical form (text stripped, codes as text) or raises
``InvalidFeature`` saying which property is wrong and what it should hold.
"""

from __future__ import annotations

import math
import re
from typing import Any

from gateway.places.errors import InvalidFeature

MAX_SHOWN = 40
CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", re.ASCII)
# Control characters, NUL included; a multi-line text may keep tab and newline.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

Properties = dict[str, Any]


def require_text(properties: Properties, name: str, *, limit: int) -> str:
    """A text property that must be given."""
    return _required(read_text(properties, name, limit=limit), name)


def read_text(
    properties: Properties, name: str, *, limit: int, prose: bool = False
) -> str | None:
    """A text property, stripped; None when absent or empty.

    ``prose`` allows line breaks and tabs (descriptions).
    """
    raw = properties.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise InvalidFeature(
            f'The property "{name}" must be text, not {_kind(raw)}.',
            code="invalid-property",
        )
    return check_text(raw.strip(), name, limit=limit, prose=prose)


def check_text(text: str, name: str, *, limit: int, prose: bool = False) -> str:
    """``text`` if it is at most ``limit`` characters of storable, visible text."""
    if len(text) > limit:
        raise InvalidFeature(
            f'The property "{name}" has {len(text)} characters; at most {limit} '
            "are allowed.",
            code="property-too-long",
        )
    if (CONTROL_IN_PROSE if prose else CONTROL).search(text):
        raise InvalidFeature(
            f'The property "{name}" holds a control character (such as NUL); '
            "remove it.",
            code="control-character",
        )
    if not _is_storable(text):
        raise InvalidFeature(
            f'The property "{name}" holds a broken character (an unpaired '
            "surrogate); save the file as UTF-8 again.",
            code="invalid-text",
        )
    return text


def require_code(properties: Properties, name: str, *, limit: int) -> str:
    """A code or id that must be given."""
    return _required(read_code(properties, name, limit=limit), name)


def read_code(properties: Properties, name: str, *, limit: int) -> str | None:
    """A code or id: text or a whole number, letters, digits and ``. _ -``."""
    raw = properties.get(name)
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 10**limit:
        raw = str(raw)
    text = read_text({name: raw}, name, limit=limit)
    if text is None:
        return None
    if CODE.fullmatch(text) is None:
        raise InvalidFeature(
            f'The property "{name}" is {_shown(text)}; it may hold only letters, '
            "digits and . _ - (not at either end), as in 1371 or 13.71.01.",
            code="invalid-code",
        )
    return text


def read_count(properties: Properties, name: str, *, limit: int) -> int | None:
    """A whole number from 0 to ``limit``; None when absent."""
    raw = properties.get(name)
    if raw is None:
        return None
    whole = (isinstance(raw, int) and not isinstance(raw, bool)) or (
        isinstance(raw, float) and math.isfinite(raw) and raw.is_integer()
    )
    if not whole or not 0 <= raw <= limit:
        raise InvalidFeature(
            f'The property "{name}" is {_shown(raw)}; give a whole number from 0 '
            f"to {limit}.",
            code="invalid-number",
        )
    return int(raw)


def read_words(properties: Properties, name: str, *, each: int, most: int) -> list[str]:
    """A list of short texts, each once, in the order given; [] when absent."""
    raw = properties.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidFeature(
            f'The property "{name}" must be a list of texts, like ["toilet", '
            '"air bersih"].',
            code="invalid-property",
        )
    words = list(dict.fromkeys(item.strip() for item in raw if item.strip()))
    if len(words) > most:
        raise InvalidFeature(
            f'The property "{name}" lists {len(words)} items; at most {most} are '
            "allowed.",
            code="property-too-long",
        )
    return [check_text(word, name, limit=each) for word in words]


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise InvalidFeature(
            f'The property "{name}" is missing; every feature of this kind needs one.',
            code="missing-property",
        )
    return value


def _is_storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "that value"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else _number_text(value)
    shown = text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}…"
    return repr(shown) if isinstance(value, str) else shown


def _number_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return repr(value)
        except ValueError:
            return "a very long number"
    return _kind(value)
