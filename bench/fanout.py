"""One alert fanned out to many subscribers across SMS, email and webhooks,
against loopback providers in processes of their own, with every delivery
tracked in its row; then Apprise sending as many messages to the same
endpoint. Goals (issue 5): at least 5x Apprise's throughput, first send
within 1 s of the approval, memory flat in the number of subscribers.

Each size runs in a fresh database and a fresh gateway process
(``bench.publisher``), so its peak memory is the fan-out's. Times come from
the providers, which note ``time.time()`` as each request arrives.
Run: ``python -m bench.fanout [--subscribers N] [--dispatcher local|redis
--workers K] [--database-url postgresql+psycopg://127.0.0.1/test]``;
``--provider-latency 50`` makes the HTTP provider answer like a distant one,
``--profile`` prints where the gateway's threads spent the fan-out.

Known gap: the throughput goal is not met. On a 2-core machine the fan-out
runs at about 1 to 1.3 times Apprise, because both spend most of their CPU in
the requests library, one HTTP request per message, and the gateway adds the
tracking (claims and outcomes in SQL, about a tenth of its time). Measured on
the same loopback endpoint: requests costs about 580 µs of CPU per POST,
urllib3 alone about 280 µs, http.client about 150 µs. A leaner HTTP client in
the SMS and webhook adapters, and worker processes on more cores, are the
next steps; five times Apprise would also need providers' batch send APIs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.baseline import send_with_apprise
from bench.feeds import free_port, wait_for_port
from bench.population import parse_mix, seed_subscribers
from bench.report import FanOutRun, print_report
from bench.workers import Workers
from gateway.migrate import upgrade_database

ROOT = Path(__file__).parent.parent
APPRISE_BUDGET_SECONDS = 180.0


def main(argv: list[str] | None = None) -> None:
    options = parse_arguments(argv)
    refusal = why_mode_cannot_run(options)
    if refusal:
        print(f"fanout: skipped, {refusal}")
        return
    with (
        tempfile.TemporaryDirectory(prefix="kentongan-bench-") as folder,
        Providers(options.provider_latency) as providers,
        own_redis_keys(options),
    ):
        runs = [
            fan_out(size, options, providers, Path(folder))
            for size in sizes(options.subscribers)
        ]
        providers.reset()
        apprise_load = os.getloadavg()[0]
        baseline = send_with_apprise(
            f"json://127.0.0.1:{providers.http_port}/apprise",
            options.subscribers,
            options.apprise_budget,
        )
        apprise_seen = providers.stats().get("apprise", {}).get("requests", 0)
    print_report(options, runs, baseline, apprise_seen, apprise_load)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--dispatcher", choices=["local", "redis"], default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, help="sending threads of each worker (redis)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL; a database of the benchmark's own is "
        "created there and dropped (default: SQLite in a temporary folder)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--mix", type=parse_mix, default="sms=70,email=15,webhook=15")
    parser.add_argument("--apprise-budget", type=float, default=APPRISE_BUDGET_SECONDS)
    parser.add_argument(
        "--provider-latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="answer each HTTP POST this many milliseconds late (default 0)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where the gateway process's threads spent the fan-out",
    )
    options = parser.parse_args(argv)
    options.redis_prefix = f"kentongan-bench-{secrets.token_hex(4)}"
    if options.subscribers < 10:
        parser.error("--subscribers must be at least 10")
    return options


def sizes(subscribers: int) -> list[int]:
    """A tenth of the size, then the size, to show how memory grows."""
    return [subscribers // 10, subscribers]


def why_mode_cannot_run(options: argparse.Namespace) -> str | None:
    if options.dispatcher == "local":
        return None
    probe = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "worker", "--help"],
        capture_output=True,
        cwd=ROOT,
    )
    if probe.returncode != 0:
        return (
            "the redis dispatcher needs the `kentongan worker` command, which this "
            "version of the gateway does not have yet"
        )
    try:
        redis.Redis.from_url(options.redis_url).ping()
    except Exception as error:  # any failure to reach Redis skips the mode
        return f"Redis is not reachable at {options.redis_url} ({error})"
    return None


@contextmanager
def own_redis_keys(options: argparse.Namespace) -> Iterator[None]:
    """Delete every key under this run's own Redis prefix when it ends."""
    try:
        yield
    finally:
        if options.dispatcher == "redis":
            client = redis.Redis.from_url(options.redis_url)
            for key in client.scan_iter(match=f"{options.redis_prefix}*"):
                client.delete(key)
            client.close()


class Providers:
    """The loopback HTTP provider and SMTP server, each in its own process."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self.http_port, self.smtp_port, self.stats_port = (
            free_port(),
            free_port(),
            free_port(),
        )
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Providers:
        loopback = [sys.executable, "-m", "bench.loopback"]
        for arguments in (
            ["http", str(self.http_port), str(self.latency_ms)],
            ["smtp", str(self.smtp_port), str(self.stats_port)],
        ):
            self.processes.append(subprocess.Popen([*loopback, *arguments], cwd=ROOT))
        for port in (self.http_port, self.smtp_port, self.stats_port):
            wait_for_port(port)
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=10)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def reset(self) -> None:
        for port in (self.http_port, self.stats_port):
            requests.post(f"http://127.0.0.1:{port}/reset", timeout=10)

    def stats(self) -> dict[str, Any]:
        return self._merged("stats")

    def times(self) -> dict[str, list[float]]:
        return self._merged("times")

    def _merged(self, what: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for port in (self.http_port, self.stats_port):
            found.update(
                requests.get(f"http://127.0.0.1:{port}/{what}", timeout=30).json()
            )
        return found


def fan_out(
    size: int, options: argparse.Namespace, providers: Providers, folder: Path
) -> FanOutRun:
    """Seed a fresh database with ``size`` subscribers, publish, wait, measure."""
    with fresh_database(options.database_url, folder / f"fanout-{size}.db") as url:
        upgrade_database(url)
        seeded = seed_subscribers(url, size, options.mix, providers.http_url)
        providers.reset()
        load = os.getloadavg()[0]
        env = gateway_environment(url, options, providers, folder)
        with Workers(env, options) as workers:
            command = [sys.executable, "-m", "bench.publisher", str(size)]
            finished = subprocess.run(
                command + ["--profile"] * options.profile,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                check=True,
            )
            peaks, worker_cpu = workers.peaks_kb(), workers.cpu_seconds()
        gateway = json.loads(finished.stdout.decode().strip().splitlines()[-1])
        return FanOutRun(
            size,
            seeded,
            gateway,
            providers.stats(),
            providers.times(),
            peaks,
            worker_cpu,
            load,
        )


def gateway_environment(
    url: str, options: argparse.Namespace, providers: Providers, folder: Path
) -> dict[str, str]:
    """The settings of the gateway process and of any worker, as variables."""
    settings = {
        "DATABASE_URL": url,
        "DISPATCHER": options.dispatcher,
        "SENDER": "bpbd@padang.go.id",
        "PUBLIC_URL": "https://peringatan.padang.go.id",
        "FEEDS_DIR": str(folder / "feeds"),
        "OUTBOX_DIR": str(folder / "outbox"),
        "SMS_PROVIDER": "http-json",
        "SMS_URL": f"{providers.http_url}/sms",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(providers.smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "peringatan@padang.go.id",
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
    if options.dispatcher == "redis":
        settings["REDIS_URL"] = options.redis_url
        settings["REDIS_PREFIX"] = options.redis_prefix
    return {**os.environ, **{f"KENTONGAN_{k}": v for k, v in settings.items()}}


@contextmanager
def fresh_database(server_url: str | None, sqlite_path: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or one of our own on PostgreSQL."""
    if server_url is None:
        yield f"sqlite:///{sqlite_path}"
        return
    server = make_url(server_url)
    name = f"kentongan_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
