"""Structure rules the schema check lets through.

libxml2 accepts CAP content after a ``ds:Signature``, though the schema's order
forbids it, and ``xsi:type`` naming our schema's own named types would pass our
schema but not the official one, whose types have no names. Both are refused.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from gateway.cap.problems import Problem
from gateway.cap.rules_tree import CAP, error_at

SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"
XSI_TYPE = etree.XPath(
    "//@*[local-name()='type' and "
    "namespace-uri()='http://www.w3.org/2001/XMLSchema-instance']/.."
)


def structure_problems(alert: Any) -> list[Problem]:
    """Refuse CAP elements after a signature, and any ``xsi:type`` attribute."""
    problems = [
        error_at(
            element,
            "xsi-type-not-allowed",
            "The element carries an xsi:type attribute, which CAP messages do "
            "not use; remove it.",
        )
        for element in XSI_TYPE(alert)
    ]
    signature = next(alert.iterchildren(SIGNATURE), None)
    if signature is None:
        return problems

    late = [el for el in signature.itersiblings() if str(el.tag).startswith(CAP)]
    if late:
        problems.append(
            error_at(
                late[0],
                "content-after-signature",
                "CAP content follows the ds:Signature; the signature must be the "
                "last child of alert, so move it after every other element.",
            )
        )
    return problems
