"""The fan-out benchmark's machinery on a small population: every delivery
reaches the loopback providers once, and so do Apprise's messages. Its
figures are printed by ``bench.fanout``, never asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import fanout
from bench.baseline import send_with_apprise

pytestmark = pytest.mark.slow


def test_fan_out_reaches_every_subscriber_once(tmp_path: Path) -> None:
    options = fanout.parse_arguments(["--subscribers", "60"])

    with fanout.Providers() as providers:
        run = fanout.fan_out(60, options, providers, tmp_path)

    assert run.not_sent() == {}
    assert len(run.arrivals()) == 60
    assert run.duplicates() == 0
    assert run.seconds_to(99) is not None


def test_apprise_baseline_reaches_the_same_endpoint() -> None:
    with fanout.Providers() as providers:
        url = f"json://127.0.0.1:{providers.http_port}/apprise"
        sent = send_with_apprise(url, 20, budget_seconds=60)
        seen = providers.stats()["apprise"]["requests"]

    assert (sent.sent, sent.failed, seen) == (20, 0, 20)
    assert not sent.is_sample
