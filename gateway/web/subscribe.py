"""``/subscribe``: residents subscribe themselves to alerts, with double opt-in.

The form takes a channel (SMS or email here; Web Push is taken over by its
own script), a language and a place. An SMS request is confirmed with the
6-digit code typed on ``/subscribe/code/<ticket>``, an email request through
``/subscribe/confirm/<token>``, a page with one Confirm button that POSTs (mail
scanners follow GET links). Only then is a subscriber stored; the success page
gives the subscriber's manage link. Every answer is the same whether or not
the address is already subscribed.

Abuse checks, with no CAPTCHA: the client address is counted on every POST
(``subscribe_guard``), the resident address before every message; a hidden
field people never fill; a signed time stamp refusing a form sent sooner than
``KENTONGAN_SUBSCRIBE_MIN_SECONDS`` after it was shown.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, ngettext
from werkzeug.wrappers import Response

from gateway.channels.base import ChannelError
from gateway.db import transaction, utc_now
from gateway.residents.manage_links import (
    make_manage_token,
    manage_url,
    read_manage_token,
)
from gateway.residents.pending import (
    CODE_DIGITS,
    confirm,
    confirm_code,
    drop_request,
    find_link,
    open_request,
)
from gateway.runtime import runtime
from gateway.web.public_answers import link_language, page_language
from gateway.web.subscribe_form import (
    LANGUAGES,
    PAGE_TO_LANGUAGE,
    TRAP_FIELD,
    WORDS,
    Checked,
    area_choices,
    check_form,
    district_outlines,
    is_trapped,
    make_stamp,
    stamp_age,
)
from gateway.web.subscribe_guard import SubscribeGuard, subscribe_guard
from gateway.web.subscribe_messages import confirmation_notice, notice_sender

logger = logging.getLogger(__name__)

CODE_SHAPE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
TICKET_SHAPE = re.compile(r"[A-Za-z0-9_-]{10,40}")

blueprint = Blueprint("subscribe", __name__, url_prefix="/subscribe")


@blueprint.get("")
def subscribe_page() -> Response:
    language = PAGE_TO_LANGUAGE[page_language()]
    return _form(Checked({"language": language, "channel": "sms"}))


@blueprint.post("")
def subscribe() -> Response:
    waiting = _take_client()
    if waiting:
        return _form(_checked_again(), refusal=_try_later(waiting), status=429)
    age = stamp_age(_secret(), request.form.get("shown", ""))
    if age is None:
        return _form(_checked_again(), refusal=WORDS["form-old"], status=400)
    if is_trapped(request.form) or age < _min_seconds():
        logger.info("subscribe form refused reason=%s", _why_refused(age))
        return _form(_checked_again(), refusal=WORDS["too-fast"], status=400)

    with transaction(runtime(current_app).sessions) as session:
        checked = check_form(
            session, request.form, region=current_app.config["DEFAULT_REGION"]
        )
    if checked.wanted is None:
        return _form(checked, status=400)
    wanted = checked.wanted
    waiting = _guard().take_message(wanted.channel, wanted.address)
    if waiting:
        return _form(checked, refusal=_try_later(waiting), status=429)
    return _send_confirmation(checked)


@blueprint.get("/code/<ticket>")
def code_page(ticket: str) -> Response:
    _require_ticket(ticket)
    return _page("public/subscribe_code.html", ticket=ticket, error=None)


@blueprint.post("/code/<ticket>")
def type_code(ticket: str) -> Response:
    _require_ticket(ticket)
    waiting = _take_client()
    if waiting:
        return _code_error(ticket, _try_later(waiting), status=429)
    code = re.sub(r"\s", "", request.form.get("code", ""))
    if not CODE_SHAPE.fullmatch(code):
        return _code_error(ticket, WORDS["code-shape"])

    with transaction(runtime(current_app).sessions) as session:
        outcome = confirm_code(
            session, ticket, code, secret_key=_secret(), now=utc_now()
        )
    if outcome.subscriber_id is not None:
        return _to_done(outcome.subscriber_id)
    if outcome.is_gone:
        return _page("public/subscribe_gone.html", status=404)
    with force_locale(page_language()):
        wrong = ngettext(
            "That code is not right. Check the SMS and try again; %(num)d try left.",
            "That code is not right. Check the SMS and try again; %(num)d tries left.",
            outcome.tries_left,
        )
    return _code_error(ticket, wrong)


@blueprint.get("/confirm/<token>")
def confirm_page(token: str) -> Response:
    with transaction(runtime(current_app).sessions) as session:
        found = find_link(session, token, secret_key=_secret(), now=utc_now())
    if found is None:
        return _page("public/subscribe_gone.html", status=404)
    return _page("public/subscribe_confirm.html", token=token)


@blueprint.post("/confirm/<token>")
def confirm_link(token: str) -> Response:
    waiting = _take_client()
    if waiting:
        return _page(
            "public/subscribe_confirm.html",
            token=token,
            refusal=_try_later(waiting),
            status=429,
        )
    with transaction(runtime(current_app).sessions) as session:
        found = find_link(session, token, secret_key=_secret(), now=utc_now())
        subscriber_id = confirm(session, found) if found is not None else None
    if subscriber_id is None:
        return _page("public/subscribe_gone.html", status=404)
    return _to_done(subscriber_id)


@blueprint.get("/areas.geojson")
def areas_file() -> Response:
    """The kecamatan outlines, for the map that picks a point."""
    with transaction(runtime(current_app).sessions) as session:
        collection = district_outlines(session)
    response = Response(json.dumps(collection), mimetype="application/geo+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.get("/sent")
def sent_page() -> Response:
    return _page("public/subscribe_sent.html")


# Known gap: the manage link is shown on this page only; no welcome message
# carries it — a resident who closes the page before keeping it finds the way
# out again in the next message we send them.
@blueprint.get("/done/<token>")
def done_page(token: str) -> Response:
    subscriber_id = read_manage_token(_secret(), token)
    if subscriber_id is None:
        abort(404)
    link = manage_url(current_app.config["PUBLIC_URL"], _secret(), subscriber_id)
    return _page("public/subscribe_done.html", manage_link=link)


def _send_confirmation(checked: Checked) -> Response:
    """Store the request, send its code or link; undo the request if that fails."""
    wanted = checked.wanted
    assert wanted is not None
    sessions = runtime(current_app).sessions
    with transaction(sessions) as session:
        opened = open_request(session, wanted, secret_key=_secret(), now=utc_now())
    link = _public_url(
        "subscribe.confirm_page",
        token=opened.secret,
        lang=wanted.language.split("-")[0],
    )
    try:
        notice_sender().send(confirmation_notice(wanted, opened, link))
    except ChannelError as failed:
        logger.warning(
            "subscription message failed pending_id=%s channel=%s code=%s",
            opened.pending_id,
            wanted.channel,
            failed.code,
        )
        with transaction(sessions) as session:
            drop_request(session, opened.pending_id)
        return _form(checked, refusal=WORDS["send-failed"], status=503)

    if wanted.channel == "sms":
        target = url_for("subscribe.code_page", ticket=opened.ticket, lang=_lang())
    else:
        target = url_for("subscribe.sent_page", lang=_lang())
    return redirect(target, code=303)


def _form(
    checked: Checked, *, refusal: object | None = None, status: int = 200
) -> Response:
    with transaction(runtime(current_app).sessions) as session:
        districts = area_choices(session)
    return _page(
        "public/subscribe.html",
        status=status,
        values=checked.values,
        errors=checked.errors,
        refusal=refusal,
        districts=districts,
        alert_languages=LANGUAGES,
        stamp=make_stamp(_secret()),
        trap_field=TRAP_FIELD,
        tile_url=current_app.config.get("MAP_TILE_URL") or "",
    )


def _checked_again() -> Checked:
    """The values just sent, to show again with no problems marked."""
    names = ("channel", "address", "language", "area", "lat", "lon")
    return Checked({name: request.form.get(name, "").strip() for name in names})


def _code_error(ticket: str, error: object, *, status: int = 400) -> Response:
    return _page(
        "public/subscribe_code.html", ticket=ticket, error=error, status=status
    )


def _to_done(subscriber_id: int) -> Response:
    token = make_manage_token(_secret(), subscriber_id)
    return redirect(url_for("subscribe.done_page", token=token, lang=_lang()), 303)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    """``template`` in the page's language, never cached (it holds a form)."""
    context.setdefault("refusal", None)
    with force_locale(page_language()):
        body = render_template(
            template, page_lang=page_language(), link_lang=link_language(), **context
        )
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _try_later(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    with force_locale(page_language()):
        return str(
            ngettext(
                "Too many tries from here or for this address. Please try again in "
                "%(num)d minute.",
                "Too many tries from here or for this address. Please try again in "
                "%(num)d minutes.",
                minutes,
            )
        )


def _take_client() -> int:
    return _guard().take_client(request.remote_addr or "unknown")


def _guard() -> SubscribeGuard:
    return subscribe_guard()


def _require_ticket(ticket: str) -> None:
    if not TICKET_SHAPE.fullmatch(ticket):
        abort(404)


def _public_url(endpoint: str, **values: Any) -> str:
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return base + url_for(endpoint, **values)


def _lang() -> str | None:
    return link_language()


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _min_seconds() -> float:
    return float(current_app.config["SUBSCRIBE_MIN_SECONDS"])


def _why_refused(age: float) -> str:
    return "trap" if is_trapped(request.form) else f"too-fast age_s={age:.1f}"
