"""Who may use the administration pages, and what every one of them shares.

Only a signed-in ``admin`` passes ``admin_only``; anyone else signed in gets
403 (signed-out visitors never get this far: the console sends them to
``/login``). Actions are recorded in the audit log as ``user:<id>``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from gateway.accounts.models import Role

P = ParamSpec("P")
R = TypeVar("R")


def admin_only(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse ``view`` with 403 to anyone but an administrator."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return guarded


def is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.role is Role.ADMIN)


def acting_admin() -> str:
    """The audit log's name for the administrator doing this request."""
    return f"user:{current_user.id}"
