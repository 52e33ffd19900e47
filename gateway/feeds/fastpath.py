"""A WSGI layer in front of Flask that answers the hottest requests — plain
feeds, their pages and CAP files, by GET or HEAD without a query — straight
from the feed store, as a static file server would.

Everything else, filtered feeds and unknown paths included, goes on to Flask,
whose feed views answer the same bytes with the same headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from gateway.feeds.answers import CAP_CACHE, FEED_CACHE, answer_headers, client_has
from gateway.feeds.selection import FeedFilter
from gateway.feeds.store import FeedStore, Rendered

FEED_PATH = re.compile(r"/feeds/(?:pages/)?(alerts|drills)(?:-(\d{1,6}))?\.(atom|rss)")
CAP_PATH = re.compile(r"/feeds/cap/([0-9a-f]{32})\.xml")
FILTERS = {"alerts": FeedFilter(drills=False), "drills": FeedFilter(drills=True)}

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class FeedFastPath:
    def __init__(self, store: FeedStore, application: WsgiApp) -> None:
        self.store = store
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        found = self._lookup(environ)
        if found is None:
            return self.application(environ, start_response)
        rendered, cache_control = found

        if client_has(rendered, environ):
            headers = answer_headers(rendered, cache_control, with_body=False)
            start_response("304 Not Modified", headers)
            return [b""]
        start_response(
            "200 OK", answer_headers(rendered, cache_control, with_body=True)
        )
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [rendered.body]

    def _lookup(self, environ: dict[str, Any]) -> tuple[Rendered, str] | None:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        if environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        feed = FEED_PATH.fullmatch(path)
        if feed is not None:
            return self._feed(path, *feed.groups())
        cap = CAP_PATH.fullmatch(path)
        if cap is not None:
            rendered = self.store.cap_file(cap.group(1))
            return (rendered, CAP_CACHE) if rendered else None
        return None

    def _feed(
        self, path: str, name: str, page: str | None, kind: str
    ) -> tuple[Rendered, str] | None:
        if (page is None) != ("/pages/" not in path) or (page and int(page) < 2):
            return None
        rendered = self.store.feed(kind, FILTERS[name], int(page or 1))
        return (rendered, FEED_CACHE) if rendered else None
