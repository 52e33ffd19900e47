"""The staff console under ``/console``: the dashboard and the alert list.

Every URL of this blueprint needs a signed-in user (signed-out visitors go to
``/login``) and is never cached. Pages added later join the navigation by
registering one of the endpoints named in ``NAVIGATION``: an entry whose
endpoint does not exist yet is left out, so the menu never links to a 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from gateway.alerts.errors import RuleViolation
from gateway.alerts.models import AlertState
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web import compose
from gateway.web.admin import add_admin_routes, is_admin
from gateway.web.dashboard import (
    gather_dashboard,
    is_drill,
    list_page,
    names_of_people,
)
from gateway.web.forms import install_forms
from gateway.web.i18n import install_i18n
from gateway.web.login import install_login
from gateway.web.review import register as register_review

blueprint = Blueprint("console", __name__, url_prefix="/console")
register_review(blueprint)

NAVIGATION = (
    ("console.dashboard", lazy_gettext("Dashboard")),
    ("console.compose", lazy_gettext("Compose")),
    ("console.approvals", lazy_gettext("Approvals")),
    ("console.alerts", lazy_gettext("Alerts")),
    ("console.admin", lazy_gettext("Admin")),
)
ADMIN_ONLY = frozenset({"console.admin"})
STATE_NAMES = {
    AlertState.DRAFT: lazy_gettext("Draft"),
    AlertState.PENDING: lazy_gettext("Waiting for approval"),
    AlertState.HELD: lazy_gettext("Held for a staff approver"),
    AlertState.REJECTED: lazy_gettext("Rejected"),
    AlertState.PUBLISHED: lazy_gettext("Published"),
    AlertState.SUPERSEDED: lazy_gettext("Superseded"),
    AlertState.CANCELLED: lazy_gettext("Cancelled"),
    AlertState.EXPIRED: lazy_gettext("Expired"),
}
STATUS_NAMES = {
    "Actual": lazy_gettext("Actual"),
    "Exercise": lazy_gettext("Exercise"),
    "System": lazy_gettext("System"),
    "Test": lazy_gettext("Test"),
    "Draft": lazy_gettext("Draft"),
}


@blueprint.before_request
def require_sign_in() -> Response | None:
    if current_user.is_authenticated:
        return None
    answer: Response = current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return answer


@blueprint.after_request
def forbid_caching(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.app_context_processor
def console_helpers() -> dict[str, Any]:
    return {
        "navigation": navigation,
        "state_name": lambda state: str(STATE_NAMES.get(state, state)),
        "status_name": lambda status: str(STATUS_NAMES.get(status, status)),
        "is_drill": is_drill,
    }


@blueprint.get("")
def dashboard() -> str:
    with transaction(runtime(current_app).sessions) as db:
        shown = gather_dashboard(db, current_user.actor)
        return render_template("console/dashboard.html", dashboard=shown)


@blueprint.get("/alerts")
def alerts() -> str:
    state = request.args.get("state") or None
    if state is not None and state not in {str(known) for known in AlertState}:
        abort(400, f"state must be one of {', '.join(AlertState)}")
    states = (state,) if state else ()
    with transaction(runtime(current_app).sessions) as db:
        try:
            page = list_page(db, current_user.actor, states, request.args.get("after"))
        except RuleViolation as exc:
            abort(400, exc.message)
        return render_template(
            "console/alerts.html",
            page=page,
            people=names_of_people(db, page.items),
            state=state,
            states=list(AlertState),
        )


compose.register(blueprint)
blueprint.after_request(compose.tile_policy)
add_admin_routes(blueprint)


def navigation() -> list[tuple[str, str, bool]]:
    """Each built page of the menu: its URL, its name, whether it is open now."""
    return [
        (url_for(endpoint), str(label), request.endpoint == endpoint)
        for endpoint, label in NAVIGATION
        if endpoint in current_app.view_functions
        and (endpoint not in ADMIN_ONLY or is_admin())
    ]


def install_console(app: Flask) -> None:
    """Forms, languages, signing in and the console itself, on ``app``."""
    install_forms(app)
    install_i18n(app)
    install_login(app)
    app.register_blueprint(blueprint)
