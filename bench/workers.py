"""The ``kentongan worker`` processes of the benchmark's redis mode, and what
Linux's /proc says about them: peak resident memory and CPU time, counted for
each worker and any process it starts."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
SETTLE_SECONDS = 30.0
# A worker using less CPU than this per second is taken to be idle.
IDLE_SHARE = 0.05


class Workers:
    """``kentongan worker`` processes for the redis dispatcher (none for local)."""

    def __init__(self, env: dict[str, str], options: argparse.Namespace) -> None:
        self.env = env
        self.count = options.workers if options.dispatcher == "redis" else 0
        self.threads: int | None = options.threads
        self.processes: list[subprocess.Popen[bytes]] = []
        self.cpu_at_start = 0.0

    def __enter__(self) -> Workers:
        command = [sys.executable, "-m", "gateway.cli", "worker"]
        if self.threads:
            command += ["--threads", str(self.threads)]
        for _ in range(self.count):
            self.processes.append(subprocess.Popen(command, cwd=ROOT, env=self.env))
        self.cpu_at_start = self._wait_until_idle()
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)

    def peaks_kb(self) -> list[int]:
        """The peak resident memory of each worker and of each of its children."""
        return [
            peak
            for pid in self._pids()
            if (peak := read_status_kb(pid, "VmHWM")) is not None
        ]

    def cpu_seconds(self) -> float:
        """CPU time the workers used since they had started up and gone idle."""
        return self._cpu() - self.cpu_at_start

    def _wait_until_idle(self) -> float:
        """Wait out the workers' start-up; their CPU time once idle."""
        deadline = time.monotonic() + SETTLE_SECONDS
        used = self._cpu()
        while self.processes and time.monotonic() < deadline:
            time.sleep(0.5)
            now = self._cpu()
            if now - used < IDLE_SHARE * 0.5 * self.count:
                return now
            used = now
        return used

    def _pids(self) -> list[int]:
        return [pid for process in self.processes for pid in process_tree(process.pid)]

    def _cpu(self) -> float:
        return sum(cpu_of(pid) for pid in self._pids())


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def read_status_kb(pid: int | str, field: str) -> int | None:
    """A size in KiB from /proc/PID/status (``VmRSS``, ``VmHWM``…); pid may be
    ``"self"``."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def cpu_of(pid: int) -> float:
    """User and system CPU seconds of one process, all its threads."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND
