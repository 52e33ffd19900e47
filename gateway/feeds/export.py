"""Static export: the feeds and CAP files written under the feeds folder, so
nginx or a CDN can serve them with no app in the path.

Each file is written beside its final name and renamed over it, so a reader
never sees half a file. Paths mirror the URLs: ``alerts.atom``,
``pages/alerts-2.atom``, ``cap/<id>.xml``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from gateway.feeds.selection import FeedFilter
from gateway.feeds.store import FORMATS, FeedStore, cap_path, feed_path

logger = logging.getLogger(__name__)

PLAIN_FEEDS = (FeedFilter(drills=False), FeedFilter(drills=True))


def export_feeds(store: FeedStore, directory: str | Path) -> list[Path]:
    """Write every plain feed page and every public CAP file; the paths written."""
    root = Path(directory)
    written = []
    for wanted in PLAIN_FEEDS:
        written += _export_feed(store, root, wanted)
    for alert_id in store.public_message_ids():
        target = _target(root, cap_path(alert_id))
        if target.exists():
            continue
        rendered = store.cap_file(alert_id)
        if rendered is not None:
            write_atomically(target, rendered.body)
            written.append(target)
    logger.info("feeds exported files=%s directory=%s", len(written), root)
    return written


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so readers see the old file or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _export_feed(store: FeedStore, root: Path, wanted: FeedFilter) -> list[Path]:
    written = []
    pages = store.page_count(wanted)
    name = "drills" if wanted.drills else "alerts"
    for kind in FORMATS:
        for page in range(1, pages + 1):
            rendered = store.feed(kind, wanted, page)
            if rendered is None:
                continue
            target = _target(root, feed_path(name, kind, page))
            write_atomically(target, rendered.body)
            written.append(target)
        _remove_pages_after(root, name, kind, pages)
    return written


def _remove_pages_after(root: Path, name: str, kind: str, pages: int) -> None:
    page = pages + 1
    while (stale := _target(root, feed_path(name, kind, page))).exists():
        stale.unlink()
        page += 1


def _target(root: Path, url_path: str) -> Path:
    return root / url_path.removeprefix("/feeds/")
