"""A wall-clock sampling profiler of the other threads of this process, for
``bench.fanout --profile``: every few milliseconds it notes where each busy
thread is, including time spent waiting for a socket or a database lock,
which cProfile (one thread, CPU and calls) does not show across a pool.

A thread parked in the pool's queue or a condition's ``wait`` is idle and not
counted. Shares are of busy-thread samples: "self" where the thread was,
"inside" any call on its stack.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path
from types import FrameType

IDLE = {("queue.py", "get"), ("threading.py", "wait"), ("thread.py", "_worker")}
ROOT = str(Path(__file__).parent.parent) + "/"


class StackSampler:
    """Samples every other thread's stack until stopped."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples = 0
        self.where: Counter[str] = Counter()
        self.inside: Counter[str] = Counter()
        self._stop = threading.Event()
        self._ignored = {threading.get_ident()}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        self._ignored.add(threading.get_ident())
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident not in self._ignored:
                    self._note(frame)

    def _note(self, frame: FrameType) -> None:
        if (Path(frame.f_code.co_filename).name, frame.f_code.co_name) in IDLE:
            return
        stack: list[str] = []
        current: FrameType | None = frame
        while current is not None:
            stack.append(describe(current))
            current = current.f_back
        self.samples += 1
        self.where[stack[0]] += 1
        self.inside.update(set(stack))

    def print_top(self, count: int = 25) -> None:
        """The busiest places, and the gateway functions most often on a stack."""
        total = self.samples or 1
        print(f"Busy-thread samples: {self.samples:,}", file=sys.stderr)
        print("  self  where the thread was", file=sys.stderr)
        for name, seen in self.where.most_common(count):
            print(f"  {seen / total:5.1%}  {name}", file=sys.stderr)
        print("  inside  gateway function on the stack", file=sys.stderr)
        ours = [(n, s) for n, s in self.inside.most_common() if n.startswith("gw ")]
        for name, seen in ours[:count]:
            print(f"  {seen / total:7.1%}  {name}", file=sys.stderr)


def describe(frame: FrameType) -> str:
    """``gw gateway/dispatch/work.py:send_batch`` for ours, the file name else."""
    path = frame.f_code.co_filename
    if path.startswith(ROOT + "gateway/"):
        return f"gw {path.removeprefix(ROOT)}:{frame.f_code.co_name}"
    if "site-packages/" in path:
        package = path.split("site-packages/")[-1].split("/")[0]
        return f"{package}/…/{Path(path).name}:{frame.f_code.co_name}"
    return f"{Path(path).name}:{frame.f_code.co_name}"
