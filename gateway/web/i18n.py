"""The console's languages: Indonesian (the default) and English.

Catalogues are the ``.po`` files in ``gateway/web/translations``; only they
are kept in git. A language may have several (one per surface, such as
``messages.po`` for the console and ``residents.po`` for the residents'
pages); at start-up they are merged and compiled with Babel into one
``messages.mo`` under the instance folder when that copy is missing or older
than any of them, so a fresh clone, an
install whose package folder is read-only and several processes starting at
once all work.

A signed-in person's choice is stored with their account (``users.language``)
and follows them to every device; signed-out visitors, and people who never
chose, have a long-lived cookie of its own, which signing in sets to the
stored choice so the login page speaks it after signing out.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import Babel
from flask_login import current_user
from werkzeug.wrappers import Response

from gateway.accounts.people import set_language
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.sessions import served_over_https
from gateway.web.targets import safe_target

logger = logging.getLogger(__name__)

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"
LANGUAGE_COOKIE = "kentongan_language"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
SOURCE_FOLDER = Path(__file__).parent / "translations"
DOMAIN = "messages"

blueprint = Blueprint("language", __name__)


@blueprint.post("/language")
def choose_language() -> Response:
    """Remember the chosen language and go back to the page it was chosen on."""
    chosen = request.form.get("language", "")
    response = redirect(safe_target(request.form.get("next"), "/console"))
    if chosen not in LANGUAGES:
        return response

    if current_user.is_authenticated:
        with transaction(runtime(current_app).sessions) as db:
            set_language(db, current_user.id, chosen)
    remember_language(response, chosen)
    return response


def remember_language(response: Response, language: str) -> None:
    """Keep ``language`` in this browser's cookie, for the signed-out pages."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        secure=served_over_https(),
        httponly=True,
        samesite="Lax",
    )


def install_i18n(app: Flask) -> None:
    """Compile the catalogues and set Flask-Babel up on ``app``."""
    target = Path(app.instance_path) / "translations"
    compile_catalogues(SOURCE_FOLDER, target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    Babel(app, locale_selector=current_language)
    app.context_processor(language_helpers)
    app.register_blueprint(blueprint)


def language_helpers() -> dict[str, Any]:
    """What the templates' language switch needs."""
    return {"languages": LANGUAGES, "current_language": current_language}


def current_language() -> str:
    """The signed-in person's stored language, else this browser's choice,
    else Indonesian."""
    stored = getattr(current_user, "language", None)
    if stored in LANGUAGES:
        return str(stored)
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def compile_catalogues(source: Path, target: Path) -> None:
    """Write ``target/<lang>/LC_MESSAGES/messages.mo`` for every language in
    ``source`` whose compiled copy is missing or older than one of its ``.po``."""
    for folder in sorted(source.glob("*/LC_MESSAGES")):
        po_paths = sorted(folder.glob("*.po"))
        if not po_paths:
            continue
        mo_path = target / folder.relative_to(source) / f"{DOMAIN}.mo"
        newest = max(path.stat().st_mtime for path in po_paths)
        if mo_path.exists() and mo_path.stat().st_mtime >= newest:
            continue
        _compile(po_paths, mo_path)


def read_catalogue(po_paths: list[Path], language: str) -> Catalog:
    """One catalogue of every message in ``po_paths``, in their order."""
    merged = Catalog(locale=language, domain=DOMAIN)
    for po_path in po_paths:
        with po_path.open("rb") as po_file:
            part = read_po(po_file, locale=language, domain=DOMAIN)
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged


def _compile(po_paths: list[Path], mo_path: Path) -> None:
    language = po_paths[0].parts[-3]
    catalogue = read_catalogue(po_paths, language)

    mo_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as mo_file:
        write_mo(mo_file, catalogue)
    os.replace(temporary, mo_path)
    logger.info("catalogue compiled language=%s path=%s", language, mo_path)
