"""The preview of an alert before it is sent: each language's SMS, push and
email, and the subscribers of each channel its area reaches."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from gateway.alerts.drafts import alert_from_draft
from gateway.cap import write
from gateway.channels.sms_text import Encoding
from gateway.db import transaction
from gateway.dispatch.preview import preview_alert
from gateway.dispatch.way_out import WayOut
from gateway.protocols.templates import build_draft, find_template
from gateway.runtime import runtime
from tests.dispatch.test_fanout import FAR_AWAY, INSIDE_POLYGON, subscribe
from tests.residents.factories import csv_row, opt_out

AREA = {
    "areaDesc": "Padang Utara",
    "polygons": [
        [
            [-0.80, 100.34],
            [-0.80, 100.40],
            [-0.86, 100.40],
            [-0.86, 100.34],
            [-0.80, 100.34],
        ]
    ],
}


def test_preview_shows_each_language_and_the_reach_per_channel(app: Flask) -> None:
    subscribe(
        app,
        csv_row(address="081200000001", **INSIDE_POLYGON),
        csv_row(address="081200000002", language="en-US", **INSIDE_POLYGON),
        csv_row(address="081200000003", **INSIDE_POLYGON),
        csv_row(channel="email", address="warga@example.org", **INSIDE_POLYGON),
        csv_row(address="081200000009", **FAR_AWAY),
    )
    opt_out(app, "+6281200000003")
    template = find_template("tsunami")
    assert template is not None
    now = datetime.now(UTC).replace(microsecond=0)
    alert = alert_from_draft(
        build_draft(template, area=AREA, now=now),
        identifier="preview-1",
        sender="bpbd@padang.go.id",
        sent=now,
    )

    way_out = WayOut.from_config(app.config)
    with transaction(runtime(app).sessions) as session:
        preview = preview_alert(session, alert, write(alert), "id-ID", way_out)

    indonesian, english = preview.languages
    sample = f"{app.config['PUBLIC_URL']}/s/zzzzzzz.aaaaaaaaaaaa"
    assert preview.reach == {"sms": 2, "email": 1}
    assert preview.total == 3
    assert (indonesian.language, english.language) == ("id-ID", "en-US")
    assert indonesian.sms.text.startswith("AWAS TSUNAMI")
    assert indonesian.sms.encoding is Encoding.GSM7
    assert 2 <= len(indonesian.sms.segments) <= 3
    assert indonesian.sms.text.endswith(f"\nBerhenti: balas STOP atau {sample}")
    assert english.sms.text.endswith(f"\nTo stop, reply STOP or {sample}")
    assert "".join(indonesian.sms.segments) == indonesian.sms.text
    assert indonesian.email_text.endswith(f"Atur atau hapus langganan Anda: {sample}")
    assert english.email_text.endswith(f"Manage or delete your subscription: {sample}")
    assert english.push["title"] == alert.infos[1].headline
    assert english.email_subject == alert.infos[1].headline
    assert alert.infos[1].instruction in english.email_text


def test_an_area_with_nobody_inside_reaches_nobody(app: Flask) -> None:
    subscribe(app, csv_row(address="081200000009", **FAR_AWAY))
    template = find_template("flood")
    assert template is not None
    now = datetime.now(UTC).replace(microsecond=0)
    alert = alert_from_draft(
        build_draft(template, area=AREA, now=now),
        identifier="preview-2",
        sender="bpbd@padang.go.id",
        sent=now,
    )

    with app.app_context(), transaction(runtime(app).sessions) as session:
        preview = preview_alert(
            session, alert, write(alert), "id-ID", WayOut.from_config(app.config)
        )

    assert preview.reach == {}
    assert preview.languages[0].sms.text.endswith(
        f"{app.config['PUBLIC_URL']}/s/zzzzzzz.aaaaaaaaaaaa"
    )
    assert preview.total == 0
