"""Apprise as the baseline of the fan-out benchmark: the same number of
messages to the same loopback endpoint, the way a simple integration sends
them (one ``Apprise`` object with one ``json://`` URL, ``notify`` per
message; Apprise has no batching of many messages to one target).

Apprise opens a new connection per message and tracks nothing. If the whole
count would take longer than the budget, it is measured on a sample of
10,000 (or whatever the budget allowed) and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import apprise

SAMPLE = 10_000


@dataclass(frozen=True, slots=True)
class AppriseRun:
    wanted: int
    sent: int
    failed: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def is_sample(self) -> bool:
        return self.sent + self.failed < self.wanted


def send_with_apprise(url: str, count: int, budget_seconds: float) -> AppriseRun:
    """Notify ``url`` ``count`` times, or a sample if that would pass the budget."""
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise SystemExit(f"Apprise did not accept the URL {url}")
    sent = failed = 0
    started = time.perf_counter()
    for number in range(count):
        ok = notifier.notify(
            title="Peringatan banjir Batang Kuranji",
            body=f"Pindahkan keluarga ke tempat yang lebih tinggi. ({number})",
        )
        sent, failed = sent + bool(ok), failed + (not ok)
        if _is_over_budget(started, number + 1, count, budget_seconds):
            break
    return AppriseRun(count, sent, failed, time.perf_counter() - started)


def _is_over_budget(started: float, done: int, count: int, budget: float) -> bool:
    """Past the budget already, or at the sample size and sure to pass it."""
    elapsed = time.perf_counter() - started
    if elapsed > budget:
        return True
    return done == SAMPLE and elapsed / done * count > budget
