"""``kentongan areas`` and ``kentongan shelters`` through click's runner against
real migrated databases (SQLite and PostgreSQL through ``database_url``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gateway.cli import main
from gateway.places.demo import AREAS_FILE, SHELTERS_FILE
from tests.places.factories import (
    DROP,
    area_feature,
    route_feature,
    shelter_feature,
    write_geojson,
)


def kentongan(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        list(args),
        env={"KENTONGAN_DATABASE_URL": url},
        catch_exceptions=False,
        prog_name="kentongan",
    )


def test_areas_import_prints_counts_and_again_changes_nothing(
    database_url: str,
) -> None:
    first = kentongan(database_url, "areas", "import", str(AREAS_FILE))
    second = kentongan(database_url, "areas", "import", str(AREAS_FILE))

    assert first.exit_code == 0, first.stderr
    assert first.stdout == (
        "areas: 6 added, 0 updated, 0 unchanged\n0 of 6 features rejected.\n"
    )
    assert second.exit_code == 0
    assert "areas: 0 added, 0 updated, 6 unchanged" in second.stdout


def test_shelters_import_counts_shelters_and_routes(database_url: str) -> None:
    result = kentongan(database_url, "shelters", "import", str(SHELTERS_FILE))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "shelters: 8 added, 0 updated, 0 unchanged",
        "routes: 4 added, 0 updated, 0 unchanged",
        "0 of 12 features rejected.",
    ]


def test_a_rejected_feature_is_listed_and_exits_1(
    database_url: str, tmp_path: Path
) -> None:
    path = write_geojson(
        tmp_path / "shelters.geojson",
        shelter_feature(),
        shelter_feature(id="SH-2", capacity=-3),
        route_feature(shelter="SH-2"),
    )

    result = kentongan(database_url, "shelters", "import", str(path))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'feature 1 (SH-2): The property "capacity" is -3; give a whole number '
        "from 0 to 1000000. [invalid-number]",
        'feature 2 (RT-1): The route leads to shelter "SH-2", which is neither '
        "stored nor an accepted shelter of this file; import that shelter first, "
        'or correct the route\'s "shelter". [unknown-shelter]',
    ]
    assert "shelters: 1 added" in result.stdout
    assert "2 of 3 features rejected." in result.stdout


def test_level_option_fills_and_checks_the_level(
    database_url: str, tmp_path: Path
) -> None:
    path = write_geojson(
        tmp_path / "villages.geojson",
        area_feature(code="1371020001", level=DROP),
        area_feature(code="1371020002", level="district"),
    )

    imported = kentongan(
        database_url, "areas", "import", str(path), "--level", "kelurahan"
    )
    listed = kentongan(database_url, "areas", "list", "--level", "village")

    assert imported.exit_code == 1
    assert "feature 1 (1371020002)" in imported.stderr
    assert "[level-mismatch]" in imported.stderr
    assert listed.stdout.splitlines() == [
        "code        name           level",
        "1371020001  Kecamatan Uji  village",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("not json", "The file is not JSON", id="not-json"),
        pytest.param(
            '{"type": "Feature"}',
            "The file is JSON but not a GeoJSON FeatureCollection",
            id="feature",
        ),
    ],
)
def test_an_unusable_file_is_one_error_and_exits_1(
    database_url: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text(content, encoding="utf-8")

    result = kentongan(database_url, "areas", "import", str(path))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}: {message}")
    assert result.stdout == ""


def test_a_missing_file_exits_1(database_url: str, tmp_path: Path) -> None:
    result = kentongan(
        database_url, "shelters", "import", str(tmp_path / "absent.geojson")
    )

    assert result.exit_code == 1
    assert "cannot be read" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["areas", "import"], id="no-file"),
        pytest.param(["areas", "import", "x.geojson", "--level", "rt"], id="level"),
        pytest.param(["shelters", "import", "a", "b"], id="two-files"),
        pytest.param(["areas", "list", "--level"], id="level-without-value"),
    ],
)
def test_usage_errors_exit_2(database_url: str, args: list[str]) -> None:
    result = kentongan(database_url, *args)

    assert result.exit_code == 2
    assert "Error: " in result.stderr


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        pytest.param(["areas", "import"], "code, name and level", id="areas-import"),
        pytest.param(["areas", "list"], "code, name and level", id="areas-list"),
        pytest.param(["shelters", "import"], "capacity", id="shelters-import"),
    ],
)
def test_each_command_has_help(
    database_url: str, args: list[str], mentions: str
) -> None:
    result = kentongan(database_url, *args, "--help")

    assert result.exit_code == 0
    assert mentions in " ".join(result.stdout.split())


def test_areas_list_prints_code_name_and_level(database_url: str) -> None:
    empty = kentongan(database_url, "areas", "list")
    kentongan(database_url, "areas", "import", str(AREAS_FILE))

    listed = kentongan(database_url, "areas", "list")
    districts = kentongan(database_url, "areas", "list", "--level", "kecamatan")

    assert empty.stdout.startswith("No areas yet")
    assert listed.stdout.splitlines()[:3] == [
        "code     name                     level",
        "1371     Kota Padang              city",
        "1371010  Kecamatan Pesisir Utara  district",
    ]
    assert len(listed.stdout.splitlines()) == 7
    assert [line.split()[0] for line in districts.stdout.splitlines()[1:]] == [
        "1371050",
        "1371030",
        "1371040",
        "1371020",
        "1371010",
    ]
