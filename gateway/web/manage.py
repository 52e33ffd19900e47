"""``/s/<token>``: the resident's own page for their subscription, which every
alert SMS and email links to (``gateway.dispatch.way_out``).

It shows what we hold and lets the resident change the language, stop alerts
or start them again, and delete their data for good (after a confirm step).
The token is the only proof (``gateway.residents.manage_links``), so the
pages are never stored by any cache and send no Referer; an unknown or forged
token and a deleted subscriber all answer the same 404. Every change is a row
of the audit log with the actor ``resident``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.db import transaction
from gateway.dispatch.closing import close_unsent_deliveries
from gateway.residents.changes import Changes
from gateway.residents.manage_links import read_manage_token
from gateway.residents.models import Subscriber
from gateway.residents.subscriptions import (
    change_subscriber,
    is_removed,
    remove_subscriber,
)
from gateway.runtime import runtime
from gateway.web.manage_view import LANGUAGE_CHOICES, manage_view
from gateway.web.public_answers import link_language, page_language

logger = logging.getLogger(__name__)

# Known gap: a manage link never expires and anyone holding it may change or
# delete that subscription — a forwarded alert SMS or email gives that power.
ACTOR = "resident"
SAVED_NOTES = ("language", "stopped", "started")

blueprint = Blueprint("manage", __name__)


@blueprint.get("/s/<token>")
def manage_page(token: str) -> Response:
    with _session() as session:
        subscriber = _subscriber(session, token)
        if subscriber is None:
            return _missing()
        view = manage_view(session, subscriber)
    saved = request.args.get("saved")
    return _answer(
        "public/manage.html",
        token=token,
        view=view,
        languages_offered=LANGUAGE_CHOICES,
        saved=saved if saved in SAVED_NOTES else None,
    )


@blueprint.post("/s/<token>/language")
def change_language(token: str) -> Response:
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGE_CHOICES:
        return _back(token)
    with _session() as session:
        subscriber = _subscriber(session, token)
        if subscriber is None:
            return _missing()
        changes = Changes(columns={"language": chosen})
        change_subscriber(session, subscriber, changes, actor=ACTOR)
    return _back(token, "language")


@blueprint.post("/s/<token>/alerts")
def switch_alerts(token: str) -> Response:
    wanted = request.form.get("alerts", "")
    if wanted not in ("on", "off"):
        return _back(token)
    with _session() as session:
        subscriber = _subscriber(session, token)
        if subscriber is None:
            return _missing()
        changes = Changes(opted_out=wanted == "off")
        change_subscriber(session, subscriber, changes, actor=ACTOR)
    return _back(token, "started" if wanted == "on" else "stopped")


@blueprint.get("/s/<token>/delete")
def confirm_deletion(token: str) -> Response:
    with _session() as session:
        subscriber = _subscriber(session, token)
        if subscriber is None:
            return _missing()
        view = manage_view(session, subscriber)
    return _answer("public/manage_delete.html", token=token, view=view)


@blueprint.post("/s/<token>/delete")
def delete_data(token: str) -> Response:
    with _session() as session:
        subscriber = _subscriber(session, token, for_update=True)
        if subscriber is None:
            return _missing()
        closed = close_unsent_deliveries(session, subscriber.id)
        remove_subscriber(session, subscriber, actor=ACTOR)
        subscriber_id = subscriber.id
    logger.info(
        "unsent deliveries closed subscriber_id=%s count=%d", subscriber_id, closed
    )
    return _answer("public/manage_deleted.html")


def _subscriber(
    session: Session, token: str, *, for_update: bool = False
) -> Subscriber | None:
    """The subscriber the token names, unless it is forged or deleted."""
    subscriber_id = read_manage_token(current_app.config["SECRET_KEY"], token)
    if subscriber_id is None:
        return None
    found = session.get(Subscriber, subscriber_id, with_for_update=for_update)
    if found is None or is_removed(found):
        return None
    return found


def _back(token: str, saved: str | None = None) -> Response:
    """To the manage page after a change, in the language it was made in."""
    target = url_for(
        "manage.manage_page", token=token, lang=link_language(), saved=saved
    )
    return _private(redirect(target, code=303))


def _missing() -> Response:
    return _answer("public/manage_missing.html", status=404)


def _answer(template: str, status: int = 200, **context: Any) -> Response:
    """``template`` in the page's language, for this browser only."""
    language = page_language()
    with force_locale(language):
        body = render_template(
            template, page_lang=language, link_lang=link_language(), **context
        )
    return _private(Response(body, status=status, mimetype="text/html"))


def _private(response: Response) -> Response:
    """The token in the address is a secret: store nothing, tell no one."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _session() -> Any:
    return transaction(runtime(current_app).sessions)
