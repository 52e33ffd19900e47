"""The figures of the fan-out benchmark, from what the providers saw and what
the delivery rows say, printed as a table with the goals beside them."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from typing import Any

from bench.baseline import AppriseRun

PROVIDER_KIND = {"sms": "sms", "email": "email", "webhook": "hooks"}
PERCENTS = (50, 90, 99)
GOAL_RATIO = 5.0
GOAL_FIRST_SEND_SECONDS = 1.0
LABEL_WIDTH = 34
CELL_WIDTH = 14


@dataclass(slots=True)
class FanOutRun:
    """What one size's fan-out did, as the providers and the rows tell it."""

    size: int
    seeded: dict[str, int]
    gateway: dict[str, Any]
    stats: dict[str, Any]
    times: dict[str, list[float]]
    worker_peaks_kb: list[int] = field(default_factory=list)
    worker_cpu_seconds: float = 0.0
    load_before: float = 0.0

    @property
    def approved_at(self) -> float:
        return float(self.gateway["approveReturned"])

    @property
    def approval_seconds(self) -> float:
        return self.approved_at - float(self.gateway["approveStarted"])

    def arrivals(self, channel: str | None = None) -> list[float]:
        kinds = [PROVIDER_KIND[channel]] if channel else list(PROVIDER_KIND.values())
        return sorted(moment for kind in kinds for moment in self.times.get(kind, []))

    def per_second(self, channel: str | None = None) -> float | None:
        """Requests per second from the first to the last that arrived."""
        moments = self.arrivals(channel)
        if len(moments) < 2 or moments[-1] == moments[0]:
            return None
        return len(moments) / (moments[-1] - moments[0])

    def seconds_to(self, percent: float, channel: str | None = None) -> float | None:
        """Seconds from the approval until ``percent`` of the sends had arrived."""
        moments = self.arrivals(channel)
        wanted = self.seeded[channel] if channel else self.size
        needed = max(1, math.ceil(wanted * percent / 100))
        if len(moments) < needed:
            return None
        return moments[needed - 1] - self.approved_at

    def rows_say(self, percent: int) -> float | None:
        found: float | None = self.gateway["summary"]["secondsToPercent"][str(percent)]
        return found

    def duplicates(self) -> int:
        kinds = PROVIDER_KIND.values()
        return sum(
            tally["requests"] - tally["distinct"]
            for kind, tally in self.stats.items()
            if kind in kinds
        )

    def not_sent(self) -> dict[str, dict[str, int]]:
        """Rows that did not end sent, by channel and status."""
        counts: dict[str, dict[str, int]] = self.gateway["summary"]["counts"]
        found = {
            channel: {status: n for status, n in statuses.items() if status != "sent"}
            for channel, statuses in counts.items()
        }
        missing = self.size - sum(sum(by.values()) for by in counts.values())
        if missing:
            found["(no row)"] = {"missing": missing}
        return {channel: statuses for channel, statuses in found.items() if statuses}

    def cpu_seconds(self, whose: str) -> float:
        """CPU time of the gateway process or of all workers during the run."""
        if whose == "workers":
            return self.worker_cpu_seconds
        return float(self.gateway["cpuSeconds"])

    @property
    def worker_peak_kb(self) -> int:
        return max(self.worker_peaks_kb, default=0)


def print_report(
    options: argparse.Namespace,
    runs: list[FanOutRun],
    baseline: AppriseRun,
    apprise_seen: int,
    apprise_load: float,
) -> None:
    large = runs[-1]
    mix = ", ".join(f"{channel} {n:,}" for channel, n in large.seeded.items())
    database = "PostgreSQL" if options.database_url else "SQLite"
    dispatcher = options.dispatcher
    if dispatcher == "redis":
        dispatcher += f" with {options.workers} workers"
    print(f"Fan-out of one alert to {large.size:,} subscribers ({mix})")
    print(f"  dispatcher {dispatcher}, {database}, loopback providers in processes")
    if options.provider_latency:
        late = f"{options.provider_latency:g} ms"
        print(f"  the HTTP provider answers each POST {late} after it came")
    print_runs(runs)
    print_baseline(large, baseline, apprise_seen, apprise_load)


def print_runs(runs: list[FanOutRun]) -> None:
    def line(label: str, cell: Callable[[FanOutRun], str], goal: str = "") -> None:
        cells = "".join(f"{cell(run):>{CELL_WIDTH}}" for run in runs)
        print(f"  {label:<{LABEL_WIDTH}}{cells}  {goal}".rstrip())

    line("subscribers", lambda run: f"{run.size:,}")
    cores = f"load average before ({os.cpu_count()} cores)"
    line(cores, lambda run: f"{run.load_before:.1f}")
    line("approval call", lambda run: seconds(run.approval_seconds))
    line(
        "first send after approval",
        lambda run: seconds(run.seconds_to(0)),
        f"(goal < {GOAL_FIRST_SEND_SECONDS:.0f} s)",
    )
    for percent in PERCENTS:
        line(f"time to {percent} % sent", partial(seconds_to, percent=percent))
    line("rows say 99 % (whole seconds)", lambda run: seconds(run.rows_say(99)))
    line("deliveries/s, first to last send", lambda run: rate(run.per_second()))
    for channel in runs[-1].seeded:
        line(f"  {channel}", partial(per_second, channel=channel))
        line("    time to 99 %", partial(seconds_to, percent=99, channel=channel))
    line("gateway CPU per delivery", lambda run: cpu_per_delivery(run, "gateway"))
    line("gateway CPU busy, of one core", lambda run: busy_share(run, "gateway"))
    if any(run.worker_peaks_kb for run in runs):
        line("workers' CPU per delivery", lambda run: cpu_per_delivery(run, "workers"))
        line("workers' CPU busy, of one core", lambda run: busy_share(run, "workers"))
    line("rows not sent", lambda run: f"{count_of(run.not_sent()):,}")
    line("duplicate requests at providers", lambda run: f"{run.duplicates():,}")
    line("gateway RSS before approval", lambda run: mib(run.gateway["baselineKb"]))
    line(
        "gateway peak RSS",
        lambda run: mib(run.gateway["peakKb"]),
        "(goal: flat in subscribers)",
    )
    if any(run.worker_peaks_kb for run in runs):
        line("worker peak RSS, largest", lambda run: mib(run.worker_peak_kb))
    print_growth(runs[0], runs[-1])
    for run in runs:
        for channel, statuses in run.not_sent().items():
            print(f"  NOT SENT of {run.size:,}: {channel} {statuses}")


def seconds_to(run: FanOutRun, percent: int, channel: str | None = None) -> str:
    return seconds(run.seconds_to(percent, channel))


def per_second(run: FanOutRun, channel: str) -> str:
    return rate(run.per_second(channel))


def cpu_per_delivery(run: FanOutRun, whose: str) -> str:
    sent = len(run.arrivals())
    return f"{run.cpu_seconds(whose) / sent * 1e6:,.0f} µs" if sent else "-"


def busy_share(run: FanOutRun, whose: str) -> str:
    """CPU seconds used per second from the approval to the last row."""
    end = run.gateway["rowsFinished"] or max(run.arrivals(), default=run.approved_at)
    wall = end - run.approved_at
    return f"{run.cpu_seconds(whose) / wall:.0%}" if wall > 0 else "-"


def print_growth(small: FanOutRun, large: FanOutRun) -> None:
    grown = (large.gateway["peakKb"] - small.gateway["peakKb"]) * 1024
    print(
        f"  peak RSS grows {grown / (large.size - small.size):,.0f} bytes per "
        f"subscriber from {small.size:,} to {large.size:,}"
    )


def print_baseline(
    large: FanOutRun, baseline: AppriseRun, apprise_seen: int, load: float
) -> None:
    tried = baseline.sent + baseline.failed
    print(
        f"Apprise {version('apprise')}, json:// to the same endpoint, one notify each"
    )
    if baseline.is_sample:
        projected = baseline.seconds / tried * baseline.wanted
        print(
            f"  measured on a SAMPLE of {tried:,} of {baseline.wanted:,} messages "
            f"(all would take ~{projected:,.0f} s)"
        )
    else:
        print(f"  all {baseline.wanted:,} messages in {baseline.seconds:,.1f} s")
    print(f"  {'load average before':<{LABEL_WIDTH}}{load:{CELL_WIDTH}.1f}")
    print(f"  {'messages/s':<{LABEL_WIDTH}}{baseline.per_second:{CELL_WIDTH},.0f}")
    print(f"  {'failed notify calls':<{LABEL_WIDTH}}{baseline.failed:{CELL_WIDTH},}")
    print(f"  {'requests the endpoint got':<{LABEL_WIDTH}}{apprise_seen:{CELL_WIDTH},}")
    ours = large.per_second()
    if ours and baseline.per_second:
        ratio = f"{ours / baseline.per_second:.2f}x"
        print(
            f"  {'ratio ours/Apprise':<{LABEL_WIDTH}}{ratio:>{CELL_WIDTH}}  "
            f"(goal >= {GOAL_RATIO:.0f}x; ours at {large.size:,})"
        )


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def count_of(not_sent: dict[str, dict[str, int]]) -> int:
    return sum(sum(statuses.values()) for statuses in not_sent.values())
