"""``kentongan cap validate|sign|verify`` run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cap import write
from tests.cap.factories import make_alert, make_info
from tests.cap.signing_keys import Signer, make_certificate, make_key, write_signer

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


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    key = make_key("rsa")
    return write_signer(tmp_path, "bpbd", key, make_certificate(key, "BPBD Padang"))


def sign_with(signer: Signer, message: Path) -> subprocess.CompletedProcess[bytes]:
    key, cert = str(signer.key_path), str(signer.cert_path)
    return run("cap", "sign", "--key", key, "--cert", cert, str(message))


def test_signed_output_verifies_against_the_trusted_certificate(
    good: Path, signer: Signer, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.xml"

    sign = sign_with(signer, good)
    signed.write_bytes(sign.stdout)
    verify = run("cap", "verify", "--trust", str(signer.cert_path), str(signed))

    assert sign.returncode == 0, sign.stderr
    assert b"SignatureValue>" in sign.stdout
    assert verify.returncode == 0, verify.stderr
    assert "signature valid" in verify.stdout.decode()
    assert "BPBD Padang" in verify.stdout.decode()


def test_tampered_message_fails_verification_with_the_reason(
    good: Path, signer: Signer, tmp_path: Path
) -> None:
    sign = sign_with(signer, good)
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(sign.stdout.replace(b"Gempa bumi", b"Gempa kecil"))

    verify = run("cap", "verify", "--trust", str(signer.cert_path), str(tampered))

    assert verify.returncode == 1
    assert "NOT accepted" in verify.stderr.decode()


def test_untrusted_signer_is_refused(
    good: Path, signer: Signer, tmp_path: Path
) -> None:
    other_key = make_key("rsa")
    (tmp_path / "other").mkdir()
    other = write_signer(
        tmp_path / "other", "other", other_key, make_certificate(other_key, "Other")
    )
    sign = sign_with(signer, good)
    signed = tmp_path / "signed.xml"
    signed.write_bytes(sign.stdout)

    verify = run("cap", "verify", "--trust", str(other.cert_path), str(signed))

    assert verify.returncode == 1
    assert "trust" in verify.stderr.decode().lower()


def test_sign_with_a_missing_key_file_says_which(good: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"

    result = run(
        "cap", "sign", "--key", str(missing), "--cert", str(missing), str(good)
    )

    assert result.returncode == 1
    assert "missing.pem" in result.stderr.decode()


def test_sign_without_key_option_is_a_usage_error(good: Path) -> None:
    result = run("cap", "sign", str(good))

    assert result.returncode == 2
