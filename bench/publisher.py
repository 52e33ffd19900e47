"""The gateway side of one fan-out run, in a process of its own so its peak
memory is the fan-out's: build the app from the ``KENTONGAN_*`` settings it
was started with, have an author write and submit the alert and an approver
approve it, then watch the delivery rows in SQL until none is left to send.

Prints one JSON line on stdout: the approval's start and end (``time.time()``),
the summary of the rows, this process's resident memory before the approval
and at its peak (VmHWM: ``ru_maxrss`` would count the parent's memory, kept
across the exec), and the CPU time it used from the approval to the end.
Run by ``bench.fanout``: ``python -m bench.publisher EXPECTED_ROWS
[--profile]``; with ``--profile`` it prints where its threads spent the
fan-out, on stderr.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.population import draft_content
from bench.sampler import StackSampler
from bench.workers import read_status_kb
from gateway import create_app
from gateway.alerts.models import AlertRecord
from gateway.db import transaction
from gateway.dispatch.models import Delivery, DeliveryStatus
from gateway.dispatch.summary import summarise
from gateway.runtime import runtime
from tests.factories import Caller, add_staff

POLL_SECONDS = 0.5
STALL_SECONDS = 60
UNFINISHED = (str(DeliveryStatus.QUEUED), str(DeliveryStatus.SENDING))


def main(argv: list[str]) -> None:
    expected, profiling = int(argv[0]), "--profile" in argv
    app = create_app()
    client = app.test_client()
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    alert_id, content_hash = submit_draft(client, author)
    sessions = runtime(app).sessions
    baseline_kb = read_status_kb("self", "VmRSS")
    sampler = StackSampler()
    if profiling:
        sampler.start()

    cpu_before = cpu_seconds()
    approve_started = time.time()
    approved = client.post(
        f"/api/v1/alerts/{alert_id}/approve",
        json={"contentHash": content_hash},
        headers=approver.headers,
    )
    approve_returned = time.time()
    if approved.status_code != 200:
        raise SystemExit(f"the approval was refused: {approved.get_json()}")

    finished = wait_for_rows(sessions, alert_id, expected)
    cpu_used = cpu_seconds() - cpu_before
    if profiling:
        sampler.stop()
        sampler.print_top()
    result = {
        "approveStarted": approve_started,
        "approveReturned": approve_returned,
        "rowsFinished": finished,
        "summary": summary_of(sessions, alert_id),
        "baselineKb": baseline_kb,
        "peakKb": read_status_kb("self", "VmHWM"),
        "cpuSeconds": cpu_used,
    }
    runtime(app).dispatcher.shutdown()
    print(json.dumps(result), flush=True)


def submit_draft(client: FlaskClient, author: Caller) -> tuple[str, str]:
    """Write and submit the draft; its id and the content hash to approve."""
    created = client.post(
        "/api/v1/alerts", json=draft_content(), headers=author.headers
    )
    if created.status_code != 201:
        raise SystemExit(f"the draft was refused: {created.get_json()}")
    alert_id = created.get_json()["id"]
    submitted = client.post(f"/api/v1/alerts/{alert_id}/submit", headers=author.headers)
    if submitted.status_code != 200:
        raise SystemExit(f"the draft could not be submitted: {submitted.get_json()}")
    return alert_id, submitted.get_json()["contentHash"]


def wait_for_rows(
    sessions: sessionmaker[Session], alert_id: str, expected: int
) -> float | None:
    """When every expected row had left queued and sending; None if it stalled."""
    done, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < STALL_SECONDS:
        total, unfinished = count_rows(sessions, alert_id)
        if total >= expected and unfinished == 0:
            show_progress(total, expected, end=True)
            return time.time()
        if total - unfinished != done:
            done, last_change = total - unfinished, time.monotonic()
            show_progress(done, expected)
        time.sleep(POLL_SECONDS)
    show_progress(done, expected, end=True)
    return None


def count_rows(sessions: sessionmaker[Session], alert_id: str) -> tuple[int, int]:
    """The alert's rows, and how many of them are still queued or sending."""
    with transaction(sessions) as session:
        rows = session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.alert_id == alert_id)
            .group_by(Delivery.status)
        ).all()
    total = sum(count for _, count in rows)
    return total, sum(count for status, count in rows if status in UNFINISHED)


def summary_of(sessions: sessionmaker[Session], alert_id: str) -> dict[str, Any]:
    with transaction(sessions) as session:
        record = session.get(AlertRecord, alert_id)
        assert record is not None
        return summarise(session, record).as_dict()


def cpu_seconds() -> float:
    """CPU time this process has used, user and system, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def show_progress(done: int, expected: int, *, end: bool = False) -> None:
    """A counter on the terminal while rows are worked; nothing when piped."""
    if not sys.stderr.isatty():
        return
    sys.stderr.write(f"\r  fan-out: {done:,} of {expected:,} rows done")
    sys.stderr.write("\n" if end else "")
    sys.stderr.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
