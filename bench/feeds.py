"""Feed requests per second through gunicorn: the gateway's ``wsgi.py`` against
a bare Flask route returning the same bytes, same server settings, one run.

Load comes from ``wrk`` (Debian package ``wrk``) on loopback; both servers run
one gunicorn worker with four threads. Also measured: the 304 path (a
matching If-None-Match) against a full answer of the bare route. Goal: the
feed path at least 0.8 of the bare route.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.factories import add_partner, partner_cap, post_cap

ROOT = Path(__file__).parent.parent
ALERTS = 20
SECONDS = 5
CONNECTIONS = 8
SERVER = ["-w", "1", "-k", "gthread", "--threads", "4", "--log-level", "warning"]


def main() -> None:
    if shutil.which("wrk") is None:
        print("feeds: skipped, wrk is not installed (apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as folder:
        env = seed_database(Path(folder))
        feed_bytes, etag = fetch_feed(env)
        body = Path(folder) / "feed.atom"
        body.write_bytes(feed_bytes)
        env["KENTONGAN_BENCH_BODY"] = str(body)
        report(env, etag, len(feed_bytes))


def seed_database(folder: Path) -> dict[str, str]:
    """A migrated SQLite database with ALERTS published partner alerts."""
    env = {
        **os.environ,
        "KENTONGAN_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "KENTONGAN_FEEDS_DIR": str(folder / "feeds"),
    }
    subprocess.run(
        [sys.executable, "-m", "gateway.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    os.environ.update(env)
    from gateway import create_app

    app = create_app()
    client = app.test_client()
    partner = add_partner(app, "publish")
    for _ in range(ALERTS):
        post_cap(client, partner, partner_cap())
    return env


def fetch_feed(env: dict[str, str]) -> tuple[bytes, str]:
    from gateway import create_app

    response = create_app().test_client().get("/feeds/alerts.atom")
    return response.data, response.headers["ETag"]


def report(env: dict[str, str], etag: str, size: int) -> None:
    with (
        Serving("wsgi:app", env) as gateway,
        Serving("bench.bare_app:app", env) as bare,
    ):
        feed_rate = measure(f"{gateway}/feeds/alerts.atom")
        bare_rate = measure(f"{bare}/feed")
        not_modified = measure(f"{gateway}/feeds/alerts.atom", etag)
    print(f"Feed requests through gunicorn ({ALERTS} alerts, {size:,} bytes)")
    print(f"  bare Flask route, same bytes:   {bare_rate:10,.0f} req/s")
    print(f"  /feeds/alerts.atom:             {feed_rate:10,.0f} req/s")
    ratio = feed_rate / bare_rate
    print(f"  ratio feed/bare:                {ratio:10.2f}  (goal >= 0.80)")
    print(f"  304 (If-None-Match):            {not_modified:10,.0f} req/s")
    print(f"  ratio 304/bare:                 {not_modified / bare_rate:10.2f}")


class Serving:
    """A gunicorn process serving ``target`` on a free loopback port."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", *SERVER]
        command += ["-b", f"127.0.0.1:{self.port}", target]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)

    def __enter__(self) -> str:
        wait_for_port(self.port)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def measure(url: str, etag: str | None = None) -> float:
    """Requests per second that wrk reaches against ``url``."""
    command = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", url]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None or ("Non-2xx" in output and not etag):
        raise SystemExit(f"wrk did not report a clean run:\n{output}")
    return float(found.group(1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"no server answered on port {port}")


if __name__ == "__main__":
    main()
