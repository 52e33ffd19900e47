"""``kentongan subscribers import`` against real migrated databases (SQLite and
PostgreSQL through ``database_url``): idempotent, every row accounted for."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.cli import main
from gateway.db import make_engine, make_session_factory, transaction
from gateway.residents.importer import import_subscribers
from gateway.residents.models import Subscriber, SubscriberTag
from tests.residents.factories import csv_row, csv_text, push_subscription, write_csv

SECRET = "whsec_0123456789abcdef"


def kentongan(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        list(args),
        env={"KENTONGAN_DATABASE_URL": url},
        catch_exceptions=False,
        prog_name="kentongan",
    )


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def stored(url: str) -> list[tuple[Any, ...]]:
    """Every subscriber with its tags, in a comparable form."""
    with session_on(url) as session:
        subscribers = session.scalars(select(Subscriber).order_by(Subscriber.id))
        tags = session.execute(select(SubscriberTag)).scalars().all()
        by_id: dict[int, list[str]] = {}
        for tag in tags:
            by_id.setdefault(tag.subscriber_id, []).append(f"{tag.kind}:{tag.value}")
        return [
            (
                row.channel,
                row.address,
                row.language,
                row.lat,
                row.lon,
                row.verified,
                row.opted_out_at,
                sorted(by_id.get(row.id, [])),
            )
            for row in subscribers
        ]


def four_channels() -> list[dict[str, str]]:
    return [
        csv_row(address="081234567890", areas="1371030 1371031", groups="rt05"),
        csv_row(channel="email", address="Siti@Example.ID", language="en"),
        csv_row(channel="webpush", address=push_subscription(), lat="", lon=""),
        csv_row(
            channel="webhook",
            address=f"https://media.example.id/cap {SECRET}",
            language="",
            areas="1371",
        ),
    ]


def test_import_stores_every_channel_in_canonical_form(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "residents.csv", four_channels())

    result = kentongan(database_url, "subscribers", "import", str(path))

    assert result.exit_code == 0, result.stderr
    assert "4 rows read: 4 accepted (4 added, 0 updated" in result.stdout
    assert "Importing" in result.stderr
    rows = stored(database_url)
    assert [(row[0], row[1]) for row in rows] == [
        ("sms", "+6281234567890"),
        ("email", "siti@example.id"),
        ("webpush", "https://push.example.net/send/abc123"),
        ("webhook", "https://media.example.id/cap"),
    ]
    assert rows[0][7] == ["area:1371030", "area:1371031", "group:rt05"]
    assert rows[2][3:5] == (None, None)
    assert all(row[5] for row in rows)


def test_importing_the_same_file_again_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "residents.csv", four_channels())
    kentongan(database_url, "subscribers", "import", str(path))
    before = stored(database_url)

    again = kentongan(database_url, "subscribers", "import", str(path))

    assert again.exit_code == 0, again.stderr
    assert "4 accepted (0 added, 4 updated" in again.stdout
    assert stored(database_url) == before


def test_reimport_replaces_areas_and_groups_but_keeps_an_opt_out(
    database_url: str, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [csv_row(areas="A B", groups="rt01")])
    kentongan(database_url, "subscribers", "import", str(first))
    with session_on(database_url) as session:
        subscriber = session.scalars(select(Subscriber)).one()
        subscriber.opted_out_at = subscriber.created_at

    second = write_csv(tmp_path / "second.csv", [csv_row(areas="C", language="en")])
    kentongan(database_url, "subscribers", "import", str(second))

    [row] = stored(database_url)
    assert row[2] == "en"
    assert row[6] is not None
    assert row[7] == ["area:C"]


def test_duplicate_entries_of_one_person_collapse_to_one(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "residents.csv",
        [
            csv_row(address="081234567890", language="id-ID"),
            csv_row(address="+62 812-3456-7890", language="en-US"),
            csv_row(channel="email", address="siti@example.id"),
            csv_row(channel="email", address="SITI@EXAMPLE.ID"),
        ],
    )

    result = kentongan(database_url, "subscribers", "import", str(path))

    assert "4 rows read: 4 accepted (2 added, 0 updated, 2 repeating" in result.stdout
    rows = stored(database_url)
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("sms", "+6281234567890", "en-US"),
        ("email", "siti@example.id", "id-ID"),
    ]


def test_rejected_rows_are_reported_with_row_number_and_reason(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "residents.csv",
        [
            csv_row(address="081234567890"),
            csv_row(channel="fax", address="0751 123456"),
            csv_row(address="0812 9999 8888", lat="-0.9", lon=""),
            csv_row(channel="email", address="not-an-email"),
            csv_row(address="0813 1111 2222", lat="95", lon="100"),
        ],
    )
    rejects = tmp_path / "rejects.csv"

    result = kentongan(
        database_url, "subscribers", "import", str(path), "--rejects", str(rejects)
    )

    assert result.exit_code == 1
    assert "5 rows read: 1 accepted (1 added, 0 updated, 0 repeating an earlier " in (
        result.stdout
    )
    assert "4 rejected." in result.stdout
    reported = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [line.split(":")[0] for line in reported] == [
        "row 3",
        "row 4",
        "row 5",
        "row 6",
    ]
    assert reported[0].endswith("[unknown-channel]")
    assert "Give both lat and lon" in reported[1]
    with rejects.open(newline="") as stream:
        written = list(csv.DictReader(stream))
    assert [(row["row"], row["channel"]) for row in written] == [
        ("3", "fax"),
        ("4", "sms"),
        ("5", "email"),
        ("6", "sms"),
    ]
    assert "from -90 to 90" in written[3]["reason"]
    assert len(stored(database_url)) == 1


def test_rejects_file_can_be_corrected_and_imported(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "residents.csv", [csv_row(lat="x", lon="100")])
    rejects = tmp_path / "rejects.csv"
    kentongan(sqlite_url, "subscribers", "import", str(path), "--rejects", str(rejects))

    fixed = rejects.read_text().replace(",x,", ",-0.9,")
    rejects.write_text(fixed)
    result = kentongan(sqlite_url, "subscribers", "import", str(rejects))

    assert result.exit_code == 0, result.stderr
    assert [row[3] for row in stored(sqlite_url)] == [-0.9]


def test_file_without_the_required_columns_is_refused(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(csv_text([csv_row()], header=("channel", "address", "language")))

    result = kentongan(sqlite_url, "subscribers", "import", str(path))

    assert result.exit_code == 1
    assert "lacks the column(s) lat, lon, areas, groups" in result.stderr
    assert stored(sqlite_url) == []


@pytest.mark.parametrize("batch_size", [1, 2, 1000], ids=["one", "two", "large"])
def test_every_row_is_accounted_for_whatever_the_batch_size(
    database_url: str, batch_size: int
) -> None:
    numbers = [f"0812 0000 {n % 7:04d}" for n in range(20)]
    rows = [
        (index + 2, csv_row(address=number)) for index, number in enumerate(numbers)
    ]
    rows.append((22, csv_row(address="bad")))
    engine = make_engine(database_url)

    report = import_subscribers(
        make_session_factory(engine), rows, region="ID", batch_size=batch_size
    )
    engine.dispose()

    assert (report.read, report.added, report.duplicates, report.rejected) == (
        21,
        7,
        13,
        1,
    )
    assert report.accepted + report.rejected == report.read
    assert len(stored(database_url)) == 7


def test_unknown_default_region_is_refused_with_the_variable(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "residents.csv", [csv_row()])

    result = CliRunner().invoke(
        main,
        ["subscribers", "import", str(path)],
        env={"KENTONGAN_DATABASE_URL": sqlite_url, "KENTONGAN_DEFAULT_REGION": "XX"},
        catch_exceptions=False,
    )

    assert result.exit_code == 1
    assert "KENTONGAN_DEFAULT_REGION 'XX'" in result.stderr
    assert stored(sqlite_url) == []
