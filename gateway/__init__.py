"""Kentongan: a public alert gateway built on CAP 1.2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web application; see ``gateway.app``."""
    from gateway.app import create_app as build

    return build(config)
