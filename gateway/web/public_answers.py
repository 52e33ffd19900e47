"""How public pages are answered: in which language, and with what caching.

The language is ``?lang=`` when it names one of ours (links carry it, so the
switch works with no script, no form and no cookie), else the choice the
console's switch stored in this browser, else Indonesian. Pages are cached
briefly (alerts change) with an ETag; shared caches may keep only answers to
requests without cookies.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from flask_babel import force_locale

from gateway.web.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES

MAX_AGE_SECONDS = 30


def page_language() -> str:
    """The language this page is shown in."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def link_language() -> str | None:
    """The ``lang`` every link of the page carries on, when one was asked for."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else None


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """``template`` in the page's language, cacheable and conditional."""
    language = page_language()
    with force_locale(language):
        body = render_template(
            template, page_lang=language, link_lang=link_language(), **context
        )
    response = Response(body, status=status, mimetype="text/html")
    return cacheable(response)


def cacheable(response: Response) -> Response:
    """A short max-age and an ETag; 304 when the client holds the same bytes."""
    scope = "private" if request.cookies else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={MAX_AGE_SECONDS}"
    response.vary.add("Cookie")
    if response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response
