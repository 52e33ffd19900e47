"""Subscriber bodies: the JSON staff send to add or change a subscriber
(``schemas/subscriber.schema.json``), checked and brought to canonical form.

Every problem is reported at once, each at its JSON pointer: the JSON schema
first, then the normalisation the CSV importer applies (E.164 numbers,
lower-cased email, push subscriptions, webhooks, language, point, area codes,
drill groups). Unlike a CSV row, a body that sets the place must leave the
subscriber reachable: a point, or at least one area code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from jsonschema import Draft202012Validator, ValidationError

from gateway.cap.problems import Problem, error
from gateway.cap.schema import schema_path
from gateway.residents.addresses import (
    Address,
    Channel,
    check_webhook_secret,
    normalise_address,
    push_address,
    webhook_address,
)
from gateway.residents.errors import InvalidSubscription
from gateway.residents.fields import (
    check_groups,
    check_point,
    check_tags,
    normalise_language,
)

SCHEMA_NAME = "subscriber.schema.json"
MAX_SHOWN = 40
TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a JSON object",
    "null": "null",
}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Changes:
    """Canonical values of the fields a body gave; what it left out is absent.

    ``columns`` maps subscriber columns to their new values; ``areas`` and
    ``groups`` are None when the body leaves them as they are.
    """

    columns: dict[str, Any] = field(default_factory=dict)
    areas: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    opted_out: bool | None = None

    @property
    def names(self) -> list[str]:
        """The fields that change, for the audit log (never their values)."""
        found = set(self.columns)
        if self.areas is not None:
            found.add("areas")
        if self.groups is not None:
            found.add("groups")
        if self.opted_out is not None:
            found.add("opted_out")
        return sorted(found)


@dataclass(frozen=True, slots=True)
class Current:
    """The stored subscriber a change is checked against."""

    channel: Channel
    address: str
    webhook_secret: str | None
    has_point: bool
    has_areas: bool


@dataclass(frozen=True, slots=True)
class Rules:
    """The office's settings that normalisation needs."""

    region: str
    allow_loopback: bool = False


def subscriber_schema() -> dict[str, Any]:
    """The JSON schema of a new subscriber; ``$defs/changes`` is a change."""
    return copy.deepcopy(_load_schema())


def read_new_subscriber(body: Any, rules: Rules) -> Changes:
    """The canonical subscriber ``body`` describes, or ``InvalidSubscription``."""
    channel_given = body.get("channel") if isinstance(body, dict) else None
    _refuse_schema_problems(
        _new_validator(), body, _Wanted("a new subscriber", channel_given)
    )
    channel = Channel(body["channel"])
    problems: list[Problem] = []

    address = attempt(
        problems,
        "/address",
        lambda: _address(channel, body["address"], body.get("secret"), None, rules),
    )
    language = attempt(
        problems, "/language", lambda: normalise_language(body.get("language") or "")
    )
    point = attempt(
        problems, "/lat", lambda: check_point(body.get("lat"), body.get("lon"))
    )
    areas = attempt(
        problems, "/areas", lambda: check_tags(body.get("areas", ()), "area code")
    )
    groups = attempt(problems, "/groups", lambda: check_groups(body.get("groups", ())))
    if point == (None, None) and areas == ():
        problems.append(_no_place())
    _refuse(problems)

    assert address is not None
    assert point is not None
    columns = _address_columns(address)
    columns.update(
        language=language,
        lat=point[0],
        lon=point[1],
        verified=body.get("verified", True),
    )
    return Changes(columns, areas=areas, groups=groups)


def read_changes(body: Any, current: Current, rules: Rules) -> Changes:
    """The canonical changes ``body`` asks of ``current``.

    Raises ``InvalidSubscription`` with every problem found.
    """
    _refuse_schema_problems(
        _changes_validator(), body, _Wanted("a subscriber's changes", current.channel)
    )
    problems: list[Problem] = []
    columns: dict[str, Any] = {}

    if "address" in body:
        found = attempt(
            problems,
            "/address",
            lambda: _address(
                current.channel, body["address"], body.get("secret"), current, rules
            ),
        )
        columns.update(_address_columns(found) if found else {})
    elif "secret" in body:
        secret = attempt(
            problems, "/secret", lambda: _secret(current.channel, body["secret"])
        )
        columns.update(webhook_secret=secret)
    if "language" in body:
        columns["language"] = attempt(
            problems, "/language", lambda: normalise_language(body["language"] or "")
        )
    point = None
    if "lat" in body or "lon" in body:
        point = attempt(
            problems, "/lat", lambda: check_point(body.get("lat"), body.get("lon"))
        )
        columns.update(dict(zip(("lat", "lon"), point or (None, None), strict=True)))
    areas = _optional(problems, body, "areas", lambda v: check_tags(v, "area code"))
    groups = _optional(problems, body, "groups", check_groups)
    if "verified" in body:
        columns["verified"] = body["verified"]
    if _leaves_no_place(current, point, areas):
        problems.append(_no_place())
    _refuse(problems)
    return Changes(columns, areas=areas, groups=groups, opted_out=body.get("optedOut"))


def _address(
    channel: Channel,
    value: Any,
    secret: str | None,
    current: Current | None,
    rules: Rules,
) -> Address:
    """The canonical address of ``value``; a webhook's secret may come apart."""
    if secret is not None and channel is not Channel.WEBHOOK:
        _secret(channel, secret)
    if channel is Channel.WEBPUSH and isinstance(value, dict):
        return push_address(value)
    if not isinstance(value, str):
        raise InvalidSubscription(_not_text_message(channel), code="address-not-text")
    text = value.strip()
    if channel is Channel.WEBHOOK:
        kept = current.webhook_secret if current else None
        if secret is None and kept and " " not in text and not text.startswith("{"):
            secret = kept
        if secret is not None:
            return webhook_address(text, secret, allow_loopback=rules.allow_loopback)
    return normalise_address(
        channel, value, region=rules.region, allow_loopback=rules.allow_loopback
    )


def _not_text_message(channel: Any) -> str:
    return (
        f"Give the {channel} address as text; only a Web Push subscription may be "
        "a JSON object."
    )


def _secret(channel: Channel, secret: str) -> str:
    if channel is not Channel.WEBHOOK:
        raise InvalidSubscription(
            f"Only a webhook has a signing secret; remove 'secret' for a {channel} "
            "subscriber.",
            code="secret-not-for-channel",
            location="/secret",
        )
    check_webhook_secret(secret)
    return secret


def _address_columns(address: Address) -> dict[str, Any]:
    return {
        "channel": str(address.channel),
        "address": address.address,
        "push_keys": address.push_keys,
        "webhook_secret": address.webhook_secret,
    }


def _optional(
    problems: list[Problem],
    body: dict[str, Any],
    name: str,
    check: Callable[[Iterable[str]], tuple[str, ...]],
) -> tuple[str, ...] | None:
    if name not in body:
        return None
    return attempt(problems, f"/{name}", lambda: check(body[name]))


def _leaves_no_place(
    current: Current,
    point: tuple[float | None, float | None] | None,
    areas: tuple[str, ...] | None,
) -> bool:
    """Whether a change that touches the place leaves neither point nor areas."""
    if point is None and areas is None:
        return False
    has_point = current.has_point if point is None else point != (None, None)
    has_areas = current.has_areas if areas is None else bool(areas)
    return not has_point and not has_areas


def _no_place() -> Problem:
    return error(
        "no-place",
        "/",
        "No alert could reach this subscriber: give a point (lat and lon) or at "
        "least one area code in areas.",
    )


def attempt(problems: list[Problem], location: str, step: Callable[[], T]) -> T | None:
    """The step's result, or None with its refusal added to ``problems``."""
    try:
        return step()
    except InvalidSubscription as exc:
        where = exc.location if exc.location != "/" else location
        problems.append(error(exc.code, where, exc.message))
        return None


def _refuse(problems: list[Problem]) -> None:
    if not problems:
        return
    first = problems[0]
    raise InvalidSubscription(
        first.message if len(problems) == 1 else _summary(problems),
        code=first.code if len(problems) == 1 else "invalid-subscriber",
        location=first.location,
        problems=problems,
    )


def _summary(problems: list[Problem]) -> str:
    places = ", ".join(dict.fromkeys(problem.location for problem in problems))
    return f"The subscriber has {len(problems)} problems (at {places}); see errors."


@dataclass(frozen=True, slots=True)
class _Wanted:
    """What a body was checked as: its name for people, and its channel."""

    what: str
    channel: Any

    @property
    def is_push(self) -> bool:
        return bool(self.channel == Channel.WEBPUSH)


def _refuse_schema_problems(
    validator: Draft202012Validator, body: Any, wanted: _Wanted
) -> None:
    found = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path)))
    problems = list(
        dict.fromkeys(problem for e in found for problem in _problems_of(e, wanted))
    )
    _refuse(problems)


def _problems_of(found: ValidationError, wanted: _Wanted) -> Iterable[Problem]:
    """Problems a person can act on, each naming the field and what it takes."""
    what = wanted.what
    where = _pointer(found.absolute_path)
    instance: Any = found.instance
    rule: Any = found.validator_value
    schema: Any = found.schema
    if found.validator == "required":
        for name in rule:
            if isinstance(instance, dict) and name not in instance:
                yield error(
                    "missing-field",
                    f"{where.rstrip('/')}/{name}",
                    f"'{name}' is missing; add it. {_hint(name)}".rstrip(),
                )
        return
    if found.validator == "additionalProperties":
        allowed = schema.get("properties", {})
        for name in instance:
            if name not in allowed:
                yield error(
                    "unknown-field",
                    f"{where.rstrip('/')}/{_escape(name)}",
                    _unknown_field_message(name, allowed, what),
                )
        return
    if found.validator == "dependentRequired":
        yield error(
            "incomplete-location",
            "/lon" if "lat" in instance else "/lat",
            "Give both lat and lon, or neither.",
        )
        return
    if (
        where == "/address"
        and isinstance(instance, dict)
        and wanted.channel != "webpush"
    ):
        yield error("address-not-text", where, _not_text_message(wanted.channel))
        return
    meant = _meant(found) if found.validator == "anyOf" else []
    if meant:
        for option in meant:
            yield from _problems_of(option, wanted)
        return
    field_name = str(found.absolute_path[0]) if found.absolute_path else ""
    yield error(
        _CODES.get(str(found.validator), "invalid-value"),
        where,
        f"{_fault(found, what)} (at {where}). {_hint(field_name)}".rstrip(),
    )


def _meant(found: ValidationError) -> list[ValidationError]:
    """The complaints of the anyOf options whose type the value has.

    A value of an option's type (text for a language, say) was meant for that
    option, so its complaints are the ones to show; when the value's type fits
    no option, there are none and the anyOf itself is described.
    """
    return [
        option
        for option in found.context or ()
        if option.validator != "type" or option.relative_path
    ]


def _fault(found: ValidationError, what: str) -> str:
    """What is wrong with the value, without repeating a long value back."""
    kind = found.validator
    value: Any = found.validator_value
    if kind == "type" and not found.absolute_path:
        return f"The body must be a JSON object with the fields of {what}"
    if kind == "type":
        names = [str(name) for name in (value if isinstance(value, list) else [value])]
        return "It must be " + " or ".join(TYPE_NAMES.get(n, n) for n in names)
    if kind == "enum":
        return "It must be one of " + ", ".join(str(choice) for choice in value)
    if kind in ("minimum", "maximum"):
        return f"{_shown(found.instance)} is out of range"
    if kind == "minLength":
        return f"It is shorter than {value} characters"
    if kind == "maxLength":
        return f"It is longer than {value} characters"
    if kind == "maxItems":
        return f"It has more than {value} items"
    if kind == "pattern":
        return "It holds characters or a form that is not allowed"
    if kind == "anyOf":
        forms = dict.fromkeys(
            TYPE_NAMES.get(str(option.validator_value), str(option.validator_value))
            for option in found.context or ()
            if option.validator == "type" and not option.relative_path
        )
        return "It must be " + " or ".join(forms)
    return found.message[:200]


_CODES = {
    "type": "wrong-type",
    "enum": "unknown-value",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "minLength": "wrong-length",
    "maxLength": "wrong-length",
    "maxItems": "too-many-items",
    "pattern": "wrong-characters",
    "anyOf": "wrong-form",
}


def _unknown_field_message(name: str, allowed: dict[str, Any], what: str) -> str:
    shown = _shown(name)
    if name == "channel":
        return (
            "The channel of a subscriber cannot change; remove 'channel', or "
            "remove this subscriber and add one on the new channel."
        )
    return (
        f"{shown} is not a field of {what}; remove it or check its spelling "
        f"(fields: {', '.join(allowed)})."
    )


def _hint(name: str) -> str:
    """The schema's description of a top-level field, saying what it takes."""
    return _hints().get(name, "")


@cache
def _hints() -> dict[str, str]:
    schema = _load_schema()
    definitions = schema["$defs"]
    found: dict[str, str] = {}
    for properties in (definitions["changes"]["properties"], schema["properties"]):
        for name, spec in properties.items():
            found[name] = _description(spec, definitions)
    return found


def _description(spec: dict[str, Any], definitions: dict[str, Any]) -> str:
    if "description" in spec:
        return str(spec["description"])
    for option in [spec, *spec.get("anyOf", ())]:
        if "$ref" in option:
            return _description(definitions[option["$ref"].split("/")[-1]], {})
    return ""


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(_escape(str(part)) for part in path)


def _escape(name: str) -> str:
    """A JSON pointer token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}…"


@cache
def _load_schema() -> dict[str, Any]:
    path: Path = schema_path().parent / SCHEMA_NAME
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _new_validator() -> Draft202012Validator:
    return Draft202012Validator(_load_schema())


@cache
def _changes_validator() -> Draft202012Validator:
    schema = _load_schema()
    return Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/changes"})
