"""The console's administration under ``/console/admin``, for role ``admin``.

Four pages, each in a module of its own: users (``admin_users``), partner
keys (``admin_keys``), protocol templates (``admin_templates``) and the
places library (``admin_areas``). This module gives them their index page
and puts every route on the console's blueprint, so they share its sign-in
check and its no-cache rule.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from gateway.web import admin_areas, admin_keys, admin_templates, admin_users
from gateway.web.admin_access import admin_only, is_admin

__all__ = ["add_admin_routes", "is_admin"]


def add_admin_routes(blueprint: Blueprint) -> None:
    """The index page and the four administration pages, on ``blueprint``."""
    blueprint.add_url_rule("/admin", "admin", admin_only(admin_index))
    for page in (admin_users, admin_keys, admin_templates, admin_areas):
        page.add_routes(blueprint)


def admin_index() -> str:
    return render_template("console/admin.html")
