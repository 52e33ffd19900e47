from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.cap import Circle, InvalidMessage, Point, write
from gateway.cap.writer import format_number
from tests.cap.factories import make_alert, make_area, make_info

NS = "{urn:oasis:names:tc:emergency:cap:1.2}"


def test_output_is_utf8_with_a_declaration() -> None:
    data = write(make_alert())

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"Gempa bumi" in data
    assert "—".encode() in data


def test_elements_follow_the_schema_order() -> None:
    alert = make_alert(note="Latihan", restriction=None, codes=("IPAWSv1.0",))

    root = etree.fromstring(write(alert))

    names = [etree.QName(child).localname for child in root]
    assert names == [
        "identifier", "sender", "sent", "status", "msgType", "scope",
        "code", "note", "info",
    ]  # fmt: skip
    info_names = [etree.QName(child).localname for child in root.find(NS + "info")]
    assert info_names.index("category") < info_names.index("event")
    assert info_names.index("expires") < info_names.index("senderName")
    assert info_names[-1] == "area"


def test_utc_sent_is_written_minus_zero_never_z() -> None:
    alert = make_alert(sent=datetime(2026, 12, 3, 2, 15, tzinfo=UTC))

    data = write(alert)

    assert b"<sent>2026-12-03T02:15:00-00:00</sent>" in data
    assert b"Z<" not in data


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e-05, "0.00001"), (100.0, "100.0"), (-6.2, "-6.2"), (1e16, "10000000000000000")],
    ids=["tiny", "whole", "negative", "huge"],
)
def test_numbers_are_plain_decimals(value: float, text: str) -> None:
    assert format_number(value) == text
    assert float(text) == value


def test_non_finite_coordinates_cannot_be_written() -> None:
    area = make_area(circles=(Circle(Point(float("nan"), 100.0), 5.0),))
    alert = make_alert(infos=(make_info(areas=(area,)),))

    with pytest.raises(InvalidMessage, match="finite"):
        write(alert)


def test_text_xml_cannot_carry_is_refused() -> None:
    alert = make_alert(note="bell \x07")

    with pytest.raises(InvalidMessage, match="cannot be written"):
        write(alert)


def test_model_refuses_naive_and_fractional_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_alert(sent=datetime(2026, 12, 3, 2, 15))  # noqa: DTZ001
    with pytest.raises(ValueError, match="whole seconds"):
        make_alert(sent=datetime(2026, 12, 3, 2, 15, 0, 5, tzinfo=UTC))


def test_alerts_are_immutable() -> None:
    alert = make_alert()

    with pytest.raises(dataclasses.FrozenInstanceError):
        alert.sender = "other"  # type: ignore[misc]
