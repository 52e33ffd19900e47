"""``/console/admin/areas``: the areas library, and GeoJSON uploads into it.

An upload goes through the places importer exactly as ``kentongan areas
import`` and ``kentongan shelters import`` do, and the page shows the counts
and every rejected feature with its reason. The importer's 50 MB cap holds
for uploads too: these two URLs accept request bodies that large (the rest
of the site keeps its smaller limit), and anything larger gets a page saying
so instead of a bare 413.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway.alerts import audit
from gateway.db import transaction
from gateway.places.errors import PlacesError
from gateway.places.features import parse_level
from gateway.places.files import MAX_FILE_BYTES, parse_features
from gateway.places.importer import ImportReport, import_areas, import_shelters
from gateway.places.models import Area, AreaLevel
from gateway.places.queries import all_areas
from gateway.runtime import runtime
from gateway.web.admin_access import acting_admin, admin_only

logger = logging.getLogger(__name__)

UPLOAD_ENDPOINTS = ("console.admin_import_areas", "console.admin_import_shelters")
# Room for the form's other fields and the multipart boundaries around the file.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
LEVEL_NAMES = {
    AreaLevel.PROVINCE: lazy_gettext("Province"),
    AreaLevel.CITY: lazy_gettext("City"),
    AreaLevel.DISTRICT: lazy_gettext("District (kecamatan)"),
    AreaLevel.VILLAGE: lazy_gettext("Village (kelurahan)"),
}
KIND_NAMES = {
    "areas": lazy_gettext("Areas"),
    "shelters": lazy_gettext("Shelters"),
    "routes": lazy_gettext("Evacuation routes"),
}


def add_routes(blueprint: Blueprint) -> None:
    """The areas page and its two uploads, on the console's ``blueprint``."""
    blueprint.add_url_rule("/admin/areas", "admin_areas", admin_only(areas_page))
    blueprint.add_url_rule(
        "/admin/areas/import",
        "admin_import_areas",
        admin_only(upload_areas),
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/admin/shelters/import",
        "admin_import_shelters",
        admin_only(upload_shelters),
        methods=["POST"],
    )
    blueprint.url_value_preprocessor(allow_large_uploads)
    blueprint.register_error_handler(RequestEntityTooLarge, refuse_large_upload)


def allow_large_uploads(endpoint: str | None, values: object) -> None:
    """Before the form is read (and its CSRF token checked): the importer's cap."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES


def refuse_large_upload(exc: RequestEntityTooLarge) -> Response | RequestEntityTooLarge:
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return exc
    logger.info("places upload refused reason=too-large")
    flash(too_large_message(), "error")
    return redirect(url_for("console.admin_areas"), 303)


def areas_page() -> str:
    return render_areas()


def upload_areas() -> tuple[str, int]:
    level_name = request.form.get("level", "")
    try:
        level = parse_level(level_name) if level_name else None
        features = uploaded_features()
        report = import_areas(runtime(current_app).sessions, features, level=level)
    except PlacesError as exc:
        return render_areas(problem=exc.message), 400
    return show_report(report, "areas")


def upload_shelters() -> tuple[str, int]:
    try:
        report = import_shelters(runtime(current_app).sessions, uploaded_features())
    except PlacesError as exc:
        return render_areas(problem=exc.message), 400
    return show_report(report, "shelters")


def uploaded_features() -> list[object]:
    """The features of the uploaded file, read as the importer reads a file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise PlacesError(gettext("Choose a GeoJSON file to upload."), code="no-file")
    return parse_features(upload.stream.read(MAX_FILE_BYTES + 1))


def show_report(report: ImportReport, contents: str) -> tuple[str, int]:
    with transaction(runtime(current_app).sessions) as db:
        audit.record(
            db,
            "places.imported",
            actor=acting_admin(),
            subject=f"places:{contents}",
            details={
                "read": report.read,
                "rejected": report.rejected,
                **{
                    kind: {"added": counts.added, "updated": counts.updated}
                    for kind, counts in report.counts.items()
                },
            },
        )
    return render_areas(report=report), 200


def render_areas(
    *, report: ImportReport | None = None, problem: str | None = None
) -> str:
    # Known gap: every area is listed on one page; a province's thousands of
    # villages make it long, and it has no paging or search yet.
    with transaction(runtime(current_app).sessions) as db:
        areas = all_areas(db)
        return render_template(
            "console/admin_areas.html",
            levels=[
                (level, name, by_level(areas, level))
                for level, name in LEVEL_NAMES.items()
            ],
            has_areas=bool(areas),
            level_names=LEVEL_NAMES,
            kind_names=KIND_NAMES,
            report=report,
            problem=problem,
        )


def by_level(areas: list[Area], level: AreaLevel) -> list[Area]:
    return [area for area in areas if area.level == level]


def too_large_message() -> str:
    message: str = gettext(
        "The file is larger than %(limit)d MB; split it (one file per district, "
        "say) or simplify its geometries.",
        limit=MAX_FILE_BYTES // (1024 * 1024),
    )
    return message
