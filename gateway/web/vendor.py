"""Third-party browser files served from our own origin (no external CDN):
Leaflet from the ``xstatic-leaflet`` package at ``/vendor/leaflet/``."""

from __future__ import annotations

import xstatic.pkg.leaflet as leaflet  # type: ignore[import-untyped]
from flask import Blueprint, send_from_directory
from werkzeug.wrappers import Response

CACHE_SECONDS = 7 * 24 * 3600

blueprint = Blueprint("vendor", __name__, url_prefix="/vendor")


@blueprint.get("/leaflet/<path:filename>")
def leaflet_file(filename: str) -> Response:
    """Leaflet's scripts, styles and marker images, cached for a week."""
    return send_from_directory(
        leaflet.BASE_DIR, filename, max_age=CACHE_SECONDS, conditional=True
    )
