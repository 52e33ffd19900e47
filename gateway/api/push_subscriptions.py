"""The residents' Web Push API, public: the VAPID key a browser subscribes
with, and the browser's subscription, stored as a verified webpush subscriber.

The browser's subscription is itself the proof of consent (a push service
hands one out only after the resident allowed notifications), so there is
no confirmation step. A subscription already stored for the same endpoint is
updated and opted in again (200); a new one answers 201. Both answer the
subscriber's manage link. Attempts are counted per client address by the
self-subscription guard.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.api.bodies import decode_json
from gateway.api.problems import WrongContentType, problem_response
from gateway.cap.problems import Problem, error
from gateway.channels.webpush import load_vapid_key
from gateway.db import transaction
from gateway.places.queries import area_by_code, enclosing_codes
from gateway.residents.addresses import LOOPBACK_NAMES, Address, Channel, push_address
from gateway.residents.changes import Changes, attempt
from gateway.residents.errors import DuplicateSubscriber, InvalidSubscription
from gateway.residents.fields import check_point, normalise_language
from gateway.residents.manage_links import manage_url
from gateway.residents.models import Subscriber
from gateway.residents.subscriptions import (
    add_subscriber,
    change_subscriber,
    find_subscriber,
)
from gateway.runtime import runtime
from gateway.web.subscribe_guard import subscribe_guard

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
# A subscription is well under a kilobyte; its endpoint at most 2000 characters.
MAX_BODY_BYTES = 16 * 1024
ACTOR = "resident:webpush"
FIELDS = ("subscription", "language", "area", "lat", "lon")


@dataclass(frozen=True, slots=True)
class PushRequest:
    """A browser's subscription and the resident's choices, checked."""

    address: Address
    language: str | None
    # The chosen area's code, then those of the areas it lies in.
    areas: tuple[str, ...]
    lat: float | None
    lon: float | None


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/v1/push/key", view_func=get_push_key, methods=["GET"])
    blueprint.add_url_rule(
        "/v1/push-subscriptions",
        view_func=create_push_subscription,
        methods=["POST"],
    )


def get_push_key() -> Response:
    """The VAPID application server key, or 404 when Web Push is off."""
    key = current_app.config.get("WEBPUSH_VAPID_PRIVATE_KEY")
    if not key:
        return _not_configured()
    return jsonify({"publicKey": application_server_key(key)})


def create_push_subscription() -> Response:
    if not current_app.config.get("WEBPUSH_VAPID_PRIVATE_KEY"):
        return _not_configured()
    waiting = subscribe_guard().take_client(request.remote_addr or "unknown")
    if waiting:
        return problem_response(
            429,
            "too-many-subscriptions",
            f"Too many subscriptions from this address; try again in {waiting} s",
            headers={"Retry-After": str(waiting)},
        )

    body = _json_body()
    with transaction(runtime(current_app).sessions) as session:
        wanted = read_push_request(session, body, _allow_insecure())
        subscriber, created = store_push_subscriber(session, wanted)
        subscriber_id = subscriber.id
    config = current_app.config
    response = jsonify(
        {
            "manageUrl": manage_url(
                config["PUBLIC_URL"], config["SECRET_KEY"], subscriber_id
            )
        }
    )
    response.status_code = 201 if created else 200
    logger.info(
        "push subscription stored subscriber_id=%s created=%s", subscriber_id, created
    )
    return response


@lru_cache(maxsize=4)
def application_server_key(private_key: str) -> str:
    """The public half of the VAPID key: URL-safe base64 of the P-256 point."""
    public = load_vapid_key(private_key).public_key()
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def read_push_request(session: Session, body: Any, allow_insecure: bool) -> PushRequest:
    """The checked request, or ``InvalidSubscription`` naming every problem."""
    if not isinstance(body, dict):
        raise InvalidSubscription(
            'The body must be a JSON object: {"subscription": {…}, "language": …}.',
            code="invalid-body",
        )
    problems: list[Problem] = [
        error(
            "unknown-field",
            f"/{name}",
            f"'{name[:40]}' is not a field; use {', '.join(FIELDS)}.",
        )
        for name in body
        if name not in FIELDS
    ]
    address = attempt(
        problems,
        "/subscription",
        lambda: read_subscription(body.get("subscription"), allow_insecure),
    )
    language = attempt(problems, "/language", lambda: _language(body))
    areas = attempt(problems, "/area", lambda: _areas(session, body.get("area")))
    point = attempt(problems, "/lat", lambda: _point(body))
    if body.get("area") in (None, "") and point == (None, None):
        problems.append(_no_place())
    if problems:
        raise _refusal(problems)
    assert address is not None
    assert point is not None
    return PushRequest(address, language, areas or (), point[0], point[1])


def read_subscription(document: Any, allow_insecure: bool) -> Address:
    """A PushSubscription's address, checked as the Web Push channel will.

    Plain http endpoints pass only when insecure endpoints are allowed (the
    loopback tests); otherwise an endpoint naming this machine or a private
    network address is refused.
    """
    if not isinstance(document, dict):
        raise InvalidSubscription(
            'Give the browser\'s PushSubscription as "subscription": '
            '{"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}.',
            code="invalid-webpush",
            location="/subscription",
        )
    endpoint = document.get("endpoint")
    if allow_insecure and isinstance(endpoint, str) and endpoint.startswith("http://"):
        checked = push_address({**document, "endpoint": "https" + endpoint[4:]})
        return replace(checked, address=endpoint)
    address = push_address(document)
    _refuse_private_endpoint(address.address)
    return address


def store_push_subscriber(
    session: Session, wanted: PushRequest
) -> tuple[Subscriber, bool]:
    """Add the subscriber, or renew the one with this endpoint; True when new."""
    changes = Changes(
        {
            "channel": str(Channel.WEBPUSH),
            "address": wanted.address.address,
            "push_keys": wanted.address.push_keys,
            "language": wanted.language,
            "lat": wanted.lat,
            "lon": wanted.lon,
            "verified": True,
        },
        areas=wanted.areas,
        opted_out=False,
    )
    existing = _existing_id(session, wanted.address.address)
    if existing is None:
        try:
            described = add_subscriber(session, changes, actor=ACTOR)
            return described.subscriber, True
        except DuplicateSubscriber as taken:
            existing = taken.existing_id
    subscriber = find_subscriber(session, existing, for_update=True)
    renewed = replace(changes, columns=_without_identity(changes.columns))
    return change_subscriber(
        session, subscriber, renewed, actor=ACTOR
    ).subscriber, False


def _existing_id(session: Session, endpoint: str) -> int | None:
    found: int | None = session.scalar(
        select(Subscriber.id).where(
            Subscriber.channel == str(Channel.WEBPUSH),
            Subscriber.address == endpoint,
        )
    )
    return found


def _without_identity(columns: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in columns.items()
        if name not in ("channel", "address")
    }


def _refuse_private_endpoint(endpoint: str) -> None:
    """Refuse an endpoint naming loopback or a private address literally.

    Known gap: a host name that resolves to a private address is caught only
    when the Web Push channel sends, which looks the name up then.
    """
    host = (urlsplit(endpoint).hostname or "").lower()
    private = host in LOOPBACK_NAMES
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        private = not address.is_global
    if private:
        raise InvalidSubscription(
            f"The Web Push endpoint's host '{host}' is this machine or a private "
            "network; a browser's push service is public.",
            code="private-webpush",
            location="/subscription/endpoint",
        )


def _language(body: dict[str, Any]) -> str | None:
    raw = body.get("language")
    if raw is None:
        return str(current_app.config["DEFAULT_LANGUAGE"])
    if not isinstance(raw, str):
        raise InvalidSubscription(
            "language must be text, a language tag like id-ID or en-US.",
            code="invalid-language",
            location="/language",
        )
    return normalise_language(raw) or str(current_app.config["DEFAULT_LANGUAGE"])


def _areas(session: Session, raw: Any) -> tuple[str, ...]:
    """The chosen area's code and those of the areas it lies in."""
    if raw is None or raw == "":
        return ()
    area = area_by_code(session, raw.strip()) if isinstance(raw, str) else None
    if area is None:
        shown = raw[:40] if isinstance(raw, str) else json.dumps(raw)[:40]
        raise InvalidSubscription(
            f"Area '{shown}' is not an area code of the city; choose a district or "
            "village from the list.",
            code="unknown-area",
            location="/area",
        )
    return enclosing_codes(area, session)


def _point(body: dict[str, Any]) -> tuple[float | None, float | None]:
    values = []
    for name in ("lat", "lon"):
        value = body.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise InvalidSubscription(
                f"{name} must be a number of degrees, or left out.",
                code="invalid-location",
                location=f"/{name}",
            )
        values.append(None if value is None else float(value))
    return check_point(values[0], values[1])


def _no_place() -> Problem:
    return error(
        "no-place",
        "/",
        "No alert could reach this subscription: give an area code (area) or a "
        "point (lat and lon).",
    )


def _refusal(problems: list[Problem]) -> InvalidSubscription:
    first = problems[0]
    if len(problems) == 1:
        message, code = first.message, first.code
    else:
        places = ", ".join(dict.fromkeys(problem.location for problem in problems))
        message = f"The subscription has {len(problems)} problems (at {places})."
        code = "invalid-push-subscription"
    return InvalidSubscription(
        message, code=code, location=first.location, problems=problems
    )


def _json_body() -> Any:
    if request.mimetype != JSON_TYPE:
        raise WrongContentType(request.mimetype, (JSON_TYPE,))
    raw = request.get_data()
    if len(raw) > MAX_BODY_BYTES:
        abort(
            problem_response(
                413,
                "too-large",
                f"The body has {len(raw):,} bytes; a push subscription takes at "
                f"most {MAX_BODY_BYTES:,}",
            )
        )
    return decode_json(raw)


def _allow_insecure() -> bool:
    return bool(current_app.config.get("WEBPUSH_ALLOW_INSECURE"))


def _not_configured() -> Response:
    return problem_response(
        404,
        "webpush-not-configured",
        "Web Push is not set up on this gateway (the operator sets "
        "KENTONGAN_WEBPUSH_VAPID_PRIVATE_KEY); subscribe by SMS or email instead",
    )
