"""Rendered feeds and CAP files, kept until the alerts change.

A request is answered from memory. Whether anything changed is asked of the
database at most once per ``recheck_seconds`` (changes made in this process
clear the store at once), so every process notices another's publication
within that time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.http import http_date

from gateway.alerts.models import PUBLISHED_STATES, AlertRecord
from gateway.cap import Scope
from gateway.feeds.builder import FeedPage, render_atom, render_rss
from gateway.feeds.entries import FeedEntry, feed_entry
from gateway.feeds.selection import (
    DRILL_STATUSES,
    PUBLIC_STATUSES,
    FeedFilter,
    active_messages,
    change_marker,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
FORMATS = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rendered:
    """Bytes to serve, with what conditional GET needs."""

    body: bytes
    content_type: str
    etag: str
    last_modified: datetime

    @cached_property
    def validators(self) -> tuple[tuple[str, str], ...]:
        """The ETag and Last-Modified headers, formatted once."""
        return (
            ("ETag", f'"{self.etag}"'),
            ("Last-Modified", http_date(self.last_modified)),
        )


@dataclass(frozen=True, slots=True)
class FeedSettings:
    public_url: str
    language: str
    hub_url: str | None = None
    recheck_seconds: float = 1.0


def feed_path(name: str, kind: str, page: int = 1) -> str:
    """The URL path of one page of a feed, the same in the app and the export."""
    if page == 1:
        return f"/feeds/{name}.{kind}"
    return f"/feeds/pages/{name}-{page}.{kind}"


def cap_path(alert_id: str) -> str:
    return f"/feeds/cap/{alert_id}.xml"


class FeedStore:
    def __init__(self, sessions: sessionmaker[Session], settings: FeedSettings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._lock = threading.Lock()
        self._rendered: dict[tuple[Any, ...], Rendered | None] = {}
        self._entries: dict[FeedFilter, tuple[list[FeedEntry], datetime]] = {}
        self._marker: Any = None
        self._checked_at = 0.0

    def feed(self, kind: str, wanted: FeedFilter, page: int = 1) -> Rendered | None:
        """One page of a feed, or None when the page does not exist."""
        self._recheck()
        key = ("feed", kind, wanted, page)
        with self._lock:
            if key not in self._rendered:
                self._rendered[key] = self._render_feed(kind, wanted, page)
            return self._rendered[key]

    def page_count(self, wanted: FeedFilter) -> int:
        self._recheck()
        with self._lock:
            entries, _ = self._feed_entries(wanted)
        return max(1, -(-len(entries) // PAGE_SIZE))

    def cap_file(self, alert_id: str) -> Rendered | None:
        """A published public message, byte for byte; it never changes."""
        key = ("cap", alert_id)
        with self._lock:
            if key not in self._rendered:
                self._rendered[key] = self._load_cap(alert_id)
            return self._rendered[key]

    def public_message_ids(self) -> list[str]:
        with self.sessions() as session:
            return list(session.scalars(_public_messages(select(AlertRecord.id))))

    def invalidate(self) -> None:
        """Forget every rendered feed (CAP files never change)."""
        with self._lock:
            self._rendered = {
                key: value for key, value in self._rendered.items() if key[0] == "cap"
            }
            self._entries.clear()
            self._marker = None

    def current_marker(self) -> Any:
        """A value that differs whenever any message changed state."""
        with self.sessions() as session:
            return change_marker(session)

    def has_changed(self) -> bool:
        """Whether the alerts changed since the last look; clears the store if so."""
        marker = self.current_marker()
        with self._lock:
            changed: bool = marker != self._marker
            self._checked_at = time.monotonic()
        if changed:
            self.invalidate()
            with self._lock:
                self._marker = marker
        return changed

    def _recheck(self) -> None:
        if time.monotonic() - self._checked_at >= self.settings.recheck_seconds:
            self.has_changed()

    def _render_feed(self, kind: str, wanted: FeedFilter, page: int) -> Rendered | None:
        entries, updated = self._feed_entries(wanted)
        pages = max(1, -(-len(entries) // PAGE_SIZE))
        if not 1 <= page <= pages:
            return None
        feed_page = FeedPage(
            title=_title(wanted),
            subtitle="Active alerts of the city's emergency office, as CAP 1.2",
            language=wanted.language or self.settings.language,
            self_url=self._url(feed_path(_name(wanted), kind, page), wanted),
            home_url=self.settings.public_url + "/",
            updated=updated,
            entries=entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            cap_url=lambda alert_id: self.settings.public_url + cap_path(alert_id),
            hub_url=self.settings.hub_url if wanted.is_plain else None,
            paging=self._paging(kind, wanted, page, pages),
        )
        body = render_atom(feed_page) if kind == "atom" else render_rss(feed_page)
        return _rendered(body, FORMATS[kind], updated)

    def _feed_entries(self, wanted: FeedFilter) -> tuple[list[FeedEntry], datetime]:
        cached = self._entries.get(wanted)
        if cached is not None:
            return cached
        now = datetime.now(UTC)
        with self.sessions() as session:
            records = active_messages(session, wanted.drills, now)
            updated = _last_change(session, wanted.drills)
        entries = [
            entry
            for entry in (feed_entry(record, wanted) for record in records)
            if entry is not None
        ]
        self._entries[wanted] = (entries, updated)
        return entries, updated

    def _paging(
        self, kind: str, wanted: FeedFilter, page: int, pages: int
    ) -> dict[str, str]:
        if pages == 1:
            return {}
        name = _name(wanted)
        links = {
            "first": self._url(feed_path(name, kind, 1), wanted),
            "last": self._url(feed_path(name, kind, pages), wanted),
        }
        if page > 1:
            links["previous"] = self._url(feed_path(name, kind, page - 1), wanted)
        if page < pages:
            links["next"] = self._url(feed_path(name, kind, page + 1), wanted)
        return links

    def _url(self, path: str, wanted: FeedFilter) -> str:
        query = filter_query(wanted)
        return self.settings.public_url + path + (f"?{query}" if query else "")

    def _load_cap(self, alert_id: str) -> Rendered | None:
        with self.sessions() as session:
            record = session.scalars(
                _public_messages(select(AlertRecord)).where(AlertRecord.id == alert_id)
            ).first()
        if record is None or record.cap is None:
            return None
        return _rendered(record.cap, "application/cap+xml", record.published_at)


def filter_query(wanted: FeedFilter) -> str:
    """The query string naming a filter, in a fixed order."""
    pairs = [
        ("area", wanted.area_code),
        ("lang", wanted.language),
        ("severity", str(wanted.min_severity) if wanted.min_severity else None),
    ]
    return urlencode([(name, value) for name, value in pairs if value])


def _public_messages(query: Any) -> Any:
    return query.where(
        AlertRecord.state.in_([str(state) for state in PUBLISHED_STATES])
    ).where(AlertRecord.scope == str(Scope.PUBLIC))


def _last_change(session: Session, drills: bool) -> datetime:
    statuses = DRILL_STATUSES if drills else PUBLIC_STATUSES
    latest: Any = session.scalar(
        _public_messages(select(func.max(AlertRecord.updated_at))).where(
            AlertRecord.status.in_([str(status) for status in statuses])
        )
    )
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    if not isinstance(latest, datetime):
        return EPOCH
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)


def _rendered(body: bytes, content_type: str, modified: datetime | None) -> Rendered:
    return Rendered(
        body=body,
        content_type=content_type,
        etag=hashlib.sha256(body).hexdigest(),
        last_modified=modified or EPOCH,
    )


def _name(wanted: FeedFilter) -> str:
    return "drills" if wanted.drills else "alerts"


def _title(wanted: FeedFilter) -> str:
    title = "Drills and tests" if wanted.drills else "Active alerts"
    if wanted.language:
        title += f" ({wanted.language})"
    if wanted.area_code:
        title += f", area {wanted.area_code}"
    if wanted.min_severity:
        title += f", {wanted.min_severity} or worse"
    return title
