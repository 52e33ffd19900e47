"""Rate limits on the API, counted in Redis when ``KENTONGAN_REDIS_URL`` is set
(so every process shares them) and in memory otherwise.

Two limits: requests per caller (``KENTONGAN_API_RATE_LIMIT``), and refused
credentials per address (``KENTONGAN_AUTH_FAILURE_LIMIT``), which slows
guessing of tokens and keys.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter

from gateway.api.auth import caller_key

KEY_PREFIX = "kentongan:limits"


def install_limits(app: Flask, blueprint: Blueprint) -> Limiter:
    """A limiter for ``app`` applying both limits to ``blueprint``."""
    limiter = Limiter(
        key_func=caller_key,
        app=app,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        key_prefix=app.config.get("RATE_LIMIT_PREFIX", KEY_PREFIX),
        headers_enabled=True,
        strategy="moving-window",
    )
    limiter.limit(app.config["API_RATE_LIMIT"], scope="api")(blueprint)
    limiter.limit(
        app.config["AUTH_FAILURE_LIMIT"],
        key_func=_address,
        scope="auth-failures",
        deduct_when=_was_refused,
        override_defaults=False,
    )(blueprint)
    return limiter


def _address() -> str:
    return f"address:{request.remote_addr}"


def _was_refused(response: Response) -> bool:
    return response.status_code == 401
