"""The real gateway on a loopback port, for a browser to use.

``running_gateway(folder)`` migrates a fresh SQLite database in ``folder``,
seeds it with ``kentongan demo seed``, starts ``kentongan serve`` on a free
127.0.0.1 port and waits for ``/healthz``; leaving the block stops it. The
server's output goes to ``folder/server.log``, quoted when it fails to start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gateway.demo import DemoAccount, read_accounts

START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
COMMAND = (sys.executable, "-m", "gateway.cli")


class GatewayFailed(RuntimeError):
    """The gateway could not be seeded or did not answer in time."""


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running gateway: where it answers and what it was seeded with."""

    url: str
    folder: Path
    accounts: dict[str, DemoAccount]
    log: Path

    @property
    def outbox(self) -> Path:
        return self.folder / "outbox"


@contextmanager
def running_gateway(
    folder: Path, extra_environment: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Seed and serve a gateway in ``folder``; stop it when the block ends.

    ``extra_environment`` adds or overrides settings (``KENTONGAN_*``)."""
    port = free_port()
    environment = {**gateway_environment(folder, port), **(extra_environment or {})}
    accounts_file = folder / "demo-accounts.txt"
    run_command(environment, "db", "upgrade")
    run_command(environment, "demo", "seed", "--accounts-file", str(accounts_file))

    log = folder / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(url, server, log)
            accounts = {a.role: a for a in read_accounts(accounts_file)}
            yield LiveServer(url, folder, accounts, log)
        finally:
            stop(server)


def gateway_environment(folder: Path, port: int) -> dict[str, str]:
    """The caller's environment with the gateway's settings pointed at ``folder``.

    Settings that would reach shared services (Redis, providers) are removed,
    so the server is alone with its files.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("KENTONGAN_")
    }
    environment.update(
        {
            "KENTONGAN_ENV": "development",
            "KENTONGAN_DATABASE_URL": f"sqlite:///{folder / 'kentongan.db'}",
            "KENTONGAN_FEEDS_DIR": str(folder / "feeds"),
            "KENTONGAN_OUTBOX_DIR": str(folder / "outbox"),
            "KENTONGAN_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "KENTONGAN_SENDER": "bpbd@padang.go.id",
        }
    )
    return environment


def run_command(environment: dict[str, str], *arguments: str) -> str:
    """Run a ``kentongan`` command; its output, or ``GatewayFailed``."""
    done = subprocess.run(
        [*COMMAND, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise GatewayFailed(
            f"'kentongan {' '.join(arguments)}' exited {done.returncode}:\n"
            f"{done.stdout}{done.stderr}"
        )
    return done.stdout


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise GatewayFailed(
                f"the gateway exited {server.returncode} while starting:\n{_tail(log)}"
            )
        if _answers(f"{url}/healthz"):
            return
        time.sleep(0.1)
    raise GatewayFailed(
        f"the gateway did not answer {url}/healthz within "
        f"{START_TIMEOUT_SECONDS} s:\n{_tail(log)}"
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ask gunicorn to stop (SIGTERM), and kill it if it lingers."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
