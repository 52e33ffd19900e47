"""The names staff read for CAP's coded values and the places library's area
levels; the code itself is what goes into the alert."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString  # type: ignore[import-untyped]

from gateway.places.models import AreaLevel

LEVEL_NAMES = {
    AreaLevel.PROVINCE: lazy_gettext("Provinces"),
    AreaLevel.CITY: lazy_gettext("Cities"),
    AreaLevel.DISTRICT: lazy_gettext("Districts"),
    AreaLevel.VILLAGE: lazy_gettext("Villages"),
}
CATEGORIES = {
    "Geo": lazy_gettext("Geophysical (earthquake, landslide, volcano)"),
    "Met": lazy_gettext("Weather and floods"),
    "Safety": lazy_gettext("General safety"),
    "Security": lazy_gettext("Security"),
    "Rescue": lazy_gettext("Rescue and recovery"),
    "Fire": lazy_gettext("Fire"),
    "Health": lazy_gettext("Health"),
    "Env": lazy_gettext("Pollution and environment"),
    "Transport": lazy_gettext("Transport"),
    "Infra": lazy_gettext("Utilities and infrastructure"),
    "CBRNE": lazy_gettext("Chemical, biological, radiological or explosive"),
    "Other": lazy_gettext("Other"),
}
RESPONSE_TYPES = {
    "Shelter": lazy_gettext("Shelter in place"),
    "Evacuate": lazy_gettext("Evacuate"),
    "Prepare": lazy_gettext("Prepare"),
    "Execute": lazy_gettext("Execute the planned action"),
    "Avoid": lazy_gettext("Avoid the hazard"),
    "Monitor": lazy_gettext("Monitor for information"),
    "Assess": lazy_gettext("Assess (officials only)"),
    "AllClear": lazy_gettext("All clear"),
    "None": lazy_gettext("No action"),
}
URGENCIES = {
    "Immediate": lazy_gettext("Immediate: act now"),
    "Expected": lazy_gettext("Expected: act within the hour"),
    "Future": lazy_gettext("Future: act in the near future"),
    "Past": lazy_gettext("Past: no longer needed"),
    "Unknown": lazy_gettext("Unknown"),
}
SEVERITIES = {
    "Extreme": lazy_gettext("Extreme: threat to life"),
    "Severe": lazy_gettext("Severe: significant threat"),
    "Moderate": lazy_gettext("Moderate: possible threat"),
    "Minor": lazy_gettext("Minor: little or no threat"),
    "Unknown": lazy_gettext("Unknown"),
}
CERTAINTIES = {
    "Observed": lazy_gettext("Observed: it is happening"),
    "Likely": lazy_gettext("Likely: more than even chance"),
    "Possible": lazy_gettext("Possible: not likely, but possible"),
    "Unlikely": lazy_gettext("Unlikely: not expected"),
    "Unknown": lazy_gettext("Unknown"),
}
VOCABULARY: dict[str, dict[str, LazyString]] = {
    "categories": CATEGORIES,
    "response_types": RESPONSE_TYPES,
    "urgency": URGENCIES,
    "severity": SEVERITIES,
    "certainty": CERTAINTIES,
}
CHANNEL_NAMES = {
    "sms": lazy_gettext("SMS"),
    "email": lazy_gettext("Email"),
    "webpush": lazy_gettext("Push notification"),
    "webhook": lazy_gettext("Webhooks"),
}
