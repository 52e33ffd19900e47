"""``/console/admin/users``: staff members, their roles and their access.

An administrator adds people (with a password of their choosing or a
generated one, shown on that one page and never again), changes roles,
disables and enables accounts, sets new passwords (which ends the person's
sessions) and lifts a sign-in lockout. No change may leave the gateway
without an active administrator.
"""

from __future__ import annotations

import logging
import secrets
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
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from gateway.accounts import people
from gateway.accounts.errors import AccountError
from gateway.accounts.models import Role, User
from gateway.accounts.people import MAX_EMAIL_LENGTH
from gateway.alerts import audit
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.admin_access import acting_admin, admin_only
from gateway.web.lockout import lockout
from gateway.web.login import MAX_PASSWORD_LENGTH, ROLE_NAMES

logger = logging.getLogger(__name__)

GENERATED_PASSWORD_BYTES = 15
ROLE_CHOICES = [SelectChoice(str(role), ROLE_NAMES[role]) for role in Role]


class AddUserForm(FlaskForm):  # type: ignore[misc]
    email = StringField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(lazy_gettext("Enter an email address.")),
            Length(max=MAX_EMAIL_LENGTH),
        ],
    )
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES)
    password = PasswordField(
        lazy_gettext("Initial password (leave empty to generate one)"),
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
    )


class RoleForm(FlaskForm):  # type: ignore[misc]
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES)


class PasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(
        lazy_gettext("New password (leave empty to generate one)"),
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
    )


def add_routes(blueprint: Blueprint) -> None:
    """The users page and its actions, on the console's ``blueprint``."""
    rules: list[tuple[str, str, Callable[..., Any], Any]] = [
        ("/admin/users", "admin_users", users_page, "GET"),
        ("/admin/users", "admin_add_user", add_user, "POST"),
        ("/admin/users/<int:user_id>/role", "admin_change_role", change_role, "POST"),
        ("/admin/users/<int:user_id>/disable", "admin_disable", disable, "POST"),
        ("/admin/users/<int:user_id>/enable", "admin_enable", enable, "POST"),
        ("/admin/users/<int:user_id>/password", "admin_password", new_password, "POST"),
        ("/admin/users/<int:user_id>/unlock", "admin_unlock", unlock, "POST"),
    ]
    for rule, endpoint, view, method in rules:
        blueprint.add_url_rule(
            rule,
            endpoint,
            admin_only(view),
            methods=[method],
        )


def users_page() -> str:
    return render_users(AddUserForm())


def add_user() -> Response | tuple[str, int]:
    form = AddUserForm()
    if not form.validate_on_submit():
        return render_users(form), 400
    password = form.password.data or generated_password()

    try:
        with transaction(runtime(current_app).sessions) as db:
            office = people.office(db, current_app.config["OFFICE_NAME"])
            user = people.add_user(
                db,
                str(form.email.data),
                password,
                str(form.role.data),
                actor=acting_admin(),
                organisation=office,
            )
            added = (user.id, user.email)
    except AccountError as exc:
        return render_users(form, problem=str(exc)), 422

    logger.info("user added by admin user_id=%s", added[0])
    if form.password.data:
        flash(gettext("%(email)s was added.", email=added[1]), "info")
        return redirect_to_users()
    return render_users(AddUserForm(formdata=None), shown=(added[1], password)), 201


def change_role(user_id: int) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, "role must be one of " + ", ".join(Role))
    role = str(form.role.data)

    with transaction(runtime(current_app).sessions) as db:
        user = found_user(db, user_id)
        if role != Role.ADMIN and is_last_admin(db, user):
            refuse_last_admin(user)
        else:
            people.change_role(db, user, role, actor=acting_admin())
            flash(
                gettext(
                    "%(email)s is now: %(role)s.",
                    email=user.email,
                    role=ROLE_NAMES[Role(role)],
                ),
                "info",
            )
    return redirect_to_users()


def disable(user_id: int) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        user = found_user(db, user_id)
        if is_last_admin(db, user):
            refuse_last_admin(user)
        else:
            people.set_disabled(db, user, True, actor=acting_admin())
            flash(
                gettext("%(email)s is disabled and signed out.", email=user.email),
                "info",
            )
    return redirect_to_users()


def enable(user_id: int) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        user = found_user(db, user_id)
        people.set_disabled(db, user, False, actor=acting_admin())
        flash(gettext("%(email)s may sign in again.", email=user.email), "info")
    return redirect_to_users()


def new_password(user_id: int) -> Response | tuple[str, int]:
    form = PasswordForm()
    if not form.validate_on_submit():
        abort(400, f"the password must be at most {MAX_PASSWORD_LENGTH} characters")
    password = form.password.data or generated_password()

    try:
        with transaction(runtime(current_app).sessions) as db:
            user = found_user(db, user_id)
            people.set_password(db, user, password, actor=acting_admin())
            email = user.email
    except AccountError as exc:
        return render_users(AddUserForm(formdata=None), problem=str(exc)), 422

    if form.password.data:
        flash(
            gettext("%(email)s has a new password and was signed out.", email=email),
            "info",
        )
        return redirect_to_users()
    return render_users(AddUserForm(formdata=None), shown=(email, password)), 200


def unlock(user_id: int) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        user = found_user(db, user_id)
        lockout().forget_account(user.email)
        audit.record(
            db, "user.unlocked", actor=acting_admin(), subject=f"user:{user.id}"
        )
        flash(
            gettext("Failed sign-ins of %(email)s are forgotten.", email=user.email),
            "info",
        )
    return redirect_to_users()


def render_users(
    form: AddUserForm,
    *,
    problem: str | None = None,
    shown: tuple[str, str] | None = None,
) -> str:
    """The users page, with an error or a new password shown this once."""
    with transaction(runtime(current_app).sessions) as db:
        users = list(db.scalars(select(User).order_by(User.email)))
        return render_template(
            "console/admin_users.html",
            users=users,
            form=form,
            roles=[(str(role), name) for role, name in ROLE_NAMES.items()],
            role_names={str(role): name for role, name in ROLE_NAMES.items()},
            problem=problem,
            shown=shown,
            me=current_user.id,
        )


def found_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        abort(404, f"No user has the id {user_id}")
    return user


def is_last_admin(db: Session, user: User) -> bool:
    """Whether ``user`` is the only active administrator."""
    # Known gap: two administrators demoting each other at the same moment can
    # both pass this check; 'kentongan users add --role admin' recovers.
    return people.active_admin_ids(db) == [user.id]


def refuse_last_admin(user: User) -> None:
    logger.info("last administrator kept user_id=%s", user.id)
    flash(
        gettext(
            "%(email)s is the only active administrator, so they stay one. Make "
            "another person an administrator first.",
            email=user.email,
        ),
        "error",
    )


def redirect_to_users() -> Response:
    return redirect(url_for("console.admin_users"), 303)


def generated_password() -> str:
    """A random password of 20 characters, well above the minimum."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
