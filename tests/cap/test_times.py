from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.cap.times import CapTimeError, format_cap_time, parse_cap_time

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03T09:15:00+07:00", datetime(2026, 12, 3, 9, 15, tzinfo=WIB)),
        ("2026-12-03T02:15:00-00:00", datetime(2026, 12, 3, 2, 15, tzinfo=UTC)),
        ("2026-12-03T02:15:00+00:00", datetime(2026, 12, 3, 2, 15, tzinfo=UTC)),
        (
            "2026-12-02T23:15:00-03:00",
            datetime(2026, 12, 2, 23, 15, tzinfo=timezone(timedelta(hours=-3))),
        ),
    ],
    ids=["wib", "utc-minus-zero", "utc-plus-zero", "negative-offset"],
)
def test_cap_times_are_read_with_their_offset(text: str, expected: datetime) -> None:
    parsed = parse_cap_time(text)

    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03T09:15:00Z",
        "2026-12-03T09:15:00",
        "2026-12-03T09:15:00.5+07:00",
        "2026-12-03 09:15:00+07:00",
        "2026-02-30T09:15:00+07:00",
        "2026-12-03T25:15:00+07:00",
        "2026-12-03T09:15:00+15:00",
        "2026-12-03T09:15:00+07:60",
        "0001-01-01T00:00:00+07:00",
        "9999-12-31T23:00:00-03:00",
        "",
    ],
    ids=[
        "zulu",
        "no-offset",
        "fraction",
        "space",
        "february-30",
        "hour-25",
        "offset-too-big",
        "offset-minutes",
        "before-year-1-in-utc",
        "after-year-9999-in-utc",
        "empty",
    ],
)
def test_non_cap_times_are_refused_with_the_expected_shape(text: str) -> None:
    with pytest.raises(CapTimeError, match=r"offset|date"):
        parse_cap_time(text)


def test_utc_is_written_as_minus_zero() -> None:
    assert format_cap_time(datetime(2026, 12, 3, 2, 15, tzinfo=UTC)) == (
        "2026-12-03T02:15:00-00:00"
    )


def test_offset_is_kept_when_writing() -> None:
    india = timezone(timedelta(hours=5, minutes=30))

    assert format_cap_time(datetime(2026, 12, 3, 7, 45, tzinfo=india)) == (
        "2026-12-03T07:45:00+05:30"
    )


def test_naive_time_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_cap_time(datetime(2026, 12, 3, 7, 45))  # noqa: DTZ001
