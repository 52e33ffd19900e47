"""Tests for reading and writing the CAP ``references`` text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.cap.model import Reference
from gateway.cap.problems import ProblemSeverity
from gateway.cap.references import (
    MalformedReferences,
    format_references,
    parse_references,
    read_references,
    restricted_characters_in,
)

WIB = timezone(timedelta(hours=7))
BPBD = Reference(
    "bpbd@padang.go.id", "BPBD-PDG-2026-0411", datetime(2026, 12, 3, 6, 15, tzinfo=WIB)
)
BMKG = Reference(
    "bmkg@bmkg.go.id", "CUACA-0411", datetime(2026, 12, 2, 22, 0, tzinfo=UTC)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00", [BPBD]),
        (
            "bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00 "
            "bmkg@bmkg.go.id,CUACA-0411,2026-12-02T22:00:00-00:00",
            [BPBD, BMKG],
        ),
        (
            "\n  bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00\n\t"
            "bmkg@bmkg.go.id,CUACA-0411,2026-12-03T05:00:00+07:00  ",
            [BPBD, BMKG],
        ),
    ],
    ids=["empty", "one-triple", "two-triples", "newlines-and-tabs-between-triples"],
)
def test_well_formed_references_are_read(text: str, expected: list[Reference]) -> None:
    assert parse_references(text) == expected
    assert read_references(text) == (expected, [])


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("bpbd@padang.go.id,BPBD-0411", ["reference-parts"]),
        ("bpbd@padang.go.id,BPBD,0411,2026-12-03T06:15:00+07:00", ["reference-parts"]),
        ("bpbd@padang.go.id", ["reference-parts"]),
        (",BPBD-0411,2026-12-03T06:15:00+07:00", ["reference-part-empty"]),
        ("bpbd@padang.go.id,,2026-12-03T06:15:00+07:00", ["reference-part-empty"]),
        ("bpbd@padang.go.id,BPBD-0411,", ["reference-part-empty"]),
        (",,", ["reference-part-empty"] * 3),
        (
            "bpbd&x@padang.go.id,BPBD-0411,2026-12-03T06:15:00+07:00",
            ["reference-restricted-characters"],
        ),
        (
            "bpbd@padang.go.id,<BPBD>,2026-12-03T06:15:00+07:00",
            ["reference-restricted-characters"],
        ),
        ("bpbd@padang.go.id,BPBD-0411,2026-12-03T06:15:00", ["reference-time-format"]),
        ("bpbd@padang.go.id,BPBD-0411,2026-12-03T06:15:00Z", ["reference-time-format"]),
        (
            "bpbd@padang.go.id,BPBD-0411,2026-02-30T06:15:00+07:00",
            ["reference-time-format"],
        ),
        (
            "bpbd@padang.go.id,BPBD-0411 bmkg@bmkg.go.id,,2026-12-03T06:15:00+07:00",
            ["reference-parts", "reference-part-empty"],
        ),
    ],
    ids=[
        "two-parts",
        "four-parts",
        "sender-only",
        "empty-sender",
        "empty-identifier",
        "empty-sent",
        "all-parts-empty",
        "ampersand-in-sender",
        "angle-bracket-in-identifier",
        "sent-without-offset",
        "sent-with-z",
        "sent-on-a-day-that-does-not-exist",
        "every-bad-triple-reported",
    ],
)
def test_malformed_references_are_reported(text: str, codes: list[str]) -> None:
    references, problems = read_references(text, location="/alert/references", line=9)

    assert references == []
    assert [problem.code for problem in problems] == codes
    assert {(p.location, p.line, p.severity) for p in problems} == {
        ("/alert/references", 9, ProblemSeverity.ERROR)
    }


def test_good_triples_are_kept_beside_bad_ones() -> None:
    text = (
        "bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00 "
        "bmkg@bmkg.go.id,CUACA-0411"
    )
    references, problems = read_references(text)
    assert references == [BPBD]
    assert [problem.code for problem in problems] == ["reference-parts"]


def test_problem_message_names_the_triple_and_the_fix() -> None:
    _, (problem,) = read_references("a,b c,d,2026-12-03T06:15:00+07:00")
    assert problem.message == (
        "Reference 1 'a,b' has 2 comma-separated parts; write each reference as "
        "sender,identifier,sent and separate references by spaces."
    )


def test_utc_written_plus_zero_is_a_warning_and_still_read() -> None:
    text = "bmkg@bmkg.go.id,CUACA-0411,2026-12-02T22:00:00+00:00"
    references, problems = read_references(text)

    assert references == [BMKG]
    assert [(p.code, p.severity) for p in problems] == [
        ("utc-plus-zero", ProblemSeverity.WARNING)
    ]
    assert parse_references(text) == [BMKG]


def test_parse_raises_with_every_problem() -> None:
    text = "a,b c,,2026-12-03T06:15:00+07:00 d,e,f"
    with pytest.raises(MalformedReferences) as caught:
        parse_references(text)

    codes = [problem.code for problem in caught.value.problems]
    assert codes == ["reference-parts", "reference-part-empty", "reference-time-format"]
    assert caught.value.code == "reference-parts"
    assert caught.value.location == "/alert/references"


@pytest.mark.parametrize(
    ("references", "text"),
    [
        ([], ""),
        ([BPBD], "bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00"),
        (
            [BPBD, BMKG],
            "bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:15:00+07:00 "
            "bmkg@bmkg.go.id,CUACA-0411,2026-12-02T22:00:00-00:00",
        ),
    ],
    ids=["none", "one", "two-with-utc-as-minus-zero"],
)
def test_references_are_formatted(references: list[Reference], text: str) -> None:
    assert format_references(references) == text


@pytest.mark.parametrize(
    "reference",
    [
        Reference("bpbd padang", "A-1", BPBD.sent),
        Reference("bpbd@padang.go.id", "A,1", BPBD.sent),
        Reference("bpbd@padang.go.id", "A&1", BPBD.sent),
        Reference("", "A-1", BPBD.sent),
        Reference("bpbd@padang.go.id", "A-1\n", BPBD.sent),
    ],
    ids=[
        "space-in-sender",
        "comma-in-identifier",
        "ampersand",
        "empty-sender",
        "newline",
    ],
)
def test_unwritable_reference_is_refused(reference: Reference) -> None:
    with pytest.raises(MalformedReferences, match="no spaces, commas"):
        format_references([reference])


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("BPBD-PDG-2026-0412", []),
        ("BPBD PDG", ["a space"]),
        ("BPBD\tPDG,0412", ["a space", "','"]),
        ("<bpbd&bnpb>", ["'<'", "'&'"]),
    ],
    ids=["clean", "space", "tab-and-comma", "angle-and-ampersand"],
)
def test_restricted_characters_are_described(value: str, described: list[str]) -> None:
    assert restricted_characters_in(value) == described


names = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Zs", "Zl", "Zp")
    ),
    min_size=1,
).filter(lambda name: not restricted_characters_in(name))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))
instants = st.integers(631_152_000, 4_102_444_800).map(
    lambda seconds: datetime.fromtimestamp(seconds, UTC)
)
times = st.builds(
    lambda instant, offset: instant.astimezone(timezone(offset)), instants, offsets
)


@given(st.lists(st.builds(Reference, names, names, times), max_size=5))
def test_formatted_references_read_back_equal(references: list[Reference]) -> None:
    assert parse_references(format_references(references)) == references
