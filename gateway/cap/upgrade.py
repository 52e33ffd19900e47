"""Recognise the CAP version of a tree and bring CAP 1.1 up to 1.2.

CAP 1.1 and 1.2 differ little: the namespace; ``Very Likely`` certainty,
deprecated in 1.1, is ``Likely`` in 1.2; ``mimeType`` became required in a
resource; and 1.2 times are whole seconds with a numeric offset. Each change
made is returned as a warning so the sender can see what was changed.
CAP 1.0 (a different structure) is refused.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from gateway.cap.document import element_path
from gateway.cap.errors import UnsupportedVersion
from gateway.cap.model import CAP10_NAMESPACE, CAP11_NAMESPACE, CAP12_NAMESPACE
from gateway.cap.problems import Problem, warning

OLD = "{" + CAP11_NAMESPACE + "}"
NEW = "{" + CAP12_NAMESPACE + "}"
TIME_ELEMENTS = ("sent", "effective", "onset", "expires")
CAP11_TIME = re.compile(
    r"(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?(?P<zone>Z)?"
    r"(?P<offset>[-+]\d{2}:\d{2})?"
)
UNKNOWN_MIME_TYPE = "application/octet-stream"


def to_cap12(root: Any) -> tuple[Any, list[Problem]]:
    """Return a CAP 1.2 tree for ``root`` and the changes made to get there."""
    namespace = etree.QName(root).namespace
    name = etree.QName(root).localname
    if name == "alert" and namespace == CAP12_NAMESPACE:
        return root, []
    if name == "alert" and namespace == CAP11_NAMESPACE:
        return _upgrade_cap11(root)
    if namespace == CAP10_NAMESPACE:
        raise UnsupportedVersion(
            "CAP 1.0 messages are not accepted; send CAP 1.2 "
            f"(namespace {CAP12_NAMESPACE})",
            code="cap-1.0",
            line=root.sourceline,
        )
    found = f"<{name}> in namespace '{namespace}'" if namespace else f"<{name}>"
    raise UnsupportedVersion(
        f"This is not a CAP alert: the root element is {found}; a CAP 1.2 message "
        f'starts with <alert xmlns="{CAP12_NAMESPACE}">',
        code="not-cap",
        line=root.sourceline,
    )


def _upgrade_cap11(root: Any) -> tuple[Any, list[Problem]]:
    notes = [
        warning(
            "upgraded-from-cap-1.1",
            "/alert",
            "This is a CAP 1.1 message; it was read as CAP 1.2. Send CAP 1.2 "
            f"(namespace {CAP12_NAMESPACE}) to avoid conversion.",
            root.sourceline,
        )
    ]
    root = _renamed(root)
    notes += _fix_certainty(root)
    notes += _fix_mime_types(root)
    notes += _fix_times(root)
    return root, notes


def _renamed(root: Any) -> Any:
    """A copy of the tree with every CAP 1.1 element moved to the 1.2 namespace."""
    copy = etree.Element(NEW + "alert", nsmap={None: CAP12_NAMESPACE})
    copy.text = root.text
    copy.sourceline = root.sourceline
    _copy_children(root, copy)
    return copy


def _copy_children(source: Any, target: Any) -> None:
    for child in source:
        tag = child.tag
        if tag.startswith(OLD):
            tag = NEW + tag[len(OLD) :]
        new = etree.SubElement(target, tag, attrib=dict(child.attrib))
        new.text, new.tail = child.text, child.tail
        new.sourceline = child.sourceline
        _copy_children(child, new)


def _fix_certainty(root: Any) -> list[Problem]:
    notes = []
    for el in root.iterfind(f"{NEW}info/{NEW}certainty"):
        if el.text == "Very Likely":
            el.text = "Likely"
            notes.append(
                warning(
                    "upgraded-certainty",
                    element_path(el),
                    "Certainty 'Very Likely' (deprecated in CAP 1.1) became 'Likely'.",
                    el.sourceline,
                )
            )
    return notes


def _fix_mime_types(root: Any) -> list[Problem]:
    notes = []
    for resource in root.iterfind(f"{NEW}info/{NEW}resource"):
        if resource.find(NEW + "mimeType") is not None:
            continue
        desc = resource.find(NEW + "resourceDesc")
        mime_type = etree.Element(NEW + "mimeType")
        mime_type.text = UNKNOWN_MIME_TYPE
        if desc is None:
            resource.insert(0, mime_type)
        else:
            desc.addnext(mime_type)
        notes.append(
            warning(
                "upgraded-mime-type",
                element_path(resource),
                f"The resource had no mimeType, required in CAP 1.2; "
                f"'{UNKNOWN_MIME_TYPE}' was filled in.",
                resource.sourceline,
            )
        )
    return notes


def _fix_times(root: Any) -> list[Problem]:
    notes = []
    elements = [root.find(NEW + "sent")]
    for name in TIME_ELEMENTS[1:]:
        elements += root.findall(f"{NEW}info/{NEW}{name}")
    for el in elements:
        if el is None or el.text is None:
            continue
        fixed = _cap12_time(el.text.strip())
        if fixed is not None and fixed != el.text:
            notes.append(
                warning(
                    "upgraded-time",
                    element_path(el),
                    f"Time '{el.text}' was written as '{fixed}' (CAP 1.2 allows no "
                    "fractions of a second and writes UTC as -00:00).",
                    el.sourceline,
                )
            )
            el.text = fixed
    return notes


def _cap12_time(text: str) -> str | None:
    match = CAP11_TIME.fullmatch(text)
    if match is None or (match["zone"] and match["offset"]):
        return None
    if match["zone"]:
        return f"{match['stamp']}-00:00"
    if match["offset"]:
        return f"{match['stamp']}{match['offset']}"
    return None
