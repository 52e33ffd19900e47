"""Settings: safe defaults, then ``KENTONGAN_*`` variables, then a test's mapping.

Secrets come only from the environment. In production a missing required
setting stops start-up with a message naming the variable and its purpose.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from gateway.cap.document import DEFAULT_MAX_BYTES
from gateway.cap.identifiers import DEFAULT_PREFIX

ENV_PREFIX = "KENTONGAN_"
DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "FEEDS_DIR": "feeds",
    "IDENTIFIER_PREFIX": DEFAULT_PREFIX,
    "SENDER": "kentongan@localhost",
    "MAX_MESSAGE_BYTES": DEFAULT_MAX_BYTES,
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "TIMEZONE": "Asia/Jakarta",
    "OFFICE_NAME": "Emergency office",
    "SIGNING_KEY": None,
    "SIGNING_CERT": None,
    "TRUST_STORE": None,
    "API_RATE_LIMIT": "600 per minute",
    "AUTH_FAILURE_LIMIT": "20 per minute",
    "EXPIRY_CHECK_SECONDS": 1,
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "DEFAULT_LANGUAGE": "id-ID",
    "DEFAULT_REGION": "ID",
    "OUTBOX_DIR": None,
    "SMS_PROVIDER": None,
    "SMS_URL": None,
    "SMS_USERNAME": None,
    "SMS_PASSWORD": None,
    "SMS_TOKEN": None,
    "SMS_SENDER": None,
    "SMS_RECEIPT_URL": None,
    "SMS_RECEIPT_SECRET": None,
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "MAIL_FROM": None,
    "MAIL_BOUNCE_ADDRESS": None,
    "EMAIL_RECEIPT_SECRET": None,
    "WEBPUSH_VAPID_PRIVATE_KEY": None,
    "WEBPUSH_VAPID_SUBJECT": None,
    "WEBPUSH_ALLOW_INSECURE": False,
    "WEBHOOK_ALLOW_PRIVATE": False,
    "WEBSUB_HUB_URL": None,
    "CONSOLE_IDLE_MINUTES": 30,
    "CONSOLE_SESSION_HOURS": 12,
    "CONSOLE_LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
    "CONSOLE_LOGIN_ADDRESS_LIMIT": "30 per 15 minutes",
    "DISPATCHER": "local",
    "REDIS_PREFIX": "kentongan",
    "DELIVERY_LEASE_SECONDS": 60,
    "SMS_RATE_LIMIT": None,
    "EMAIL_RATE_LIMIT": None,
    "WEBPUSH_RATE_LIMIT": None,
    "WEBHOOK_RATE_LIMIT": None,
    "BREAKER_FAILURES": 5,
    "BREAKER_RESET_SECONDS": 30,
    "MAP_TILE_URL": "",
    "SUBSCRIBE_CLIENT_LIMIT": "30 per hour",
    "SUBSCRIBE_ADDRESS_LIMIT": "3 per hour",
    "SUBSCRIBE_DAILY_LIMIT": "2000 per day",
    "SMS_HELP_REPLY_LIMIT": "3 per day",
    # Self-subscription: seconds a person takes at least between seeing the
    # form and sending it (KENTONGAN_SUBSCRIBE_MIN_SECONDS; 0 turns it off).
    "SUBSCRIBE_MIN_SECONDS": 2,
}
INTEGER_SETTINGS = {
    "MAX_MESSAGE_BYTES",
    "CONSOLE_IDLE_MINUTES",
    "CONSOLE_SESSION_HOURS",
    "EXPIRY_CHECK_SECONDS",
    "SMTP_PORT",
    "DELIVERY_LEASE_SECONDS",
    "BREAKER_FAILURES",
    "BREAKER_RESET_SECONDS",
    "SUBSCRIBE_MIN_SECONDS",
}
DISPATCHERS = ("local", "redis")
BOOLEAN_SETTINGS = {"WEBHOOK_ALLOW_PRIVATE", "WEBPUSH_ALLOW_INSECURE"}
BOOLEAN_WORDS = {
    "1": True,
    "true": True,
    "yes": True,
    "0": False,
    "false": False,
    "no": False,
}
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "signs session cookies and links; set a long random value",
    "SENDER": "the CAP <sender> of the office's alerts, e.g. bpbd@padang.go.id",
}
DEVELOPMENT_SECRET = "development-only-secret-not-for-production"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then ``overrides``; checked."""
    settings = dict(DEFAULTS)
    settings.update(_from_environment(os.environ))
    settings.update(overrides or {})
    _check(settings)
    return settings


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in DEFAULTS:
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            continue
        if name in BOOLEAN_SETTINGS:
            if raw.strip().lower() not in BOOLEAN_WORDS:
                raise ConfigError(
                    f"{ENV_PREFIX}{name} must be true or false, got '{raw}'"
                )
            found[name] = BOOLEAN_WORDS[raw.strip().lower()]
        elif name in INTEGER_SETTINGS:
            try:
                found[name] = int(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}{name} must be a whole number, got '{raw}'"
                ) from exc
        else:
            found[name] = raw
    return found


def _check(settings: dict[str, Any]) -> None:
    if settings["ENV"] not in ("development", "production"):
        raise ConfigError(
            f"{ENV_PREFIX}ENV must be 'development' or 'production', "
            f"got '{settings['ENV']}'"
        )

    _check_dispatcher(settings)

    if settings["ENV"] == "development":
        settings["SECRET_KEY"] = settings["SECRET_KEY"] or DEVELOPMENT_SECRET
        return

    unset = [name for name in REQUIRED_IN_PRODUCTION if not settings.get(name)]
    if settings["SENDER"] == DEFAULTS["SENDER"]:
        unset.append("SENDER")
    if unset:
        raise ConfigError(
            "Missing settings for production: "
            + "; ".join(
                f"{ENV_PREFIX}{name} ({REQUIRED_IN_PRODUCTION[name]})" for name in unset
            )
        )


def _check_dispatcher(settings: dict[str, Any]) -> None:
    if settings["DISPATCHER"] not in DISPATCHERS:
        raise ConfigError(
            f"{ENV_PREFIX}DISPATCHER must be one of {', '.join(DISPATCHERS)}, "
            f"got '{settings['DISPATCHER']}'"
        )
    if settings["DISPATCHER"] == "redis" and not settings.get("REDIS_URL"):
        raise ConfigError(
            f"{ENV_PREFIX}DISPATCHER=redis needs {ENV_PREFIX}REDIS_URL, the Redis "
            "that carries the delivery batches to `kentongan worker` processes"
        )
    if int(settings["DELIVERY_LEASE_SECONDS"]) < 1:
        raise ConfigError(
            f"{ENV_PREFIX}DELIVERY_LEASE_SECONDS must be at least 1, got "
            f"{settings['DELIVERY_LEASE_SECONDS']}"
        )
