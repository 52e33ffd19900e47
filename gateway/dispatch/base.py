"""What every dispatcher does, whichever way it moves the work."""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    def alerts_published(self, alert_ids: list[str]) -> None:
        """Plan and start the fan-out of newly published messages."""

    def sweep(self) -> int:
        """Re-queue rows whose lease ran out, plan what was never planned and
        start whatever is due; how many leases ran out."""

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until nothing is due or in flight; False on timeout."""

    def shutdown(self) -> None:
        """Stop starting work and let this process's work finish."""
