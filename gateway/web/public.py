"""Public pages: the front page of active alerts, the drills page, each
alert's page and its shelters as GeoJSON, every shelter and evacuation route
of the city, the areas of the listed alerts as GeoJSON for the lists' maps,
the health check and the CAP schema.

Nothing here needs signing in; pages are cached briefly with an ETag (see
``gateway.web.public_answers``). An alert's page is at ``/alerts/<id>``
(``gateway.alerts.public_links``); an id that is unknown, not yet published or
not of scope Public answers the same friendly 404.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, url_for
from flask_babel import format_decimal
from werkzeug.exceptions import NotFound

from gateway.cap.schema import schema_path
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.public_alerts import active_lines, alert_view, area_names
from gateway.web.public_answers import (
    cacheable,
    link_language,
    page_language,
    render_page,
)
from gateway.web.public_overview import overview_geojson
from gateway.web.public_places import (
    NEAR_KM,
    city_places,
    nearby_geojson,
    nearby_places,
)
from gateway.web.public_words import word_for

blueprint = Blueprint("public", __name__)


@blueprint.app_template_global()
def cap_word(kind: str, code: str) -> str:
    return word_for(kind, code)


@blueprint.app_template_global()
def kilometres(distance_km: float) -> str:
    """A distance to one decimal, written the way the page's language does."""
    return str(format_decimal(round(distance_km, 1), format="0.0"))


@blueprint.get("/")
def front_page() -> Response:
    return _alert_list("front.html", drills=False)


@blueprint.get("/drills")
def drills_page() -> Response:
    return _alert_list("public/drills.html", drills=True)


@blueprint.get("/alerts.geojson")
def active_areas_file() -> Response:
    """The areas of the front page's alerts, for its map and for apps."""
    return _areas_file(drills=False)


@blueprint.get("/drills.geojson")
def drill_areas_file() -> Response:
    return _areas_file(drills=True)


@blueprint.get("/alerts/<alert_id>")
def alert_page(alert_id: str) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        view = alert_view(db, alert_id, page_language())
        if view is None:
            abort(404)
        nearby = nearby_places(db, view.areas)
        return render_page(
            "public/alert.html",
            view=view,
            nearby=nearby,
            near_km=NEAR_KM,
            area_names=area_names(view.info.areas) if view.info else "",
        )


@blueprint.get("/alerts/<alert_id>/shelters.geojson")
def shelters_file(alert_id: str) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        view = alert_view(db, alert_id, page_language())
        if view is None:
            abort(404)
        collection = nearby_geojson(nearby_places(db, view.areas))
    response = Response(json.dumps(collection), mimetype="application/geo+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return cacheable(response)


@blueprint.get("/shelters")
def shelters_page() -> Response:
    with transaction(runtime(current_app).sessions) as db:
        places = city_places(db)
        return render_page("public/shelters.html", places=places)


@blueprint.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@blueprint.get("/schemas/cap-1.2.xsd")
def cap_schema() -> Response:
    return Response(schema_path().read_bytes(), mimetype="application/xml")


@blueprint.errorhandler(404)
def not_found(error: NotFound) -> Response:
    """A friendly page for the public pages' 404s (the API keeps its own)."""
    return render_page("public/not_found.html", status=404)


def _alert_list(template: str, *, drills: bool) -> Response:
    now = datetime.now(UTC)
    with transaction(runtime(current_app).sessions) as db:
        lines = active_lines(db, drills=drills, now=now, language=page_language())
    return render_page(template, lines=lines)


def _areas_file(*, drills: bool) -> Response:
    now = datetime.now(UTC)
    with transaction(runtime(current_app).sessions) as db:
        lines = active_lines(db, drills=drills, now=now, language=page_language())
        collection = overview_geojson(db, lines, _page_of)
    response = Response(json.dumps(collection), mimetype="application/geo+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return cacheable(response)


def _page_of(alert_id: str) -> str:
    return url_for("public.alert_page", alert_id=alert_id, lang=link_language())
