"""``kentongan cap validate`` run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cap import write
from tests.cap.factories import make_alert, make_info

KENTONGAN = [sys.executable, "-m", "gateway.cli"]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*KENTONGAN, *args], input=stdin, capture_output=True, timeout=60, check=False
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.xml"
    path.write_bytes(write(make_alert()))
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    long_headline = "Gempa " * 40
    alert = make_alert(infos=(make_info(headline=long_headline),))
    text = write(alert).decode().replace("<status>Actual", "<status>Real")
    path = tmp_path / "bad.xml"
    path.write_text(text)
    return path


def test_valid_file_exits_zero(good: Path) -> None:
    result = run("cap", "validate", str(good))

    assert result.returncode == 0, result.stdout
    assert f"{good}: valid" in result.stdout.decode()


def test_invalid_file_exits_one_and_says_where(bad: Path) -> None:
    result = run("cap", "validate", str(bad))

    out = result.stdout.decode()
    assert result.returncode == 1
    assert "INVALID" in out
    assert "/alert/status" in out


def test_json_output_is_one_object_per_file(good: Path, bad: Path) -> None:
    result = run("cap", "validate", "--json", str(good), str(bad))

    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1
    assert [r["file"] for r in records] == [str(good), str(bad)]
    assert [r["valid"] for r in records] == [True, False]
    problem = records[1]["problems"][0]
    assert set(problem) >= {"code", "location", "message", "severity"}
    severities = {p["severity"] for p in records[1]["problems"]}
    assert severities == {"error", "warning"}


def test_dash_reads_standard_input(good: Path) -> None:
    result = run("cap", "validate", "--json", "-", stdin=good.read_bytes())

    assert result.returncode == 0
    assert json.loads(result.stdout)["file"] == "-"


def test_missing_file_is_reported_as_invalid(tmp_path: Path) -> None:
    result = run("cap", "validate", str(tmp_path / "nowhere.xml"))

    assert result.returncode == 1
    assert "Cannot read" in result.stdout.decode()


def test_no_files_is_a_usage_error() -> None:
    result = run("cap", "validate")

    assert result.returncode == 2
    assert b"Usage" in result.stderr
