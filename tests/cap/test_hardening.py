"""Hostile XML is refused without reading files or opening connections."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cap import (
    CapError,
    MalformedXml,
    MessageTooLarge,
    UnsafeXml,
    parse,
    validate,
    write,
)
from tests.cap.factories import make_alert

CAP = "urn:oasis:names:tc:emergency:cap:1.2"


class Listener:
    """A loopback TCP server that records whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CANARY")
    return path


def alert_with_body(prolog: str, identifier: str) -> bytes:
    text = write(make_alert()).decode()
    text = text.replace("<?xml version='1.0' encoding='UTF-8'?>", prolog, 1)
    text = text.replace("urn:oid:2.49.0.0.360.0.2026.12.3.2.15.0.1", identifier, 1)
    return text.encode()


def hostile_inputs(secret: Path, port: int) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}"
    return {
        "xxe-file": alert_with_body(
            f'<!DOCTYPE alert [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;"
        ),
        "xxe-network": alert_with_body(
            f'<!DOCTYPE alert [<!ENTITY x SYSTEM "{url}/entity">]>', "&x;"
        ),
        "external-dtd": alert_with_body(
            f'<!DOCTYPE alert SYSTEM "{url}/cap.dtd">', "plain"
        ),
        "parameter-entity": alert_with_body(
            f'<!DOCTYPE alert [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>', "plain"
        ),
        "billion-laughs": alert_with_body(
            '<!DOCTYPE alert [<!ENTITY a "lol">'
            + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                for i in range(9)
            )
            + "]>",
            "&j;",
        ),
        "utf16-doctype": alert_with_body(
            f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE alert SYSTEM "{url}/d">',
            "plain",
        )
        .decode()
        .encode("utf-16"),
        "xinclude": alert_with_body("", "plain").replace(
            b"<sender>",
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
            + f"file://{secret}".encode()
            + b'" parse="text"/><sender>',
        ),
        "xinclude-network": alert_with_body("", "plain").replace(
            b"<sender>",
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
            + f"{url}/x".encode()
            + b'"/><sender>',
        ),
    }


CASES = [
    "xxe-file",
    "xxe-network",
    "external-dtd",
    "parameter-entity",
    "billion-laughs",
    "utf16-doctype",
    "xinclude",
    "xinclude-network",
]


@pytest.mark.parametrize("case", CASES)
def test_hostile_input_is_refused_without_file_or_network_access(
    case: str, secret_file: Path, listener: Listener
) -> None:
    data = hostile_inputs(secret_file, listener.port)[case]

    with pytest.raises(CapError) as caught:
        parse(data)
    problems = validate(data)

    assert isinstance(caught.value, UnsafeXml)
    assert "TOP-SECRET-CANARY" not in str(caught.value)
    assert [p.code for p in problems if p.is_error]
    assert all("TOP-SECRET-CANARY" not in p.message for p in problems)
    assert listener.connections == 0


def test_doctype_refusal_names_the_line() -> None:
    data = b'<?xml version="1.0"?>\n\n<!DOCTYPE alert>\n<alert/>'

    with pytest.raises(UnsafeXml) as caught:
        parse(data)

    assert caught.value.line == 3
    assert "DOCTYPE" in caught.value.message


def test_input_over_the_size_limit_is_refused_before_parsing() -> None:
    data = b"<alert>" + b" " * 2048 + b"</alert>"

    with pytest.raises(MessageTooLarge) as caught:
        parse(data, max_bytes=1024)

    assert "limit is 1,024" in caught.value.message


def test_default_size_limit_is_one_mebibyte() -> None:
    data = write(make_alert(note="x" * (1024 * 1024)))

    with pytest.raises(MessageTooLarge):
        parse(data)


def test_deep_nesting_is_refused() -> None:
    data = (
        f'<alert xmlns="{CAP}">'.encode() + b"<a>" * 100 + b"</a>" * 100 + b"</alert>"
    )

    with pytest.raises(MalformedXml) as caught:
        parse(data)

    assert caught.value.code == "too-deep"


def test_syntax_error_carries_line_and_column() -> None:
    data = f'<alert xmlns="{CAP}">\n  <identifier>x</identifer>\n</alert>'.encode()

    with pytest.raises(MalformedXml) as caught:
        parse(data)

    assert caught.value.line == 2
    assert caught.value.column is not None
    assert caught.value.column > 0
    assert "line 2" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"\x00\xff\xfe", b"<", b"<?xml version='1.0'?>", b"\xef\xbb\xbf"],
    ids=["empty", "blank", "binary", "lone-bracket", "declaration-only", "bom-only"],
)
def test_garbage_raises_only_cap_errors(data: bytes) -> None:
    with pytest.raises(CapError):
        parse(data)


def test_text_input_is_refused_with_advice() -> None:
    with pytest.raises(CapError) as caught:
        parse("<alert/>")  # type: ignore[arg-type]

    assert "bytes" in caught.value.message
