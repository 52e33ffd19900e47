"""Thousands of corrupted messages: only ``CapError`` ever escapes.

The mutations are seeded, so a failure names a case that can be replayed.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gateway.cap import CapError, parse, validate, write
from tests.cap.factories import make_alert

DATA = Path(__file__).parent.parent / "data" / "cap"
ROUNDS = 3000
FRAGMENTS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#xD800;",
    b"]]>",
    b"<![CDATA[",
    b"<!DOCTYPE a>",
    b"<!ENTITY e 'x'>",
    b"<?pi x?>",
    b"<!-- c -->",
    b'"',
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"-00:00",
    b"Z",
    b"9999-99-99T99:99:99+99:99",
    b"1e308",
    b"nan",
    b",",
    b" ",
    b"</info>",
    b"<info>",
    b"<area><areaDesc>x</areaDesc><polygon>1,2 3,4</polygon></area>",
    b'xmlns="urn:oasis:names:tc:emergency:cap:1.1"',
]


def seeds() -> list[bytes]:
    files = sorted(DATA.rglob("*.xml"))
    return [path.read_bytes() for path in files] or [write(make_alert())]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(buf) + 1)
        choice = rng.random()
        if choice < 0.25 and buf:
            buf[min(where, len(buf) - 1)] = rng.randrange(256)
        elif choice < 0.5:
            del buf[where : where + rng.randint(1, 40)]
        elif choice < 0.8:
            buf[where:where] = rng.choice(FRAGMENTS)
        elif choice < 0.9:
            buf = buf[:where]
        else:
            start = rng.randrange(len(buf) + 1)
            buf[where:where] = buf[start : start + rng.randint(1, 200)]
    return bytes(buf)


@pytest.mark.slow
def test_corrupted_messages_raise_only_cap_errors() -> None:
    rng = random.Random(20261203)
    corpus = seeds()
    outcomes = {"parsed": 0, "refused": 0}

    for round_number in range(ROUNDS):
        data = mutate(rng.choice(corpus), rng)
        try:
            parse(data)
            outcomes["parsed"] += 1
        except CapError:
            outcomes["refused"] += 1
        except Exception as exc:
            pytest.fail(f"round {round_number}: parse raised {exc!r}")
        try:
            problems = validate(data)
        except Exception as exc:
            pytest.fail(f"round {round_number}: validate raised {exc!r}")
        assert all(problem.code and problem.message for problem in problems)

    assert outcomes["refused"] > ROUNDS // 2
    assert outcomes["parsed"] > 0
