"""``/console/admin/templates``: the office's protocol templates as forms.

A form becomes one template document in the shape of ``defaults.json`` and
is stored through ``save_template``, which checks it; its ``TemplateError``
is shown above the form and nothing is stored. The coded fields (status,
categories, responses, urgency, severity, certainty) are checked here
against CAP 1.2's values, which the template loader leaves to the alert.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

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
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway.alerts import audit
from gateway.cap.model import (
    Category,
    Certainty,
    ResponseType,
    Severity,
    Status,
    Urgency,
)
from gateway.db import transaction
from gateway.protocols.models import StoredTemplate
from gateway.protocols.store import (
    office_template,
    office_templates,
    remove_template,
    save_template,
    template_document,
)
from gateway.protocols.templates import TEXT_FIELDS, TemplateError
from gateway.runtime import runtime
from gateway.web.admin_access import acting_admin, admin_only

logger = logging.getLogger(__name__)

KEY_SHAPE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
NEW_LANGUAGES = ("id-ID", "en-US")
UI_LANGUAGES = ("id", "en")
CHOICES = {
    "status": [str(value) for value in Status],
    "urgency": [str(value) for value in Urgency],
    "severity": [str(value) for value in Severity],
    "certainty": [str(value) for value in Certainty],
    "categories": [str(value) for value in Category],
    "responseTypes": [str(value) for value in ResponseType],
}
TEXT_LABELS = {
    "event": lazy_gettext("Event"),
    "headline": lazy_gettext("Headline"),
    "description": lazy_gettext("Description"),
    "instruction": lazy_gettext("Instruction"),
}
FIELD_PREFIX = "templates[0]."


def add_routes(blueprint: Blueprint) -> None:
    """The templates pages and their actions, on the console's ``blueprint``."""
    rules: list[tuple[str, str, Callable[..., Any], Any]] = [
        ("/admin/templates", "admin_templates", templates_page, ["GET"]),
        ("/admin/templates/new", "admin_new_template", new_template, ["GET", "POST"]),
        ("/admin/templates/<key>", "admin_template", edit_template, ["GET", "POST"]),
        (
            "/admin/templates/<key>/delete",
            "admin_delete_template",
            delete_template,
            ["POST"],
        ),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(
            rule,
            endpoint,
            admin_only(view),
            methods=methods,
        )


def templates_page() -> str:
    with transaction(runtime(current_app).sessions) as db:
        return render_template(
            "console/admin_templates.html",
            templates=office_templates(db),
            stored=set(db.scalars(select(StoredTemplate.key))),
        )


def new_template() -> Response | tuple[str, int]:
    if request.method == "GET":
        return render_form(blank_document(), is_new=True), 200
    key = request.form.get("key", "").strip()
    document = document_from_form(request.form, key, NEW_LANGUAGES)

    with transaction(runtime(current_app).sessions) as db:
        taken = office_template(db, key) is not None
    if not KEY_SHAPE.fullmatch(key):
        problems = [
            gettext(
                "The key is 1 to 40 lower-case letters, digits and hyphens, "
                "such as flash-flood."
            )
        ]
        return render_form(document, is_new=True, problems=problems), 422
    if taken:
        problems = [gettext("A template with this key exists; edit that one instead.")]
        return render_form(document, is_new=True, problems=problems), 422
    return store(document, is_new=True)


def edit_template(key: str) -> Response | tuple[str, int]:
    with transaction(runtime(current_app).sessions) as db:
        template = office_template(db, key)
        if template is None:
            abort(404, f"No template has the key {key}")
        document = template_document(template)
    if request.method == "GET":
        return render_form(document, is_new=False), 200
    languages = tuple(document["texts"])
    return store(document_from_form(request.form, key, languages), is_new=False)


def delete_template(key: str) -> Response:
    with transaction(runtime(current_app).sessions) as db:
        if not remove_template(db, key):
            abort(404, f"No stored template has the key {key}")
        audit.record(
            db, "template.removed", actor=acting_admin(), subject=f"template:{key}"
        )
    logger.info("template removed template_key=%s", key)
    flash(gettext("The template %(key)s was deleted.", key=key), "info")
    return redirect(url_for("console.admin_templates"), 303)


def store(document: dict[str, Any], *, is_new: bool) -> Response | tuple[str, int]:
    """Save ``document`` through the template store, or show why not."""
    problems = choice_problems(document)
    if problems:
        return render_form(document, is_new=is_new, problems=problems), 422
    try:
        with transaction(runtime(current_app).sessions) as db:
            saved = save_template(db, document, acting_admin())
            audit.record(
                db,
                "template.saved",
                actor=acting_admin(),
                subject=f"template:{saved.key}",
            )
    except TemplateError as exc:
        problems = [str(exc).removeprefix(FIELD_PREFIX)]
        return render_form(document, is_new=is_new, problems=problems), 422

    logger.info("template saved template_key=%s", saved.key)
    flash(gettext("The template %(key)s was saved.", key=saved.key), "info")
    return redirect(url_for("console.admin_templates"), 303)


def document_from_form(
    form: MultiDict[str, str], key: str, languages: tuple[str, ...]
) -> dict[str, Any]:
    """The template document a submitted form describes."""
    return {
        "key": key,
        "names": {ui: form.get(f"name-{ui}", "").strip() for ui in UI_LANGUAGES},
        "status": form.get("status", ""),
        "categories": form.getlist("categories"),
        "responseTypes": form.getlist("responseTypes"),
        "urgency": form.get("urgency", ""),
        "severity": form.get("severity", ""),
        "certainty": form.get("certainty", ""),
        "expiresHours": read_hours(form.get("expiresHours", "")),
        "texts": {
            language: {
                field: form.get(f"text-{language}-{field}", "").strip()
                for field in TEXT_FIELDS
            }
            for language in languages
        },
    }


def read_hours(raw: str) -> float | str:
    """The hours as a number, or the text as typed for the store to refuse."""
    try:
        return float(raw.strip().replace(",", "."))
    except ValueError:
        return raw


def choice_problems(document: dict[str, Any]) -> list[str]:
    """Every coded field whose value CAP 1.2 does not know, each in a sentence."""
    problems = []
    for name, allowed in CHOICES.items():
        value = document[name]
        given = value if isinstance(value, list) else [value]
        if any(item not in allowed for item in given):
            problems.append(
                gettext(
                    "%(field)s must be one of %(allowed)s.",
                    field=name,
                    allowed=", ".join(allowed),
                )
            )
    return problems


def blank_document() -> dict[str, Any]:
    return {
        "key": "",
        "names": dict.fromkeys(UI_LANGUAGES, ""),
        "status": "Actual",
        "categories": [],
        "responseTypes": [],
        "urgency": "",
        "severity": "",
        "certainty": "",
        "expiresHours": 6,
        "texts": {
            language: dict.fromkeys(TEXT_FIELDS, "") for language in NEW_LANGUAGES
        },
    }


def render_form(
    document: dict[str, Any], *, is_new: bool, problems: list[str] | None = None
) -> str:
    return render_template(
        "console/admin_template.html",
        document=document,
        is_new=is_new,
        problems=problems or [],
        choices=CHOICES,
        text_labels=TEXT_LABELS,
        text_fields=TEXT_FIELDS,
    )
