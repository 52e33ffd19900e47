"""Loopback providers for the fan-out benchmark, each run in a process of its
own so it neither shares the gateway's GIL nor becomes the bottleneck.

``http`` is an asyncio HTTP/1.1 server with keep-alive that answers every POST
200 at once; it stands in for the HTTP JSON SMS provider, webhook endpoints
and Apprise's ``json://`` target. ``smtp`` is an aiosmtpd server accepting
every message. Both note the time (``time.time()``) and reference of each
request, by kind: the first path segment (``/sms``, ``/hooks``, ``/apprise``)
or ``email``. ``GET /stats`` answers the counts, ``GET /times`` every
timestamp, ``POST /reset`` forgets them.

Run: ``python -m bench.loopback http PORT [LATENCY_MS]`` (each POST answered
that much later, as a distant provider would) or
``python -m bench.loopback smtp PORT STATS_PORT``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

HEAD_END = b"\r\n\r\n"
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
# The headers that name a request's message, so resends are visible.
REFERENCE_HEADERS = ("idempotency-key", "webhook-id")


@dataclass(slots=True)
class Tally:
    """What one kind of request has seen."""

    times: array[float] = field(default_factory=lambda: array("d"))
    references: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": len(self.times),
            "distinct": len(self.references),
            "first": self.times[0] if self.times else None,
            "last": self.times[-1] if self.times else None,
        }


class Recorder:
    """Every request's arrival time and reference, by kind."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}

    def note(self, kind: str, reference: str) -> None:
        tally = self.tallies.setdefault(kind, Tally())
        tally.times.append(time.time())
        tally.references.add(reference)

    def stats(self) -> dict[str, Any]:
        return {kind: tally.as_dict() for kind, tally in self.tallies.items()}

    def times(self) -> dict[str, list[float]]:
        return {kind: tally.times.tolist() for kind, tally in self.tallies.items()}

    def reset(self) -> None:
        self.tallies.clear()


class HttpEndpoint(asyncio.Protocol):
    """One keep-alive connection: parse requests as they come, answer at once."""

    def __init__(self, recorder: Recorder, latency: float) -> None:
        self.recorder = recorder
        self.latency = latency
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and self._answer_one():
            pass

    def _answer_one(self) -> bool:
        """Answer the first complete request in the buffer; False if none is."""
        end = self.buffer.find(HEAD_END)
        if end < 0:
            return False
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + len(HEAD_END)
        length = int(headers.get("content-length") or 0)
        if len(self.buffer) < start + length:
            return False
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]

        status, answer = self._route(method, target, headers, body)
        close = headers.get("connection", "") == "close"
        if self.latency and method == "POST" and path_of(target) != "/reset":
            loop = asyncio.get_running_loop()
            loop.call_later(self.latency, self._respond, status, answer, close)
        else:
            self._respond(status, answer, close)
        return True

    def _route(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, bytes]:
        path = path_of(target)
        if method == "GET" and path == "/stats":
            return "200 OK", json.dumps(self.recorder.stats()).encode()
        if method == "GET" and path == "/times":
            return "200 OK", json.dumps(self.recorder.times()).encode()
        if method == "POST" and path == "/reset":
            self.recorder.reset()
            return "200 OK", b"{}"
        if method != "POST":
            return "405 Method Not Allowed", b"{}"
        kind = path.strip("/").split("/")[0] or "root"
        reference = (
            next(
                (headers[name] for name in REFERENCE_HEADERS if name in headers),
                None,
            )
            or hashlib.sha1(body, usedforsecurity=False).hexdigest()
        )
        self.recorder.note(kind, reference)
        return "200 OK", b'{"id": "%d"}' % len(self.recorder.tallies[kind].times)

    def _respond(self, status: str, body: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        if close:
            self.transport.close()
            self.transport = None


class Mailbox:
    """An aiosmtpd handler that takes every message and notes its Message-ID."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        found = MESSAGE_ID.search(content)
        reference = found.group(1).decode() if found else str(len(content))
        self.recorder.note("email", reference)
        return "250 OK"


def path_of(target: str) -> str:
    return target.split("?")[0]


async def serve_http(port: int, recorder: Recorder, latency: float = 0.0) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpEndpoint(recorder, latency), "127.0.0.1", port, backlog=1024
    )
    await server.serve_forever()


async def serve_smtp(port: int, stats_port: int, recorder: Recorder) -> None:
    loop = asyncio.get_running_loop()
    mailbox = Mailbox(recorder)
    await loop.create_server(
        lambda: SMTP(mailbox, hostname="loopback.invalid"), "127.0.0.1", port
    )
    await serve_http(stats_port, recorder)


def main(argv: list[str]) -> None:
    recorder = Recorder()
    if argv[:1] == ["http"] and len(argv) in (2, 3):
        latency = float(argv[2]) / 1000 if len(argv) == 3 else 0.0
        asyncio.run(serve_http(int(argv[1]), recorder, latency))
    elif argv[:1] == ["smtp"] and len(argv) == 3:
        asyncio.run(serve_smtp(int(argv[1]), int(argv[2]), recorder))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
