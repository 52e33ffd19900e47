"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from gateway.api import inbound, install_api
from gateway.config import load_settings
from gateway.feeds.fastpath import FeedFastPath
from gateway.runtime import init_runtime, runtime
from gateway.web import feeds, manage, public, pwa, subscribe, unsubscribe, vendor
from gateway.web.console import install_console
from gateway.web.sessions import CookieSessions, served_over_https
from gateway.web.subscribe_guard import install_subscribe_guard

logger = logging.getLogger(__name__)

# Scripts and styles only from our own files: no inline code, no style
# attributes, no eval, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=31536000"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, ``KENTONGAN_*`` variables and ``config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.from_mapping(load_settings(config))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_MESSAGE_BYTES"]
    app.session_interface = CookieSessions()
    init_runtime(app)
    install_subscribe_guard(app)

    app.register_blueprint(public.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(unsubscribe.blueprint)
    app.register_blueprint(manage.blueprint)
    app.register_blueprint(subscribe.blueprint)
    app.register_blueprint(vendor.blueprint)
    app.register_blueprint(pwa.blueprint)
    install_console(app)
    install_api(app)
    app.register_blueprint(inbound.blueprint)
    app.wsgi_app = FeedFastPath(runtime(app).feeds, app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_set_security_headers)

    logger.info("app created env=%s", app.config["ENV"])
    return app


def _set_security_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if served_over_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
