"""Atom 1.0 and RSS 2.0 documents of feed entries, with feedgen.

Paged as RFC 5005 describes (``first``, ``previous``, ``next``, ``last``
links, newest entries on the first page). A small feedgen extension fills two
gaps of feedgen 1.0: RSS gets the hub and paging links as ``atom:link``
elements (feedgen writes only the self link there), and Atom entry links get
their ``rel`` and ``type`` (feedgen drops both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from gateway.feeds.entries import FeedEntry

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
GENERATOR = "Kentongan"


@dataclass(frozen=True, slots=True)
class FeedPage:
    """What one document of a feed holds and where its neighbours are."""

    title: str
    subtitle: str
    language: str
    self_url: str
    home_url: str
    updated: datetime
    entries: list[FeedEntry]
    cap_url: Any
    hub_url: str | None = None
    paging: dict[str, str] = field(default_factory=dict)


def render_atom(page: FeedPage) -> bytes:
    generator = _generator(page)
    generator.id(page.self_url)
    generator.link(href=page.self_url, rel="self", type="application/atom+xml")
    for rel, href in _extra_links(page):
        generator.link(href=href, rel=rel)
    generator.link(href=page.home_url, rel="alternate", type="text/html")
    _add_entries(generator, page)
    return bytes(generator.atom_str(pretty=False))


def render_rss(page: FeedPage) -> bytes:
    generator = _generator(page)
    generator.link(href=page.self_url, rel="self", type="application/rss+xml")
    generator.link(href=page.home_url, rel="alternate")
    generator.lastBuildDate(page.updated)
    generator.pubDate(page.updated)
    generator.kentongan.rss_links = list(_extra_links(page))
    _add_entries(generator, page)
    return bytes(generator.rss_str(pretty=False))


def _generator(page: FeedPage) -> FeedGenerator:
    generator = FeedGenerator()
    generator.title(page.title)
    generator.subtitle(page.subtitle)
    generator.description(page.subtitle)
    generator.language(page.language)
    generator.updated(page.updated)
    generator.generator(GENERATOR)
    generator.register_extension("kentongan", _FeedLinks, _EntryLinks)
    return generator


def _extra_links(page: FeedPage) -> list[tuple[str, str]]:
    links = [("hub", page.hub_url)] if page.hub_url else []
    return links + sorted(page.paging.items())


def _add_entries(generator: FeedGenerator, page: FeedPage) -> None:
    for item in page.entries:
        entry = generator.add_entry(order="append")
        entry.id(item.identifier)
        entry.guid(item.identifier, permalink=False)
        entry.title(item.title)
        entry.summary(item.summary)
        entry.updated(item.sent)
        entry.published(item.sent)
        entry.pubDate(item.sent)
        entry.link(href=page.cap_url(item.alert_id), rel="alternate", type=CAP_TYPE)
        for term in (item.event, item.urgency, item.severity, item.certainty):
            if term:
                entry.category(term=term)
        if item.area_desc:
            entry.category(term=item.area_desc, scheme="urn:kentongan:area")


class _FeedLinks(BaseExtension):  # type: ignore[misc]
    """Adds ``atom:link`` elements (hub, paging) to an RSS channel."""

    def __init__(self) -> None:
        self.rss_links: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed.find("channel")
        for rel, href in self.rss_links:
            link = channel.makeelement(f"{{{ATOM_NS}}}link", {"rel": rel, "href": href})
            channel.append(link)
        return feed


class _EntryLinks(BaseEntryExtension):  # type: ignore[misc]
    """Marks each Atom entry link as the alternate, CAP form of the entry."""

    def extend_atom(self, entry: Any) -> Any:
        for link in entry:
            if str(link.tag).rpartition("}")[2] != "link":
                continue
            link.set("rel", "alternate")
            link.set("type", CAP_TYPE)
        return entry
