"""Content after a signature and ``xsi:type`` are refused by the rules."""

from __future__ import annotations

from pathlib import Path

from gateway.cap import validate, write
from tests.cap.factories import make_alert

QUIRKS = Path(__file__).parent.parent / "data" / "cap" / "schema-quirks"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def error_codes(data: bytes) -> list[str]:
    return [problem.code for problem in validate(data) if problem.is_error]


def test_info_after_signature_is_refused() -> None:
    data = (QUIRKS / "accepted-info-after-signature.xml").read_bytes()

    problems = [p for p in validate(data) if p.code == "content-after-signature"]

    assert len(problems) == 1
    assert problems[0].location.startswith("/alert/info")


def test_xsi_type_on_an_element_is_refused() -> None:
    text = write(make_alert()).decode()
    text = text.replace(
        "<status>", f'<status xmlns:xsi="{XSI}" xsi:type="statusType">', 1
    )

    problems = [p for p in validate(text.encode()) if p.is_error]

    assert [(p.code, p.location) for p in problems] == [
        ("xsi-type-not-allowed", "/alert/status")
    ]


def test_plain_message_has_no_structure_problems() -> None:
    assert error_codes(write(make_alert())) == []
