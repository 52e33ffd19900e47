"""A recording HTTP server on 127.0.0.1 for tests: it stands in, at the
network edge, for what cannot run here (a WebSub hub, a partner's webhook
endpoint, an SMS provider) and answers from a script, in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    # The client's port: the same one for sends over a kept-alive connection.
    client_port: int = 0


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, default: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.default = default
        self.script: list[Answer] = []
        self.received: list[Request] = []
        # Seconds each answer takes, to stand in for a slow provider.
        self.delay = 0.0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def next_answer(self) -> Answer:
        return self.script.pop(0) if self.script else self.default


@contextmanager
def loopback_server(default: Answer | None = None) -> Iterator[LoopbackServer]:
    """A running server, shut down when the block ends."""
    server = LoopbackServer(default or Answer())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.server.delay)
        self.server.received.append(
            Request(self.path, dict(self.headers), body, self.client_address[1])
        )
        answer = self.server.next_answer()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, *args: Any) -> None:
        return
