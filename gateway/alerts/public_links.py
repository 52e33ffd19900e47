"""Public addresses of an alert for residents and apps: its page and its
shelters as GeoJSON, and the CAP ``web`` and ``resource`` that carry them.

Publishing adds them to every office alert, so apps that read only the CAP
message still find the page and the shelters; the public pages serve them.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.cap.model import Alert, Info, Resource

SHELTERS_MIME_TYPE = "application/geo+json"
SHELTERS_DESCRIPTION = "Shelters and evacuation routes near the alert area (GeoJSON)"


def alert_page_path(alert_id: str) -> str:
    return f"/alerts/{alert_id}"


def alert_page_url(public_url: str, alert_id: str) -> str:
    """The absolute address of the alert's public page."""
    return public_url.rstrip("/") + alert_page_path(alert_id)


def shelters_url(public_url: str, alert_id: str) -> str:
    """The absolute address of the shelters and routes near the alert."""
    return alert_page_url(public_url, alert_id) + "/shelters.geojson"


def shelters_resource(public_url: str, alert_id: str) -> Resource:
    """A CAP resource naming the alert's shelters file."""
    return Resource(
        resource_desc=SHELTERS_DESCRIPTION,
        mime_type=SHELTERS_MIME_TYPE,
        uri=shelters_url(public_url, alert_id),
    )


def with_public_links(alert: Alert, public_url: str, alert_id: str) -> Alert:
    """``alert`` with every info block linking its page (unless it has a
    ``web`` of its own) and carrying the shelters resource once."""
    page = alert_page_url(public_url, alert_id)
    resource = shelters_resource(public_url, alert_id)
    infos = tuple(_linked(info, page, resource) for info in alert.infos)
    return replace(alert, infos=infos)


def _linked(info: Info, page: str, resource: Resource) -> Info:
    resources = info.resources
    if all(item.uri != resource.uri for item in resources):
        resources = (*resources, resource)
    return replace(info, web=info.web or page, resources=resources)
