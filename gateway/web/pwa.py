"""The web app's service worker and manifest, served from the site's root.

``/sw.js`` is ``static/sw.js`` served at the root, so its scope is the whole
site, and never cached by HTTP (``no-cache``), so a new version reaches every
browser on its next visit. Before the file come the severity words of both
languages from the catalogues, so a notification names the danger in the
words the pages use. ``/manifest.webmanifest`` describes the app to browsers
that install it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from flask_babel import force_locale

from gateway.web.i18n import LANGUAGES
from gateway.web.public_words import SEVERITY_WORDS

blueprint = Blueprint("pwa", __name__)

STATIC = Path(__file__).parent / "static"
THEME_COLOUR = "#7a1f1f"
BACKGROUND_COLOUR = "#ffffff"
ICON_SIZES = (192, 512)


@blueprint.get("/sw.js")
def service_worker() -> Response:
    response = Response(_service_worker_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@blueprint.get("/manifest.webmanifest")
def manifest() -> Response:
    document = {
        "name": f"Kentongan — {current_app.config['OFFICE_NAME']}",
        "short_name": "Kentongan",
        "description": "Peringatan dini bencana dan tempat evakuasi kota.",
        "lang": "id",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": _icons(),
    }
    response = Response(
        json.dumps(document, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def severity_words() -> dict[str, dict[str, str]]:
    """Each page language's words for the CAP severities."""
    words = {}
    for language in LANGUAGES:
        with force_locale(language):
            words[language[:2]] = {
                code: str(word) for code, word in SEVERITY_WORDS.items()
            }
    return words


def _service_worker_source() -> str:
    table = json.dumps(severity_words(), ensure_ascii=False, sort_keys=True)
    return f"const SEVERITY_WORDS = {table};\n{_static_text('sw.js')}"


@cache
def _static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _icons() -> list[dict[str, str]]:
    icons = [
        {
            "src": url_for("static", filename=f"icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in ICON_SIZES
    ]
    icons.append(
        {
            "src": url_for("static", filename="icons/icon.svg"),
            "sizes": "any",
            "type": "image/svg+xml",
        }
    )
    return icons
