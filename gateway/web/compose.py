"""Composing an alert in the console: pick a hazard template, fill in one form
(both languages side by side), preview exactly what will go out, then save
it as a draft or send it for approval.

The form is stateless: the preview page is the same form, still editable,
with the preview beside it and the previewed draft's content hash in a hidden
field. "Submit for approval" builds the draft again from the posted values
and submits it only when its hash is the one previewed; after any change the
preview is shown again first. Every step goes through the lifecycle, which
checks the draft and records who did what.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from gateway.alerts import lifecycle
from gateway.alerts.chains import chain_references, current_message, is_live
from gateway.alerts.drafts import (
    PROVISIONAL_IDENTIFIER,
    alert_from_draft,
    check_draft,
    content_hash,
    draft_from_alert,
)
from gateway.alerts.errors import AlertError, AlertNotFound, RuleViolation
from gateway.alerts.models import AlertRecord
from gateway.alerts.queries import visible_alert
from gateway.alerts.settings import PublishSettings
from gateway.cap import MsgType, parse, write
from gateway.cap.problems import Problem, error
from gateway.db import transaction, utc_now
from gateway.dispatch.preview import Preview, preview_alert
from gateway.dispatch.way_out import WayOut
from gateway.places.models import Area, AreaLevel
from gateway.places.queries import all_areas, areas_by_codes, areas_of_level
from gateway.protocols.store import office_template, office_templates
from gateway.protocols.templates import build_draft
from gateway.runtime import runtime
from gateway.web.compose_form import (
    AREA_PLACEHOLDER,
    COLUMNS,
    STATUSES,
    BuiltDraft,
    ComposeValues,
    area_key,
    build_content,
    values_from_draft,
    values_from_form,
)
from gateway.web.compose_problems import ShownProblem, draft_problems, form_problems
from gateway.web.compose_vocabulary import CHANNEL_NAMES, LEVEL_NAMES, VOCABULARY

logger = logging.getLogger(__name__)

EDITABLE_STATES = lifecycle.EDITABLE_STATES


@dataclass(slots=True)
class ComposePage:
    """What the compose form shows."""

    mode: str
    action: str
    values: ComposeValues
    record: AlertRecord | None = None
    problems: list[ShownProblem] = field(default_factory=list)
    preview: Preview | None = None
    cap_xml: str = ""
    previewed: str = ""
    changed: bool = False

    def problems_of(self, name: str) -> list[ShownProblem]:
        return [found for found in self.problems if found.field == name]

    @property
    def errors(self) -> list[ShownProblem]:
        return [found for found in self.problems if found.is_error]


def register(blueprint: Blueprint) -> None:
    """Add the compose pages to the console's blueprint."""
    blueprint.add_url_rule("/compose", "compose", view_func=pick_template)
    blueprint.add_url_rule(
        "/compose/<key>",
        "compose_from_template",
        view_func=compose_from_template,
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule(
        "/alerts/<alert_id>/edit",
        "edit_draft",
        view_func=edit_draft,
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule(
        "/alerts/<alert_id>/update",
        "compose_update",
        view_func=compose_update,
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule("/areas.geojson", "compose_areas", view_func=areas_geojson)


def pick_template() -> str:
    """Cards of the office's hazard templates."""
    with _session() as db:
        templates = office_templates(db)
        language = str(get_locale() or "id")
        return render_template(
            "console/compose_pick.html",
            templates=[(found, found.name(language)) for found in templates],
            vocabulary=VOCABULARY,
        )


def compose_from_template(key: str) -> str | Response | tuple[str, int]:
    """A new alert, pre-filled from the hazard template ``key``."""
    with _session() as db:
        template = office_template(db, key)
        if template is None:
            abort(404)
        action = url_for("console.compose_from_template", key=key)
        if request.method == "POST":
            return _posted(
                db, ComposePage("new", action, values_from_form(request.form))
            )
        now = _now().replace(second=0)
        content = build_draft(template, area={"areaDesc": AREA_PLACEHOLDER}, now=now)
        for info in content["infos"]:
            info["areas"] = []
        return _form(db, ComposePage("new", action, _values(db, content)))


def edit_draft(alert_id: str) -> str | Response | tuple[str, int]:
    """A draft, or an alert returned to its author, in the compose form."""
    with _session() as db:
        record = _visible(db, alert_id)
        if record.state not in EDITABLE_STATES or record.content is None:
            abort(409, gettext("This alert can no longer be edited; make an Update."))
        page = ComposePage(
            "edit", url_for("console.edit_draft", alert_id=alert_id), ComposeValues()
        )
        page.record = record
        if request.method == "POST":
            page.values = values_from_form(request.form)
            return _posted(db, page)
        page.values = _values(db, record.content)
        return _form(db, page)


def compose_update(alert_id: str) -> str | Response | tuple[str, int]:
    """An Update of a published alert, starting from its current content."""
    with _session() as db:
        record = _visible(db, alert_id)
        current = current_message(db, record.chain_id or record.id)
        if current is None or not is_live(current):
            abort(409, gettext("Only an alert on air can be updated."))
        page = ComposePage(
            "update",
            url_for("console.compose_update", alert_id=alert_id),
            ComposeValues(),
        )
        page.record = current
        if request.method == "POST":
            page.values = values_from_form(request.form)
            return _posted(db, page)
        content = current.content
        if content is None:
            assert current.cap is not None
            content = draft_from_alert(parse(current.cap))
        page.values = _values(db, content)
        return _form(db, page)


def areas_geojson() -> FlaskResponse:
    """Every predefined area's outline, for the compose map."""
    with _session() as db:
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(area.geometry),
                "properties": {
                    "key": area_key(area),
                    "name": area.name,
                    "level": area.level,
                },
            }
            for area in all_areas(db)
        ]
    return FlaskResponse(
        json.dumps({"type": "FeatureCollection", "features": features}),
        mimetype="application/geo+json",
    )


def _posted(db: Session, page: ComposePage) -> str | Response | tuple[str, int]:
    """Check the posted form, then preview, save or submit it."""
    built = build_content(
        page.values,
        _chosen_areas(db, page.values.areas),
        _zone(),
        _now(),
        gettext("Area drawn on the map"),
    )
    page.problems = _problems_of(built)
    if page.errors:
        return _form(db, page, 422)

    wanted = request.form.get("action", "preview")
    if wanted == "submit" and request.form.get("previewed") != content_hash(
        built.content
    ):
        page.changed = bool(request.form.get("previewed"))
        wanted = "preview"
    if wanted == "preview":
        _preview(db, page, built)
        return _form(db, page)

    try:
        record = _save(db, page, built.content)
        if wanted == "submit":
            record = lifecycle.submit(db, current_user.actor, record.id)
    except RuleViolation as exc:
        db.rollback()
        page.problems = draft_problems(exc.problems or [_as_problem(exc)], built)
        return _form(db, page, 422)
    except AlertError as exc:
        db.rollback()
        page.problems = [ShownProblem(None, exc.message)]
        return _form(db, page, 409)
    return _done(record, submitted=wanted == "submit")


def _save(db: Session, page: ComposePage, content: dict[str, Any]) -> AlertRecord:
    actor = current_user.actor
    if page.mode == "edit":
        assert page.record is not None
        return lifecycle.edit_draft(db, actor, page.record.id, content)
    if page.mode == "update":
        assert page.record is not None
        return lifecycle.create_follow_up(
            db, actor, page.record.id, MsgType.UPDATE, content=content
        )
    return lifecycle.create_draft(db, actor, content)


def _done(record: AlertRecord, *, submitted: bool) -> Response:
    logger.info(
        "alert composed alert_id=%s state=%s msg_type=%s",
        record.id,
        record.state,
        record.msg_type,
    )
    if not submitted:
        flash(gettext("The draft is saved."), "info")
        return redirect(url_for("console.edit_draft", alert_id=record.id))
    flash(gettext("The alert is waiting for a second person's approval."), "info")
    try:
        target = url_for("console.alert", alert_id=record.id)
    except BuildError:
        target = url_for("console.dashboard")
    return redirect(target)


def _preview(db: Session, page: ComposePage, built: BuiltDraft) -> None:
    settings = _settings()
    msg_type, references = MsgType.ALERT, None
    record = page.record
    if record is not None and (page.mode == "update" or record.chain_id):
        msg_type = MsgType.UPDATE if page.mode == "update" else MsgType(record.msg_type)
        references = chain_references(db, record.chain_id or record.id) or None
    alert = alert_from_draft(
        built.content,
        identifier=PROVISIONAL_IDENTIFIER,
        sender=settings.sender,
        sent=_now(),
        msg_type=msg_type,
        references=references,
    )
    data = write(alert)
    page.cap_xml = data.decode("utf-8")
    page.preview = preview_alert(
        db,
        alert,
        data,
        current_app.config["DEFAULT_LANGUAGE"],
        WayOut.from_config(current_app.config),
    )
    page.previewed = content_hash(built.content)


def _problems_of(built: BuiltDraft) -> list[ShownProblem]:
    """The form's own problems, then the draft's at fields not yet marked."""
    shown = form_problems(built.problems)
    marked = {found.field for found in shown}
    for found in draft_problems(check_draft(built.content), built):
        if found.field not in marked or found.field is None:
            shown.append(found)
    return list(dict.fromkeys(shown))


def _form(db: Session, page: ComposePage, status: int = 200) -> tuple[str, int]:
    groups = [
        (str(LEVEL_NAMES[level]), areas_of_level(db, level)) for level in AreaLevel
    ]
    html = render_template(
        "console/compose.html",
        page=page,
        columns=COLUMNS,
        statuses=STATUSES,
        area_groups=[(name, areas) for name, areas in groups if areas],
        area_key=area_key,
        vocabulary=VOCABULARY,
        channel_names=CHANNEL_NAMES,
        tile_url=current_app.config.get("MAP_TILE_URL") or "",
        zone=str(_zone()),
    )
    return html, status


def _values(db: Session, content: dict[str, Any]) -> ComposeValues:
    known = {area_key(area) for area in all_areas(db)}
    return values_from_draft(content, known, _zone())


def _chosen_areas(db: Session, keys: list[str]) -> list[Area]:
    by_scheme: dict[str, list[str]] = {}
    for key in keys:
        scheme, _, code = key.partition(":")
        by_scheme.setdefault(scheme, []).append(code)
    chosen = []
    for scheme, codes in by_scheme.items():
        chosen += areas_by_codes(db, codes, scheme=scheme)
    return chosen


def _visible(db: Session, alert_id: str) -> AlertRecord:
    try:
        return visible_alert(db, current_user.actor, alert_id)
    except AlertNotFound:
        abort(404)


def _as_problem(exc: AlertError) -> Problem:
    return error(exc.code, exc.location, exc.message)


def tile_policy(response: Response) -> Response:
    """Let the compose map load tiles from the configured tile server."""
    tiles = current_app.config.get("MAP_TILE_URL") or ""
    if request.endpoint not in COMPOSE_ENDPOINTS or not tiles:
        return response
    # Imported here: gateway.app imports the console, which imports this module.
    from gateway.app import CONTENT_SECURITY_POLICY

    parts = urlsplit(tiles)
    origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self'", f"img-src 'self' {origin}"
    )
    return response


COMPOSE_ENDPOINTS = {
    "console.compose_from_template",
    "console.edit_draft",
    "console.compose_update",
}


def _session() -> Any:
    return transaction(runtime(current_app).sessions)


def _settings() -> PublishSettings:
    return runtime(current_app).publishing


def _zone() -> tzinfo:
    return _settings().timezone


def _now() -> datetime:
    return utc_now().replace(microsecond=0).astimezone(_zone())
