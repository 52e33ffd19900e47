"""The resident's subscribe form: its choices, the checks of what was sent,
and the signed time stamp that tells a person from a program posting at once.

Every problem is reported beside its field in the page's language, saying how
to fix it. Addresses are brought to canonical form by
``gateway.residents.addresses``; a kecamatan or kelurahan chosen from the list
is stored with the areas it lies in, so an alert naming the whole kecamatan
or the city reaches it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from gateway.db import utc_now
from gateway.places.models import Area, AreaLevel
from gateway.places.queries import (
    area_by_code,
    areas_of_level,
    enclosing_codes,
)
from gateway.residents.addresses import Channel, normalise_email, normalise_phone
from gateway.residents.errors import InvalidSubscription
from gateway.residents.fields import parse_point
from gateway.residents.pending import Wanted

CHANNELS = ("sms", "email", "webpush")
LANGUAGES = {"id-ID": "Bahasa Indonesia", "en-US": "English"}
PAGE_TO_LANGUAGE = {"id": "id-ID", "en": "en-US"}
STAMP_SALT = "kentongan-subscribe-form"
# A form older than this is shown again, filled in, with a fresh stamp.
MAX_FORM_AGE_SECONDS = 24 * 3600
TRAP_FIELD = "website"
MAX_FIELD_LENGTH = 300

PHONE_HINT = lazy_gettext(
    "Write the number with its area code, like 0812 3456 7890 or +62 812 3456 7890."
)
MESSAGES = {
    "no-channel": lazy_gettext("Choose how the alerts should reach you: SMS or email."),
    "webpush-needs-script": lazy_gettext(
        "Web Push works only with JavaScript turned on in this browser. Turn it "
        "on and reload the page, or choose SMS or email."
    ),
    "no-phone": lazy_gettext("Write your mobile number."),
    "invalid-phone": PHONE_HINT,
    "landline-phone": lazy_gettext(
        "This is a landline, which cannot receive SMS. Write a mobile number, "
        "like 0812 3456 7890."
    ),
    "no-email": lazy_gettext("Write your email address."),
    "invalid-email": lazy_gettext(
        "Write the whole email address, like warga@example.id."
    ),
    "no-language": lazy_gettext("Choose Bahasa Indonesia or English."),
    "unknown-area": lazy_gettext("Choose a kecamatan or kelurahan from the list."),
    "no-place": lazy_gettext(
        "Choose your kecamatan or kelurahan, or give a point (latitude and "
        "longitude), so that we know which alerts concern you."
    ),
    "incomplete-location": lazy_gettext(
        "Write both the latitude and the longitude, or leave both empty."
    ),
    "invalid-lat": lazy_gettext(
        "Write the latitude as degrees from -90 to 90, like -0.95."
    ),
    "invalid-lon": lazy_gettext(
        "Write the longitude as degrees from -180 to 180, like 100.35."
    ),
}

WORDS = {
    "form-old": lazy_gettext(
        "This form was open too long. Check what you wrote and send it again."
    ),
    "too-fast": lazy_gettext(
        "The form was sent too quickly. Wait a few seconds and send it again."
    ),
    "send-failed": lazy_gettext(
        "We could not send the message just now. Nothing was stored; please try "
        "again in a few minutes."
    ),
    "code-shape": lazy_gettext("Write the 6 digits of the code from the SMS."),
}


@dataclass(slots=True)
class Checked:
    """What the form said: the values to show again, the problems by field,
    and the request to store when there are none."""

    values: dict[str, str]
    errors: dict[str, Any] = field(default_factory=dict)
    wanted: Wanted | None = None


@dataclass(frozen=True, slots=True)
class District:
    """A kecamatan of the pick list and its kelurahan."""

    area: Area
    villages: tuple[Area, ...]


def area_choices(session: Session) -> list[District]:
    """Every kecamatan by name, each with its kelurahan by name."""
    villages: dict[str | None, list[Area]] = {}
    for village in areas_of_level(session, AreaLevel.VILLAGE):
        villages.setdefault(village.parent_code, []).append(village)
    return [
        District(district, tuple(villages.get(district.code, ())))
        for district in areas_of_level(session, AreaLevel.DISTRICT)
    ]


def district_outlines(session: Session) -> dict[str, Any]:
    """The kecamatan as a GeoJSON FeatureCollection with their names."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": district.name, "code": district.code},
            "geometry": json.loads(district.geometry),
        }
        for district in areas_of_level(session, AreaLevel.DISTRICT)
    ]
    return {"type": "FeatureCollection", "features": features}


def make_stamp(secret_key: str) -> str:
    """The signed moment the form was shown."""
    return str(URLSafeTimedSerializer(secret_key, salt=STAMP_SALT).dumps("form"))


def stamp_age(secret_key: str, stamp: str) -> float | None:
    """Seconds since the form was shown, or None for a stamp not ours or too old."""
    signer = URLSafeTimedSerializer(secret_key, salt=STAMP_SALT)
    try:
        _, signed_at = signer.loads(
            stamp, max_age=MAX_FORM_AGE_SECONDS, return_timestamp=True
        )
    except BadSignature:
        return None
    return float((utc_now() - signed_at).total_seconds())


def is_trapped(form: MultiDict[str, str]) -> bool:
    """Whether the field people never see was filled in (a program did it)."""
    return bool(form.get(TRAP_FIELD, "").strip())


def check_form(session: Session, form: MultiDict[str, str], *, region: str) -> Checked:
    """The request the form describes, or its problems by field."""
    values = {
        name: form.get(name, "").strip()[:MAX_FIELD_LENGTH]
        for name in ("channel", "address", "language", "area", "lat", "lon")
    }
    checked = Checked(values)
    channel = _check_channel(checked)
    address = _check_address(checked, channel, region)
    language = _check_language(checked)
    areas = _check_area(session, checked)
    lat, lon = _check_point(checked)
    if not areas and lat is None and "lat" not in checked.errors:
        checked.errors.setdefault("area", MESSAGES["no-place"])
    if checked.errors or channel is None or address is None or language is None:
        return checked
    checked.wanted = Wanted(channel, address, language, lat, lon, areas)
    return checked


def _check_channel(checked: Checked) -> str | None:
    channel = checked.values["channel"]
    if channel == "webpush":
        checked.errors["channel"] = MESSAGES["webpush-needs-script"]
        return None
    if channel not in ("sms", "email"):
        checked.errors["channel"] = MESSAGES["no-channel"]
        return None
    return channel


def _check_address(checked: Checked, channel: str | None, region: str) -> str | None:
    if channel is None:
        return None
    raw = checked.values["address"]
    if not raw:
        checked.errors["address"] = MESSAGES[
            f"no-{'phone' if channel == 'sms' else 'email'}"
        ]
        return None
    try:
        if channel == Channel.SMS:
            return normalise_phone(raw, region)
        return normalise_email(raw)
    except InvalidSubscription as refused:
        known = refused.code if refused.code in MESSAGES else None
        fallback = "invalid-phone" if channel == Channel.SMS else "invalid-email"
        checked.errors["address"] = MESSAGES[known or fallback]
        return None


def _check_language(checked: Checked) -> str | None:
    language = checked.values["language"]
    if language not in LANGUAGES:
        checked.errors["language"] = MESSAGES["no-language"]
        return None
    return language


def _check_area(session: Session, checked: Checked) -> tuple[str, ...]:
    """The chosen area's code and those of the areas it lies in."""
    code = checked.values["area"]
    if not code:
        return ()
    area = area_by_code(session, code)
    if area is None or area.level not in (AreaLevel.DISTRICT, AreaLevel.VILLAGE):
        checked.errors["area"] = MESSAGES["unknown-area"]
        return ()
    return enclosing_codes(area, session)


def _check_point(checked: Checked) -> tuple[float | None, float | None]:
    try:
        return parse_point(checked.values["lat"], checked.values["lon"])
    except InvalidSubscription as refused:
        name = refused.location.strip("/") or "lat"
        key = "incomplete-location" if refused.code == "incomplete-location" else None
        checked.errors[name] = MESSAGES[key or f"invalid-{name}"]
        return None, None
