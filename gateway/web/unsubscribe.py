"""``/unsubscribe/<token>``: the link at the foot of every alert email.

GET shows a page with one button; POST opts the subscriber out, and is also
the RFC 8058 one-click request mail providers send for
``List-Unsubscribe-Post``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from gateway.db import transaction
from gateway.residents.unsubscribe import opt_out, read_token
from gateway.runtime import runtime

blueprint = Blueprint("unsubscribe", __name__)


@blueprint.get("/unsubscribe/<token>")
def confirm(token: str) -> str:
    _subscriber(token)
    return render_template("unsubscribe.html", token=token, done=False)


@blueprint.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    subscriber_id = _subscriber(token)
    with transaction(runtime(current_app).sessions) as session:
        if not opt_out(session, subscriber_id):
            abort(404)
    return render_template("unsubscribe.html", token=token, done=True)


def _subscriber(token: str) -> int:
    subscriber_id = read_token(current_app.config["SECRET_KEY"], token)
    if subscriber_id is None:
        abort(404)
    return subscriber_id
