"""Feed entries: what a feed says of one CAP message, following the
conventions CAP aggregators use (id = identifier, updated = sent, a link of
type application/cap+xml to the message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.alerts.models import AlertRecord
from gateway.cap import Info, parse
from gateway.feeds.selection import SEVERITY_RANK, FeedFilter

SUMMARY_LIMIT = 600


@dataclass(frozen=True, slots=True)
class FeedEntry:
    alert_id: str
    identifier: str
    sent: datetime
    msg_type: str
    title: str
    summary: str
    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    area_desc: str


def feed_entry(record: AlertRecord, wanted: FeedFilter) -> FeedEntry | None:
    """The entry for ``record``, or None when the filter leaves it out."""
    assert record.cap is not None
    assert record.identifier is not None
    assert record.sent is not None
    alert = parse(record.cap)
    infos = [info for info in alert.infos if _matches(info, wanted)]
    if not infos and alert.infos:
        return None
    info = infos[0] if infos else None
    return FeedEntry(
        alert_id=record.id,
        identifier=record.identifier,
        sent=record.sent,
        msg_type=record.msg_type,
        title=_title(info, record),
        summary=_summary(info, record),
        language=info.effective_language if info else "en-US",
        event=info.event if info else "",
        urgency=str(info.urgency) if info else "",
        severity=str(info.severity) if info else "",
        certainty=str(info.certainty) if info else "",
        area_desc="; ".join(area.area_desc for area in info.areas) if info else "",
    )


def _matches(info: Info, wanted: FeedFilter) -> bool:
    if wanted.language and not _language_matches(info.effective_language, wanted):
        return False
    if wanted.min_severity and (
        SEVERITY_RANK[info.severity] < SEVERITY_RANK[wanted.min_severity]
    ):
        return False
    if wanted.area_code:
        codes = {code.value for area in info.areas for code in area.geocodes}
        return wanted.area_code in codes
    return True


def _language_matches(language: str, wanted: FeedFilter) -> bool:
    """``id`` matches ``id-ID``; ``id-ID`` matches only itself (any case)."""
    asked = (wanted.language or "").lower()
    have = language.lower()
    return have == asked or have.startswith(asked + "-")


def _title(info: Info | None, record: AlertRecord) -> str:
    text = (info.headline or info.event) if info else (record.headline or "")
    if record.msg_type == "Cancel":
        return f"Cancelled: {text}" if text else "Cancelled"
    return text or record.msg_type


def _summary(info: Info | None, record: AlertRecord) -> str:
    if info is None:
        return record.headline or ""
    parts = [
        f"{info.event}: urgency {info.urgency}, severity {info.severity}, "
        f"certainty {info.certainty}."
    ]
    areas = "; ".join(area.area_desc for area in info.areas)
    if areas:
        parts.append(f"Area: {areas}.")
    if info.description:
        parts.append(info.description)
    if info.instruction:
        parts.append(info.instruction)
    text = " ".join(parts)
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rstrip() + "…"
    return text
