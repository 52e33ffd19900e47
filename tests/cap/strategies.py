"""Hypothesis strategies for CAP alerts that obey the CAP 1.2 rules."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from gateway.cap import model
from gateway.cap.times import format_cap_time

OFFSETS = [timedelta(hours=h, minutes=m) for h, m in ((0, 0), (7, 0), (8, 0), (9, 0))]
OFFSETS += [timedelta(hours=-3), timedelta(hours=5, minutes=30)]

# Text XML can carry: no control characters but tab, newline and return.
xml_text = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufffe\uffff",
    )
    | st.sampled_from("\t\n\r"),
    max_size=40,
)
nonblank_text = xml_text.filter(lambda text: text.strip() != "")
token = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@\-]{0,30}", fullmatch=True)
languages = st.sampled_from(["id-ID", "en-US", "id", "en", "jv-ID", "min"])
web_uris = st.from_regex(r"https://[a-z]{1,12}\.go\.id/[a-z0-9/]{0,20}", fullmatch=True)


@st.composite
def cap_times(draw: st.DrawFn, after: datetime | None = None) -> datetime:
    start = after or datetime(2020, 1, 1, tzinfo=UTC)
    delta = draw(st.integers(min_value=0, max_value=3 * 365 * 86400))
    offset = draw(st.sampled_from(OFFSETS))
    return (start + timedelta(seconds=delta)).astimezone(timezone(offset))


coordinates = st.tuples(
    st.floats(min_value=-89.0, max_value=89.0, allow_nan=False),
    st.floats(min_value=-179.0, max_value=179.0, allow_nan=False),
)


@st.composite
def polygons(draw: st.DrawFn) -> model.Polygon:
    lat, lon = draw(coordinates)
    corners = draw(st.lists(coordinates, min_size=2, max_size=6))
    points = [model.Point(lat, lon)]
    points += [model.Point(a, b) for a, b in corners]
    points.append(model.Point(lat, lon))
    return model.Polygon(tuple(points))


@st.composite
def circles(draw: st.DrawFn) -> model.Circle:
    lat, lon = draw(coordinates)
    radius = draw(st.floats(min_value=0.0, max_value=500.0, allow_nan=False))
    return model.Circle(model.Point(lat, lon), radius)


named_values = st.builds(model.NamedValue, token, xml_text)


@st.composite
def areas(draw: st.DrawFn) -> model.Area:
    altitude = draw(st.none() | st.floats(-100.0, 30000.0, allow_nan=False))
    ceiling = None
    if altitude is not None:
        ceiling = draw(st.none() | st.floats(altitude, altitude + 50000.0))
    return model.Area(
        area_desc=draw(xml_text),
        polygons=tuple(draw(st.lists(polygons(), max_size=2))),
        circles=tuple(draw(st.lists(circles(), max_size=2))),
        geocodes=tuple(draw(st.lists(named_values, max_size=3))),
        altitude=altitude,
        ceiling=ceiling,
    )


@st.composite
def resources(draw: st.DrawFn) -> model.Resource:
    payload = draw(st.none() | st.binary(min_size=1, max_size=64))
    deref = digest = None
    if payload is not None:
        deref = base64.b64encode(payload).decode("ascii")
        digest = hashlib.sha1(payload).hexdigest()
    return model.Resource(
        resource_desc=draw(xml_text),
        mime_type=draw(st.sampled_from(["image/png", "application/pdf", "text/plain"])),
        size=draw(st.none() | st.integers(min_value=0, max_value=10**9)),
        uri=draw(st.none() | web_uris),
        deref_uri=deref,
        digest=digest,
    )


@st.composite
def infos(draw: st.DrawFn, sent: datetime) -> model.Info:
    effective = draw(st.none() | cap_times(after=sent))
    onset = draw(st.none() | cap_times(after=sent))
    latest = max(t for t in (sent, effective, onset) if t is not None)
    expires = draw(st.none() | cap_times(after=latest))
    unique = {"unique": True}
    return model.Info(
        language=draw(st.none() | languages),
        categories=tuple(
            draw(
                st.lists(
                    st.sampled_from(model.Category), min_size=1, max_size=3, **unique
                )
            )
        ),
        event=draw(xml_text),
        response_types=tuple(
            draw(st.lists(st.sampled_from(model.ResponseType), max_size=2, **unique))
        ),
        urgency=draw(st.sampled_from(model.Urgency)),
        severity=draw(st.sampled_from(model.Severity)),
        certainty=draw(st.sampled_from(model.Certainty)),
        audience=draw(st.none() | xml_text),
        event_codes=tuple(draw(st.lists(named_values, max_size=2))),
        effective=effective,
        onset=onset,
        expires=expires,
        sender_name=draw(st.none() | xml_text),
        headline=draw(st.none() | xml_text),
        description=draw(st.none() | xml_text),
        instruction=draw(st.none() | xml_text),
        web=draw(st.none() | web_uris),
        contact=draw(st.none() | xml_text),
        parameters=tuple(draw(st.lists(named_values, max_size=2))),
        resources=tuple(draw(st.lists(resources(), max_size=2))),
        areas=tuple(draw(st.lists(areas(), max_size=2))),
    )


@st.composite
def references(draw: st.DrawFn, sent: datetime) -> str:
    count = draw(st.integers(min_value=1, max_value=3))
    triples = []
    for _ in range(count):
        earlier = sent - timedelta(seconds=draw(st.integers(1, 86400 * 30)))
        triples.append(
            f"{draw(token)},earlier-{draw(token)},{format_cap_time(earlier)}"
        )
    return " ".join(triples)


@st.composite
def alerts(draw: st.DrawFn) -> model.Alert:
    sent = draw(cap_times())
    msg_type = draw(st.sampled_from(model.MsgType))
    scope = draw(st.sampled_from(model.Scope))
    needs_references = msg_type is not model.MsgType.ALERT
    return model.Alert(
        identifier=draw(token),
        sender=draw(token),
        sent=sent,
        status=draw(st.sampled_from(model.Status)),
        msg_type=msg_type,
        scope=scope,
        source=draw(st.none() | xml_text),
        restriction=draw(nonblank_text) if scope is model.Scope.RESTRICTED else None,
        addresses=draw(token) if scope is model.Scope.PRIVATE else None,
        codes=tuple(draw(st.lists(token, max_size=2))),
        note=draw(st.none() | xml_text),
        references=draw(references(sent)) if needs_references else None,
        incidents=draw(st.none() | token),
        infos=tuple(draw(st.lists(infos(sent), max_size=3))),
    )
