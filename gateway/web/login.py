"""Signing staff in and out of the console: ``/login`` and ``POST /logout``.

A password goes through ``authenticate_password`` (which audits failures);
repeated failures lock the account and the address for a while (see
``gateway.web.lockout``). Signing in clears the old session and issues a new
one. A session ends after ``KENTONGAN_CONSOLE_IDLE_MINUTES`` without a
request, after ``KENTONGAN_CONSOLE_SESSION_HOURS`` in all, when the user is
disabled, or when their password changes (the session carries a digest of
the password hash).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from gateway.accounts.actors import Actor, actor_for_user
from gateway.accounts.models import Role, User
from gateway.accounts.people import MAX_EMAIL_LENGTH, authenticate_password
from gateway.alerts import audit
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.i18n import remember_language
from gateway.web.lockout import install_lockout, lockout
from gateway.web.targets import safe_target

logger = logging.getLogger(__name__)

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
USER_KEY = "_user_id"
SEEN_RESOLUTION_SECONDS = 30
MAX_PASSWORD_LENGTH = 1024
ROLE_NAMES = {
    Role.AUTHOR: lazy_gettext("Author"),
    Role.APPROVER: lazy_gettext("Approver"),
    Role.ADMIN: lazy_gettext("Administrator"),
}

blueprint = Blueprint("login", __name__)


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = StringField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(lazy_gettext("Enter your email address.")),
            Length(
                max=MAX_EMAIL_LENGTH,
                message=lazy_gettext("Keep the address to %(max)d characters."),
            ),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(lazy_gettext("Enter your password.")),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=lazy_gettext("Keep the password to %(max)d characters."),
            ),
        ],
    )


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """The signed-in staff member, as Flask-Login and the templates see them."""

    id: int
    email: str
    role: Role
    organisation_name: str
    actor: Actor
    session_token: str
    language: str | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token

    @property
    def role_name(self) -> str:
        return str(ROLE_NAMES[self.role])


@blueprint.route("/login", methods=["GET", "POST"])
def login_page() -> Response | tuple[str, int]:
    target = safe_target(request.values.get("next"), url_for("console.dashboard"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_form(form, target, 200 if request.method == "GET" else 400)

    email, address = str(form.email.data).strip().lower(), _address()
    wait = lockout().wait_seconds(email, address)
    user = None if wait else _check_password(email, str(form.password.data))
    if user is None:
        return _refuse(form, target, email, address, wait)

    lockout().forget_account(email)
    _start_session(user)
    response = redirect(target)
    if user.language:
        remember_language(response, user.language)
    return response


@blueprint.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        _record(current_user.id, "logout")
    _end_session()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("login.login_page"))


def install_login(app: Flask) -> None:
    """Flask-Login, the lockout, the session age check and the two URLs."""
    manager = LoginManager(app)
    manager.user_loader(load_user)
    manager.unauthorized_handler(send_to_login)
    install_lockout(app)
    app.before_request(check_session_age)
    app.register_blueprint(blueprint)


def load_user(session_token: str) -> ConsoleUser | None:
    """The user a session names, unless disabled or their password changed."""
    raw_id, _, fingerprint = session_token.partition(":")
    if not raw_id.isdigit():
        return None
    with transaction(runtime(current_app).sessions) as db:
        user = db.get(User, int(raw_id))
        if user is None or user.disabled_at is not None:
            return None
        if not hmac.compare_digest(fingerprint, _fingerprint(user)):
            return None
        return _console_user(user)


def send_to_login() -> Response:
    """Where a signed-out visitor of the console goes: the login page."""
    target = request.full_path.removesuffix("?")
    return redirect(url_for("login.login_page", next=target))


def check_session_age() -> None:
    """Before every request: end a session idle or old for too long."""
    if USER_KEY not in session:
        return
    now = int(time.time())
    idle_limit = int(current_app.config["CONSOLE_IDLE_MINUTES"]) * 60
    age_limit = int(current_app.config["CONSOLE_SESSION_HOURS"]) * 3600

    if now - int(session.get(SEEN_AT, 0)) > idle_limit:
        _end_session()
        minutes = idle_limit // 60
        flash(
            ngettext(
                "You were signed out after %(num)d minute without activity.",
                "You were signed out after %(num)d minutes without activity.",
                minutes,
            ),
            "info",
        )
    elif now - int(session.get(SIGNED_IN_AT, 0)) > age_limit:
        _end_session()
        flash(gettext("Your session has ended; please sign in again."), "info")
    elif now - int(session[SEEN_AT]) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now


def _refuse(
    form: LoginForm, target: str, email: str, address: str, wait: int
) -> Response | tuple[str, int]:
    """A failed or locked-out sign-in: count a failure, say what to do next."""
    if not wait:
        lockout().count_failure(email, address)
        wait = lockout().wait_seconds(email, address)
    if wait:
        return _locked_out(form, target, wait)

    flash(
        gettext(
            "The email address or the password is wrong. Check both and try "
            "again; an administrator can set a new password if you have "
            "forgotten yours."
        ),
        "error",
    )
    return _login_form(form, target, 401)


def _login_form(form: LoginForm, target: str, status: int) -> tuple[str, int]:
    return render_template("login.html", form=form, target=target), status


def _locked_out(form: LoginForm, target: str, wait: int) -> Response:
    minutes = max(1, -(-wait // 60))
    logger.warning("console sign-in locked out wait_seconds=%s", wait)
    flash(
        ngettext(
            "Too many failed sign-ins for this account or from this address. "
            "Wait %(num)d minute, then try again.",
            "Too many failed sign-ins for this account or from this address. "
            "Wait %(num)d minutes, then try again.",
            minutes,
        ),
        "error",
    )
    page, _ = _login_form(form, target, 429)
    return Response(page, 429, {"Retry-After": str(wait)}, mimetype="text/html")


def _check_password(email: str, password: str) -> ConsoleUser | None:
    with transaction(runtime(current_app).sessions) as db:
        user = authenticate_password(db, email, password)
        if user is None:
            return None
        _audit(db, user.id, "login.succeeded")
        return _console_user(user)


def _start_session(user: ConsoleUser) -> None:
    """A brand-new session for ``user``: nothing of the old one is kept."""
    session.clear()
    g.pop("csrf_token", None)
    login_user(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = session[SEEN_AT] = now
    logger.info("console sign-in user_id=%s", user.id)


# Known gap: sessions are signed cookies kept by the browser, so signing out
# cannot revoke a copy of the cookie taken earlier — it stays usable until the
# idle or total limit passes, the user is disabled or the password changes.
def _end_session() -> None:
    logout_user()
    session.clear()
    g.pop("csrf_token", None)


def _record(user_id: int, action: str) -> None:
    with transaction(runtime(current_app).sessions) as db:
        _audit(db, user_id, action)


def _audit(db: Session, user_id: int, action: str) -> None:
    audit.record(
        db,
        action,
        actor=f"user:{user_id}",
        subject=f"user:{user_id}",
        details={"method": "password"},
    )


def _console_user(user: User) -> ConsoleUser:
    return ConsoleUser(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        organisation_name=user.organisation.name,
        actor=actor_for_user(user),
        session_token=f"{user.id}:{_fingerprint(user)}",
        language=user.language,
    )


def _fingerprint(user: User) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:20]


def _address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"
