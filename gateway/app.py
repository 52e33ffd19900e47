"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from gateway.api import install_api
from gateway.config import load_settings
from gateway.feeds.fastpath import FeedFastPath
from gateway.runtime import init_runtime, runtime
from gateway.web import feeds, public, unsubscribe
from gateway.web.sessions import CookieSessions

logger = logging.getLogger(__name__)


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

    app.register_blueprint(public.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(unsubscribe.blueprint)
    install_api(app)
    app.wsgi_app = FeedFastPath(runtime(app).feeds, app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_set_security_headers)

    logger.info("app created env=%s", app.config["ENV"])
    return app


def _set_security_headers(response: Any) -> Any:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
