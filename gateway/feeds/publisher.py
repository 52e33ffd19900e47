"""What happens when alerts change: the feeds are rendered anew, exported to
the feeds folder, and the WebSub hub is pinged.

Changes committed in this process arrive through ``alerts_changed`` (the
session hook in ``gateway.runtime``); changes made by other processes are
found by ``refresh_if_changed``, which the scheduler runs every second.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from gateway.feeds.export import export_feeds
from gateway.feeds.store import FeedStore, feed_path
from gateway.feeds.websub import ping_hub

logger = logging.getLogger(__name__)


class FeedPublisher:
    def __init__(
        self, store: FeedStore, export_dir: str | Path | None, hub_url: str | None
    ) -> None:
        self.store = store
        self.export_dir = export_dir
        self.hub_url = hub_url
        self._lock = threading.Lock()
        self._published_marker: Any = None

    def alerts_changed(self) -> None:
        """Alerts changed in this process: refresh everything now.

        Runs after the change was committed, so a failure here must not fail
        the request that made it: it is logged, and the scheduler's refresh
        tries again within a second.
        """
        self.store.invalidate()
        try:
            self._publish(self.store.current_marker())
        except Exception:  # the change is committed; the refresh job retries
            logger.exception("feed refresh after a change failed")

    def refresh_if_changed(self) -> bool:
        """Refresh when alerts changed since the last export; whether they did."""
        marker = self.store.current_marker()
        if marker == self._published_marker:
            return False
        self.store.invalidate()
        self._publish(marker)
        return True

    def feed_urls(self) -> list[str]:
        base = self.store.settings.public_url
        return [
            base + feed_path(name, kind)
            for name in ("alerts", "drills")
            for kind in ("atom", "rss")
        ]

    def _publish(self, marker: Any) -> None:
        with self._lock:
            if self.export_dir:
                export_feeds(self.store, self.export_dir)
            self._published_marker = marker
        if self.hub_url:
            threading.Thread(
                target=ping_hub,
                args=(self.hub_url, self.feed_urls()),
                name="websub-ping",
                daemon=True,
            ).start()
