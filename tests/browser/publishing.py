"""Publishing alerts into a live gateway's database from the test process, for
browser tests whose subject is what residents see rather than the console.

An app of the test's own opens the live server's SQLite file and feeds folder,
so the two share every row; the alert goes through the same API calls,
two-person approval and publishing as any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from gateway import create_app
from gateway.runtime import runtime
from tests.browser.live import LiveServer
from tests.factories import add_staff, draft_content, publish_draft


@contextmanager
def app_beside(server: LiveServer) -> Iterator[Flask]:
    """An app on ``server``'s database and feeds; its fan-outs are finished
    and its workers stopped afterwards."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{server.folder / 'kentongan.db'}",
            "FEEDS_DIR": str(server.folder / "feeds"),
            "OUTBOX_DIR": str(server.outbox),
            "PUBLIC_URL": server.url,
            "SENDER": "bpbd@padang.go.id",
        }
    )
    try:
        yield app
    finally:
        dispatcher = runtime(app).dispatcher
        dispatcher.wait_idle()
        dispatcher.shutdown()


def publish_alert(server: LiveServer, **overrides: Any) -> dict[str, Any]:
    """Write, submit and approve an alert in ``server``; its JSON."""
    with app_beside(server) as app:
        author, approver = add_staff(app, "author"), add_staff(app, "approver")
        content = draft_content(**overrides)
        return publish_draft(app.test_client(), author, approver, content)
