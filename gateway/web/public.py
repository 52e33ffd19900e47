"""Public pages: the front page, the health check and the CAP schema."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from gateway.cap.schema import schema_path

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def front_page() -> str:
    return render_template("front.html")


@blueprint.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@blueprint.get("/schemas/cap-1.2.xsd")
def cap_schema() -> Response:
    return Response(schema_path().read_bytes(), mimetype="application/xml")
