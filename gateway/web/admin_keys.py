"""``/console/admin/keys``: partner organisations and their API keys.

The same account functions as ``kentongan orgs`` and ``kentongan keys`` do
the work. A new key's secret is part of the one page answering its creation
and of no other (not even a flashed message, which would sit in the session
cookie); afterwards only its public prefix is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from gateway.accounts import credentials, people
from gateway.accounts.credentials import MAX_LABEL_LENGTH
from gateway.accounts.errors import AccountError
from gateway.accounts.models import Credential, CredentialKind, KeyScope, Organisation
from gateway.accounts.people import MAX_NAME_LENGTH
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.admin_access import acting_admin, admin_only

logger = logging.getLogger(__name__)

SCOPE_NAMES = {
    KeyScope.SUBMIT: lazy_gettext("submit: alerts wait for a staff approval"),
    KeyScope.PUBLISH: lazy_gettext("publish: alerts are published at once"),
    KeyScope.READ: lazy_gettext("read: reading only"),
}
MAX_SENDERS_LENGTH = 2000


class OrganisationForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(lazy_gettext("Enter the organisation's name.")),
            Length(max=MAX_NAME_LENGTH),
        ],
    )
    require_signature = BooleanField(
        lazy_gettext("Accept only signed CAP messages from this partner")
    )


class KeyForm(FlaskForm):  # type: ignore[misc]
    organisation = SelectField(lazy_gettext("Organisation"))
    scope = SelectField(
        lazy_gettext("Scope"),
        choices=[SelectChoice(str(scope), name) for scope, name in SCOPE_NAMES.items()],
    )
    senders = StringField(
        lazy_gettext("Allowed CAP senders, separated by spaces (empty: any)"),
        validators=[Optional(), Length(max=MAX_SENDERS_LENGTH)],
    )
    label = StringField(
        lazy_gettext("What the key is for"),
        validators=[Optional(), Length(max=MAX_LABEL_LENGTH)],
    )


def add_routes(blueprint: Blueprint) -> None:
    """The keys page and its actions, on the console's ``blueprint``."""
    rules: list[tuple[str, str, Callable[..., Any], Any]] = [
        ("/admin/keys", "admin_keys", keys_page, "GET"),
        ("/admin/keys", "admin_create_key", create_key, "POST"),
        ("/admin/keys/<int:key_id>/revoke", "admin_revoke_key", revoke_key, "POST"),
        ("/admin/organisations", "admin_add_organisation", add_organisation, "POST"),
    ]
    for rule, endpoint, view, method in rules:
        blueprint.add_url_rule(
            rule,
            endpoint,
            admin_only(view),
            methods=[method],
        )


def keys_page() -> str:
    return render_keys()


def create_key() -> tuple[str, int]:
    key_form = KeyForm()
    with transaction(runtime(current_app).sessions) as db:
        key_form.organisation.choices = partner_choices(db)
    if not key_form.validate_on_submit():
        return render_keys(key_form=key_form), 400

    try:
        with transaction(runtime(current_app).sessions) as db:
            organisation = db.get(Organisation, int(key_form.organisation.data))
            if organisation is None or organisation.is_office:
                abort(400, "choose a partner organisation")
            issued = credentials.create_key(
                db,
                organisation,
                str(key_form.scope.data),
                actor=acting_admin(),
                senders=tuple(
                    str(key_form.senders.data or "").replace(",", " ").split()
                ),
                label=key_form.label.data or None,
            )
            shown = (issued.credential.id, organisation.name, issued.secret)
    except AccountError as exc:
        return render_keys(key_form=key_form, problem=str(exc)), 422

    logger.info("key created by admin credential_id=%s", shown[0])
    return render_keys(shown=shown), 201


def revoke_key(key_id: int) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        found = db.get(Credential, key_id)
        if found is None or found.kind != CredentialKind.KEY:
            abort(404, f"No partner key has the id {key_id}")
        credentials.revoke(db, key_id, actor=acting_admin())
        flash(gettext("Key %(id)d is revoked.", id=key_id), "info")
    return redirect(url_for("console.admin_keys"), 303)


def add_organisation() -> Response | tuple[str, int]:
    form = OrganisationForm()
    if not form.validate_on_submit():
        return render_keys(organisation_form=form), 400

    try:
        with transaction(runtime(current_app).sessions) as db:
            added = people.add_organisation(
                db,
                str(form.name.data),
                actor=acting_admin(),
                require_signature=bool(form.require_signature.data),
            )
            name = added.name
    except AccountError as exc:
        return render_keys(organisation_form=form, problem=str(exc)), 422

    flash(gettext("%(name)s was added.", name=name), "info")
    return redirect(url_for("console.admin_keys"), 303)


def render_keys(
    *,
    key_form: KeyForm | None = None,
    organisation_form: OrganisationForm | None = None,
    problem: str | None = None,
    shown: tuple[int, str, str] | None = None,
) -> str:
    """The keys page; ``shown`` is a new key's id, organisation and secret."""
    with transaction(runtime(current_app).sessions) as db:
        key_form = key_form or KeyForm(formdata=None)
        key_form.organisation.choices = partner_choices(db)
        keys = [
            found
            for found in credentials.list_credentials(db)
            if found.kind == CredentialKind.KEY
        ]
        return render_template(
            "console/admin_keys.html",
            organisations=list(
                db.scalars(select(Organisation).order_by(Organisation.name))
            ),
            keys=keys,
            key_form=key_form,
            organisation_form=organisation_form or OrganisationForm(formdata=None),
            scope_names={str(scope): name for scope, name in SCOPE_NAMES.items()},
            problem=problem,
            shown=shown,
        )


def partner_choices(db: Session) -> list[SelectChoice]:
    found = db.scalars(
        select(Organisation).where(~Organisation.is_office).order_by(Organisation.name)
    )
    return [
        SelectChoice(str(organisation.id), organisation.name) for organisation in found
    ]
