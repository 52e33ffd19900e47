"""Feed and CAP file URLs: ``/feeds/alerts.atom``, ``/feeds/alerts.rss``, the
drill feeds, their pages, and ``/feeds/cap/<id>.xml``.

Answers carry a strong ETag and Last-Modified; a matching ``If-None-Match`` or
``If-Modified-Since`` gets 304 with no body. Filters: ``lang``, ``area`` and
``severity`` (the least severity listed). Plain feeds and CAP files are
usually answered before Flask by ``gateway.feeds.fastpath``, with the same
bytes and headers.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.wrappers import Response as WerkzeugResponse

from gateway.cap import Severity
from gateway.feeds.answers import CAP_CACHE, FEED_CACHE, answer_headers, client_has
from gateway.feeds.selection import FeedFilter
from gateway.feeds.store import Rendered
from gateway.runtime import runtime

blueprint = Blueprint("feeds", __name__, url_prefix="/feeds")

PUBLIC = FeedFilter(drills=False)
DRILLS = FeedFilter(drills=True)
LANGUAGE_LIMIT = 35
AREA_LIMIT = 200


@blueprint.get("/<any(alerts, drills):name>.<any(atom, rss):kind>")
def feed(name: str, kind: str) -> WerkzeugResponse:
    return _feed_page(name, kind, 1)


@blueprint.get("/pages/<any(alerts, drills):name>-<int:page>.<any(atom, rss):kind>")
def feed_page(name: str, kind: str, page: int) -> WerkzeugResponse:
    if page < 2:
        abort(404)
    return _feed_page(name, kind, page)


@blueprint.get("/cap/<alert_id>.xml")
def cap_file(alert_id: str) -> WerkzeugResponse:
    rendered = runtime(current_app).feeds.cap_file(alert_id)
    if rendered is None:
        abort(404)
    return _conditional(rendered, CAP_CACHE)


def _feed_page(name: str, kind: str, page: int) -> WerkzeugResponse:
    wanted = _filter(drills=name == "drills")
    rendered = runtime(current_app).feeds.feed(kind, wanted, page)
    if rendered is None:
        abort(404)
    return _conditional(rendered, FEED_CACHE)


def _conditional(rendered: Rendered, cache_control: str) -> WerkzeugResponse:
    """The rendered bytes, or 304 when the client holds them already."""
    if client_has(rendered, request.environ):
        headers = answer_headers(rendered, cache_control, with_body=False)
        return Response(status=304, headers=headers)
    headers = answer_headers(rendered, cache_control, with_body=True)
    return Response(rendered.body, headers=headers)


def _filter(drills: bool) -> FeedFilter:
    if not request.query_string:
        return DRILLS if drills else PUBLIC
    language = request.args.get("lang") or None
    area = request.args.get("area") or None
    severity = request.args.get("severity") or None
    if language and (len(language) > LANGUAGE_LIMIT or not _is_language(language)):
        abort(400, f"lang '{language[:40]}' is not a language tag such as id or en-US")
    if area and len(area) > AREA_LIMIT:
        abort(400, f"area is longer than {AREA_LIMIT} characters")
    if severity and severity not in {str(level) for level in Severity}:
        allowed = ", ".join(str(level) for level in Severity)
        abort(400, f"severity must be one of {allowed}")
    return FeedFilter(
        drills=drills,
        language=language,
        area_code=area,
        min_severity=Severity(severity) if severity else None,
    )


def _is_language(tag: str) -> bool:
    parts = tag.split("-")
    return all(part.isascii() and part.isalnum() and len(part) <= 8 for part in parts)
