"""CAP 1.1 is read as 1.2 with notes on what changed; 1.0 is refused."""

from __future__ import annotations

import pytest

from gateway.cap import Certainty, UnsupportedVersion, parse, read, validate

CAP11 = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">
  <identifier>BMKG-2026-1203-001</identifier>
  <sender>info@bmkg.go.id</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>id-ID</language>
    <category>Geo</category>
    <event>Gempa bumi</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>{certainty}</certainty>
    {resource}
    <area><areaDesc>Sumatera Barat</areaDesc></area>
  </info>
</alert>
"""


def cap11(
    sent: str = "2026-12-03T09:15:00+07:00",
    certainty: str = "Observed",
    resource: str = "",
) -> bytes:
    return CAP11.format(sent=sent, certainty=certainty, resource=resource).encode()


def test_cap11_is_read_as_cap12_with_a_note() -> None:
    reading = read(cap11())

    assert reading.alert.identifier == "BMKG-2026-1203-001"
    assert [note.code for note in reading.notes] == ["upgraded-from-cap-1.1"]
    assert "CAP 1.1" in reading.notes[0].message


def test_very_likely_becomes_likely() -> None:
    reading = read(cap11(certainty="Very Likely"))

    assert reading.alert.infos[0].certainty is Certainty.LIKELY
    note = next(n for n in reading.notes if n.code == "upgraded-certainty")
    assert note.location == "/alert/info/certainty"


def test_missing_mime_type_is_filled_with_a_note() -> None:
    resource = "<resource><resourceDesc>Peta</resourceDesc><uri>https://x.id/p</uri></resource>"

    reading = read(cap11(resource=resource))

    assert reading.alert.infos[0].resources[0].mime_type == "application/octet-stream"
    assert "upgraded-mime-type" in [note.code for note in reading.notes]


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("2026-12-03T02:15:00Z", "2026-12-03T02:15:00-00:00"),
        ("2026-12-03T09:15:00.250+07:00", "2026-12-03T09:15:00+07:00"),
    ],
    ids=["zulu", "fraction"],
)
def test_cap11_times_are_brought_to_cap12_form(sent: str, written: str) -> None:
    reading = read(cap11(sent=sent))

    note = next(n for n in reading.notes if n.code == "upgraded-time")
    assert written in note.message
    assert reading.alert.sent.isoformat()[:19] == written[:19]


def test_validate_reports_the_upgrade_as_a_warning_only() -> None:
    problems = validate(cap11(certainty="Very Likely"))

    assert {p.code for p in problems} >= {"upgraded-from-cap-1.1", "upgraded-certainty"}
    assert not [p for p in problems if p.is_error]


def test_cap10_is_refused_with_a_clear_message() -> None:
    data = b'<alert xmlns="http://www.incident.com/cap/1.0"><identifier>x</identifier></alert>'

    with pytest.raises(UnsupportedVersion) as caught:
        parse(data)

    assert "CAP 1.0" in caught.value.message
    assert "CAP 1.2" in caught.value.message


@pytest.mark.parametrize(
    "data",
    [b"<rss version='2.0'/>", b'<alert xmlns="urn:example:other"/>', b"<alert/>"],
    ids=["rss", "foreign-namespace", "no-namespace"],
)
def test_non_cap_documents_are_refused_naming_what_was_found(data: bytes) -> None:
    with pytest.raises(UnsupportedVersion, match="not a CAP alert"):
        parse(data)
