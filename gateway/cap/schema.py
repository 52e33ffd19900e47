"""Validation of CAP 1.2 documents against the project's XML Schema.

The schema (``schemas/cap-1.2.xsd``, shipped in wheels as
``gateway/_schemas/cap-1.2.xsd``) is read once, on first use, with a parser
that touches neither the network nor other files. libxml2's messages become
problems with stable codes, ``/alert/info[2]/area``-style locations and a hint
on how to fix each one. The schema's own element order is used to tell a
missing element from one that is misplaced, repeated or unknown.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.cap.document import element_path, make_hardened_parser
from gateway.cap.errors import CapError
from gateway.cap.problems import Problem, error

SCHEMA_NAME = "cap-1.2.xsd"
PACKAGED_SCHEMA = Path(__file__).resolve().parents[1] / "_schemas" / SCHEMA_NAME
SOURCE_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME
CAP12_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
SIGNATURE = "an XML signature (ds:Signature)"

DATETIME_ELEMENTS = frozenset({"sent", "effective", "onset", "expires"})
VALUE_HINTS = {
    "size": "a whole number of bytes, such as 20480",
    "altitude": "a number of feet, such as 1500 or -30.5",
    "ceiling": "a number of feet, such as 1500 or -30.5",
    "language": "a language tag such as id-ID or en-US",
    "web": "a URI such as https://www.bmkg.go.id/",
    "uri": "a URI such as https://www.bmkg.go.id/peta.png",
}
VALUE_CODES = frozenset({"schema-datetime", "schema-enumeration", "schema-type"})
MAX_QUOTED = 60

_CLARK = re.compile(r"\{[^}]*\}")
_SUBJECT = re.compile(r"^Element '([^']*)'(?:, attribute '([^']*)')?: (.*)$", re.S)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (.*) \)")
_GOT = re.compile(r"(?:The value '(.*)' is not|^'(.*)' is not a valid value)", re.S)
_STEP = re.compile(
    r"^(?:(?P<prefix>[^:\[]+):)?(?P<name>[^:\[]+)(?:\[(?P<index>\d+)\])?$"
)

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Schema:
    validator: Any
    allowed: dict[str, tuple[str, ...]]
    children: dict[str, tuple[str, ...]]


def schema_path() -> Path:
    """Where the schema file is: shipped in the package, or in the checkout."""
    for path in (PACKAGED_SCHEMA, SOURCE_SCHEMA):
        if path.is_file():
            return path
    raise CapError(
        f"The CAP 1.2 schema was found neither at {PACKAGED_SCHEMA} nor at "
        f"{SOURCE_SCHEMA}; reinstall the package or restore schemas/{SCHEMA_NAME}",
        code="schema-unavailable",
    )


def schema_is_valid(root: Any) -> bool:
    """Whether the element tree passes the CAP 1.2 schema; no details kept."""
    schema = _load_schema()
    with _lock:
        valid: bool = schema.validator.validate(root)
    return valid


def schema_problems(root: Any) -> list[Problem]:
    """Every schema error in the element tree, in document order."""
    schema = _load_schema()
    with _lock:
        if schema.validator.validate(root):
            return []
        entries = list(schema.validator.error_log)

    problems: list[Problem] = []
    for entry in entries:
        problem = _to_problem(entry, root, schema)
        if problems and _restates(problems[-1], problem):
            continue
        problems.append(problem)
    return problems


def _restates(before: Problem, after: Problem) -> bool:
    """Whether ``after`` repeats a value error already given for the element."""
    same_place = (before.code, before.location) == (after.code, after.location)
    return same_place and after.code in VALUE_CODES


@cache
def _load_schema() -> _Schema:
    path = schema_path()
    parser = make_hardened_parser()
    try:
        document = etree.fromstring(path.read_bytes(), parser)
        validator = etree.XMLSchema(document)
    except (OSError, etree.LxmlError) as exc:
        raise CapError(
            f"The CAP 1.2 schema at {path} could not be loaded ({exc}); restore "
            "the file from the repository or reinstall the package",
            code="schema-unavailable",
        ) from exc
    return _Schema(validator, _read_enumerations(document), _read_children(document))


def _read_enumerations(document: Any) -> dict[str, tuple[str, ...]]:
    """Map each element whose type is an enumeration to its allowed values."""
    values = {
        simple.get("name"): tuple(_xs(simple, "xs:restriction/xs:enumeration/@value"))
        for simple in _xs(document, "xs:simpleType[@name]")
    }
    return _by_element_type(document, values)


def _read_children(document: Any) -> dict[str, tuple[str, ...]]:
    """Map each element with element content to its children in declared order."""
    names = {
        complex_type.get("name"): tuple(
            (child.get("name") or child.get("ref")).rpartition(":")[2]
            for child in _xs(complex_type, "xs:sequence/xs:element")
        )
        for complex_type in _xs(document, "xs:complexType[@name]")
    }
    return _by_element_type(document, names)


def _by_element_type(
    document: Any, by_type: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    found = {}
    for element in _xs(document, "//xs:element[@name][@type]"):
        type_name = element.get("type").rpartition(":")[2]
        if by_type.get(type_name):
            found[element.get("name")] = by_type[type_name]
    return found


def _xs(node: Any, path: str) -> list[Any]:
    found: list[Any] = node.xpath(path, namespaces={"xs": XSD_NAMESPACE})
    return found


def _to_problem(entry: Any, root: Any, schema: _Schema) -> Problem:
    element = _find_element(root, entry.path, entry.line)
    location = element_path(element)
    line = entry.line or None
    match = _SUBJECT.match(entry.message.strip())
    if match is None:
        return error("schema", location, _plain(entry.message), line)

    name = _CLARK.sub("", match[1])
    attribute, detail = match[2], match[3]
    code, message = _describe(name, attribute, detail, element, schema)
    return error(code, location, message, line)


def _describe(
    name: str, attribute: str | None, detail: str, element: Any, schema: _Schema
) -> tuple[str, str]:
    """A stable code and a sentence for one libxml2 message about ``name``."""
    if attribute is not None:
        return "schema-attribute", (
            f"{name} does not take the attribute {_CLARK.sub('', attribute)}; "
            "CAP 1.2 elements have no attributes, so remove it"
        )
    if "No matching global declaration" in detail:
        return "schema-root", _wrong_root(name, element)
    if "Missing child element" in detail:
        return "schema-missing-element", (
            f"{name} is incomplete: the next element must be "
            f"{_phrase(_expected_names(detail))}. Add it in the CAP 1.2 order"
        )
    if "This element is not expected" in detail:
        return _unexpected(name, _expected_names(detail), element, schema)
    if "Character content other than whitespace" in detail:
        return "schema-text", (
            f"{name} may hold only child elements, but it has text between them; "
            "remove the text or move it into the element it belongs to"
        )
    if "Element content is not allowed" in detail:
        return "schema-unexpected-element", (
            f"{name} must hold text only, but it has child elements; remove them"
        )
    return _describe_value(name, detail, schema.allowed)


def _describe_value(
    name: str, detail: str, allowed: dict[str, tuple[str, ...]]
) -> tuple[str, str]:
    got = _quoted_value(detail)
    if name in DATETIME_ELEMENTS:
        return "schema-datetime", (
            f"{name} must be a date and time to the second with a UTC offset, such "
            "as 2024-05-01T14:30:00+07:00 (UTC is -00:00); 'Z', fractions of a "
            f"second and a missing offset are not allowed{got}"
        )
    if name in allowed:
        return "schema-enumeration", (
            f"{name} must be one of {', '.join(allowed[name])}, spelt exactly so "
            f"with no spaces around it{got}"
        )
    if name in VALUE_HINTS:
        return "schema-type", f"{name} must be {VALUE_HINTS[name]}{got}"
    return "schema", f"{name}: {_plain(detail)}"


def _wrong_root(name: str, element: Any) -> str:
    namespace = etree.QName(element).namespace
    found = f"in the namespace {namespace}" if namespace else "with no namespace"
    return (
        f"The root element is {name} {found}, but a CAP 1.2 message must be an "
        f'alert element in {CAP12_NAMESPACE}; declare xmlns="{CAP12_NAMESPACE}"'
    )


def _unexpected(
    name: str, expected: list[str], element: Any, schema: _Schema
) -> tuple[str, str]:
    """Say whether the element is unknown, repeated, misplaced or early."""
    parent = element.getparent()
    parent_name = etree.QName(parent).localname if parent is not None else "alert"
    order = schema.children.get(parent_name, ())
    previous = element.getprevious()
    wanted = f"expected {_phrase(expected)} here"
    if not expected:
        wanted = "nothing may come here"
    if not expected and previous is not None:
        wanted = f"nothing may follow {etree.QName(previous).localname}"
    namespace = etree.QName(element).namespace

    if namespace != CAP12_NAMESPACE:
        where = f"in the namespace {namespace}" if namespace else "in no namespace"
        return "schema-unexpected-element", (
            f"{name} ({where}) is not allowed in {parent_name}; {wanted}. CAP "
            f"elements must be in {CAP12_NAMESPACE}; fix the namespace or remove it"
        )
    if name not in order:
        return "schema-unexpected-element", (
            f"{name} is not a CAP 1.2 element of {parent_name}; {wanted}. Check "
            "the spelling or remove it"
        )
    if previous is not None and previous.tag == element.tag:
        return "schema-unexpected-element", (
            f"{name} may appear only once in {parent_name}; remove the extra one"
        )
    if _is_missing_before(element, expected, order):
        return "schema-missing-element", (
            f"{parent_name} lacks a required element before {name}: "
            f"{_phrase(expected)}. Add it in the CAP 1.2 order"
        )
    return "schema-unexpected-element", (
        f"{name} is out of order in {parent_name}; {wanted}. Put the elements in "
        f"the CAP 1.2 order: {', '.join(order)}"
    )


def _is_missing_before(
    element: Any, expected: list[str], order: tuple[str, ...]
) -> bool:
    """Whether the expected elements belong before this one and are absent."""
    wanted = [name for name in expected if name in order]
    name = etree.QName(element).localname
    if not wanted or order.index(name) < min(order.index(n) for n in wanted):
        return False
    later = {
        etree.QName(sibling).localname
        for sibling in [element, *element.itersiblings()]
        if isinstance(sibling.tag, str)
        and etree.QName(sibling).namespace == CAP12_NAMESPACE
    }
    return not later.intersection(wanted)


def _expected_names(detail: str) -> list[str]:
    match = _EXPECTED.search(detail)
    if match is None:
        return []
    signature = "{" + XMLDSIG_NAMESPACE + "}*"
    return [
        SIGNATURE if item == signature else _CLARK.sub("", item)
        for item in match[1].split(", ")
    ]


def _phrase(names: list[str]) -> str:
    if not names:
        return "another element"
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names[:-1]) + " or " + names[-1]


def _quoted_value(detail: str) -> str:
    match = _GOT.search(detail)
    if match is None:
        return ""
    value = match[1] if match[1] is not None else match[2]
    if len(value) > MAX_QUOTED:
        value = value[: MAX_QUOTED - 1] + "…"
    return f"; got '{value}'"


def _plain(message: str) -> str:
    return _CLARK.sub("", message).strip().rstrip(".")


def _find_element(root: Any, path: str | None, line: int | None) -> Any:
    """The element libxml2 reported, found by its path, else its line, else root."""
    found = _follow_path(root.getroottree().getroot(), path or "")
    if found is not None:
        return found
    for element in root.iter():
        if line and isinstance(element.tag, str) and element.sourceline == line:
            return element
    return root


def _follow_path(top: Any, path: str) -> Any:
    """Walk a libxml2 path such as ``/*/*[7]/cap:area[2]`` down from the top."""
    steps = path[1:].split("/") if path.startswith("/") else []
    if not steps or not _matches_step(top, steps[0]):
        return None
    current = top
    for step in steps[1:]:
        match = _STEP.match(step)
        if match is None:
            return None
        candidates = [child for child in current if _matches_step(child, step)]
        index = int(match["index"] or 1) - 1
        if index >= len(candidates):
            return None
        current = candidates[index]
    return current


def _matches_step(element: Any, step: str) -> bool:
    match = _STEP.match(step)
    if match is None or not isinstance(element.tag, str):
        return False
    if match["name"] == "*":
        return True
    same_prefix: bool = element.prefix == match["prefix"]
    return same_prefix and etree.QName(element).localname == match["name"]
