"""The subscribers API: staff add, read, change, list and remove the residents
and partner systems that alerts reach. Views translate HTTP to
``gateway.residents`` calls and back.

DELETE erases the subscriber's personal data for good (address, keys, secret,
language, point, areas, groups; see ``gateway.residents.subscriptions``) and
keeps their delivery rows, the office's record of what was sent. Rows not yet
sent are closed as failed (``gateway.dispatch.closing``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    url_for,
)

from gateway.api.auth import current_actor
from gateway.api.bodies import decode_json
from gateway.api.problems import WrongContentType, problem_response
from gateway.db import transaction
from gateway.dispatch.closing import close_unsent_deliveries
from gateway.residents.addresses import Channel
from gateway.residents.changes import Rules, read_changes, read_new_subscriber
from gateway.residents.errors import (
    DuplicateSubscriber,
    InvalidSubscription,
    ResidentError,
    SubscriberNotFound,
)
from gateway.residents.subscriptions import (
    MAX_PAGE_SIZE,
    Described,
    SubscriberFilter,
    add_subscriber,
    change_subscriber,
    current_of,
    describe,
    find_subscriber,
    list_subscribers,
    parse_subscriber_id,
    remove_subscriber,
)
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
MERGE_PATCH_TYPE = "application/merge-patch+json"
# A subscriber is a few hundred bytes; 500 area codes of 200 characters fit.
MAX_BODY_BYTES = 128 * 1024
DEFAULT_PAGE_SIZE = 50
PAGE_SIZE_SHAPE = re.compile(r"[0-9]{1,3}")
CHANNELS = tuple(str(channel) for channel in Channel)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule(
        "/v1/subscribers",
        "list_subscribers",
        view_func=list_subscribers_view,
        methods=["GET"],
    )
    blueprint.add_url_rule(
        "/v1/subscribers", view_func=create_subscriber, methods=["POST"]
    )
    rule = "/v1/subscribers/<subscriber_id>"
    blueprint.add_url_rule(rule, view_func=get_subscriber, methods=["GET"])
    blueprint.add_url_rule(rule, view_func=update_subscriber, methods=["PATCH"])
    blueprint.add_url_rule(rule, view_func=delete_subscriber, methods=["DELETE"])


def list_subscribers_view() -> Response:
    wanted = SubscriberFilter(
        channels=_channels(), area=_tag("area"), group=_tag("group")
    )
    limit = _page_size()
    with _session() as session:
        page = list_subscribers(
            session, wanted, limit=limit, cursor=request.args.get("cursor") or None
        )
        items = [subscriber_json(described) for described in page.items]
    next_link = None
    if page.next_cursor:
        arguments: dict[str, Any] = request.args.to_dict(flat=False)
        arguments["cursor"] = page.next_cursor
        next_link = url_for("api.list_subscribers", **arguments)
    response = jsonify({"items": items, "next": next_link})
    if next_link:
        response.headers["Link"] = f'<{next_link}>; rel="next"'
    return response


def create_subscriber() -> Response:
    changes = read_new_subscriber(_json_body(JSON_TYPE), _rules())
    with _session() as session:
        described = add_subscriber(session, changes, actor=current_actor().label)
        body = subscriber_json(described)
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["links"]["self"]
    return response


def get_subscriber(subscriber_id: str) -> Response:
    number = parse_subscriber_id(subscriber_id)
    with _session() as session:
        return jsonify(
            subscriber_json(describe(session, find_subscriber(session, number)))
        )


def update_subscriber(subscriber_id: str) -> Response:
    """A partial update: only the fields in the body change."""
    number = parse_subscriber_id(subscriber_id)
    body = _json_body(JSON_TYPE, MERGE_PATCH_TYPE)
    with _session() as session:
        subscriber = find_subscriber(session, number, for_update=True)
        changes = read_changes(
            body, current_of(describe(session, subscriber)), _rules()
        )
        described = change_subscriber(
            session, subscriber, changes, actor=current_actor().label
        )
        return jsonify(subscriber_json(described))


def delete_subscriber(subscriber_id: str) -> Response:
    number = parse_subscriber_id(subscriber_id)
    with _session() as session:
        subscriber = find_subscriber(session, number, for_update=True)
        closed = close_unsent_deliveries(session, number)
        remove_subscriber(session, subscriber, actor=current_actor().label)
    logger.info("unsent deliveries closed subscriber_id=%s count=%d", number, closed)
    return Response(status=204)


def subscriber_json(described: Described) -> dict[str, Any]:
    """The JSON of one subscriber; a webhook's secret is never shown."""
    subscriber = described.subscriber
    return {
        "id": subscriber.id,
        "channel": subscriber.channel,
        "address": subscriber.address,
        "language": subscriber.language,
        "lat": subscriber.lat,
        "lon": subscriber.lon,
        "areas": list(described.areas),
        "groups": list(described.groups),
        "verified": subscriber.verified,
        "optedOut": subscriber.opted_out_at is not None,
        "optedOutAt": _time(subscriber.opted_out_at),
        "hasSecret": subscriber.webhook_secret is not None,
        "createdAt": _time(subscriber.created_at),
        "updatedAt": _time(subscriber.updated_at),
        "links": {"self": url_for("api.get_subscriber", subscriber_id=subscriber.id)},
    }


def resident_error(exc: ResidentError) -> Response:
    """A refused subscription as a problem: 404, 409 with Location, or 422."""
    if isinstance(exc, DuplicateSubscriber):
        existing = url_for("api.get_subscriber", subscriber_id=exc.existing_id)
        return problem_response(
            409,
            exc.code,
            exc.message,
            existing=existing,
            headers={"Location": existing},
        )
    status = 404 if isinstance(exc, SubscriberNotFound) else 422
    return problem_response(
        status, exc.code, exc.message, location=exc.location, problems=exc.problems
    )


def _json_body(*accepted: str) -> Any:
    if request.mimetype not in accepted:
        raise WrongContentType(request.mimetype, accepted)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        _refuse_too_large(request.content_length or 0)
    raw = request.get_data()
    if len(raw) > MAX_BODY_BYTES:
        _refuse_too_large(len(raw))
    return decode_json(raw)


def _refuse_too_large(size: int) -> None:
    abort(
        problem_response(
            413,
            "too-large",
            f"The body has {size:,} bytes; a subscriber takes at most "
            f"{MAX_BODY_BYTES:,}, far more than its fields need",
        )
    )


def _rules() -> Rules:
    config = current_app.config
    return Rules(
        region=config["DEFAULT_REGION"],
        allow_loopback=bool(config.get("WEBHOOK_ALLOW_PRIVATE")),
    )


def _session() -> Any:
    return transaction(runtime(current_app).sessions)


def _channels() -> tuple[str, ...]:
    values = tuple(
        part for raw in request.args.getlist("channel") for part in raw.split(",")
    )
    unknown = ", ".join(f"'{value[:20]}'" for value in values if value not in CHANNELS)
    if unknown:
        raise InvalidSubscription(
            f"Unknown channel {unknown}; choose from {', '.join(CHANNELS)}, or leave "
            "channel out to get any.",
            code="bad-channel",
            location="channel",
        )
    return values


def _tag(name: str) -> str | None:
    raw = request.args.get(name)
    if raw and "\x00" in raw:
        raise InvalidSubscription(
            f"{name} contains a NUL character; give the value as plain text.",
            code=f"bad-{name}",
            location=name,
        )
    return raw or None


def _page_size() -> int:
    raw = request.args.get("limit", str(DEFAULT_PAGE_SIZE))
    if not PAGE_SIZE_SHAPE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidSubscription(
            f"limit '{raw[:20]}' must be a whole number from 1 to {MAX_PAGE_SIZE}.",
            code="bad-limit",
            location="limit",
        )
    return int(raw)


def _time(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
