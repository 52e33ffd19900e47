"""Cross-site request forgery protection (Flask-WTF) for every form of the site.

Every POST, PUT, PATCH and DELETE must carry the session's CSRF token, except
under ``/api/`` and ``/receipts/``, whose callers prove themselves with a
bearer token or a provider secret and never with a cookie, and the endpoints
in ``EXEMPT_ENDPOINTS``, each with its reason. A refused request gets a 400
page saying the form has expired: the console's asks staff to sign in again,
the residents' pages (``RESIDENT_PREFIXES``) lead back to the form. Tokens
live as long as the session, whose own idle and total limits bound them, so a
long compose is not lost to a token timer.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError, CSRFProtect

from gateway.web.public_answers import link_language, page_language

logger = logging.getLogger(__name__)

TOKEN_PREFIXES = ("/api/", "/receipts/")
RESIDENT_PREFIXES = ("/subscribe", "/s/")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
EXEMPT_ENDPOINTS = {
    "unsubscribe.unsubscribe": (
        "RFC 8058 one-click unsubscribe: the mail provider posts with no page "
        "and no cookie; the signed token in the URL is the proof"
    ),
}

csrf = CSRFProtect()


def install_forms(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
    app.before_request(check_csrf)
    app.register_error_handler(CSRFError, form_expired)


def check_csrf() -> None:
    """Before every request: refuse a state change without the right token."""
    if request.method not in UNSAFE_METHODS or not current_app.config.get(
        "WTF_CSRF_ENABLED", True
    ):
        return
    if request.path.startswith(TOKEN_PREFIXES):
        return
    if request.endpoint in EXEMPT_ENDPOINTS:
        return
    csrf.protect()


def form_expired(exc: CSRFError) -> tuple[str, int]:
    logger.info("form refused path=%s reason=%s", request.path, exc.description)
    if not request.path.startswith(RESIDENT_PREFIXES):
        return render_template("form_expired.html"), 400
    language = page_language()
    with force_locale(language):
        page = render_template(
            "public/form_expired.html",
            page_lang=language,
            link_lang=link_language(),
            back=_form_page(request.path),
        )
    return page, 400


def _form_page(path: str) -> str:
    """The page whose form posted to ``path``: a manage action's is the manage
    page itself, a subscribe step's is its own address."""
    if path.startswith("/s/"):
        return "/".join(path.split("/")[:3])
    return path
