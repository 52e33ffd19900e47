"""Hardened loading of untrusted XML bytes into an lxml tree.

The parser never resolves entities, never loads a DTD, never touches the
network or the file system, and drops comments and processing instructions
(so text split by an injected comment reads as XML canonicalization sees it).
Any DOCTYPE is refused, as is input over the size limit or nested too deep.
Only ``CapError`` subclasses leave this module.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree

from gateway.cap.errors import CapError, MalformedXml, MessageTooLarge, UnsafeXml

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
    b"<!ENTITY",
)
XINCLUDE_NAMESPACE = "http://www.w3.org/2001/XInclude"
# "<!" in UTF-8 or either UTF-16 order: without one, there is nothing to search.
MARKUP_DECLARATION_OPENINGS = (b"<!", b"<\x00!")
DOCTYPE_PATTERN = re.compile(
    b"|".join(re.escape(marker) for marker in DOCTYPE_MARKERS), re.IGNORECASE
)
TOO_DEEP = etree.XPath("/*" + "/*" * MAX_DEPTH)


_parsers = threading.local()


def _parser() -> Any:
    """This thread's hardened parser; lxml parsers must not be shared by threads."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = make_hardened_parser()
    return parser


def make_hardened_parser() -> Any:
    """A new parser with every unsafe feature off, for other lxml users here."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def load_tree(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse bytes into an element tree, refusing anything unsafe or oversized."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CapError(
            f"A CAP message must be given as bytes, not {type(data).__name__}; "
            "encode text as UTF-8 first",
            code="not-bytes",
        )
    data = bytes(data)
    _check_size(data, max_bytes)
    _refuse_doctype(data)

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise MalformedXml(
            f"The message is not well-formed XML: {_describe(exc)}",
            code="xml-syntax",
            line=line,
            column=column,
        ) from exc
    except (ValueError, LookupError, etree.LxmlError) as exc:
        raise MalformedXml(
            f"The message could not be read as XML: {exc}", code="xml-unreadable"
        ) from exc
    if root is None:
        raise MalformedXml("The message is empty", code="xml-empty")

    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(
            "The message has a DOCTYPE; CAP messages must not, so remove it",
            code="doctype",
        )
    _check_tree(root)
    return root


def element_path(element: Any) -> str:
    """A readable path such as ``/alert/info[2]/area/polygon[1]``."""
    parts = []
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [child for child in parent if child.tag == element.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise MessageTooLarge(
            f"The message is {len(data):,} bytes; the limit is {max_bytes:,}. "
            "Move large content into a resource with a uri",
            code="too-large",
        )


def _refuse_doctype(data: bytes) -> None:
    if not any(opening in data for opening in MARKUP_DECLARATION_OPENINGS):
        return
    found = DOCTYPE_PATTERN.search(data)
    if found is not None:
        raise UnsafeXml(
            "The message has a DOCTYPE or entity declaration; CAP messages "
            "must not, so remove it",
            code="doctype",
            line=data.count(b"\n", 0, found.start()) + 1,
        )


def _check_tree(root: Any) -> None:
    """Refuse leftover entity nodes, XInclude, and nesting deeper than allowed.

    Each check is one search done inside libxml2, so valid messages pay little.
    """
    for entity in root.iter(etree.Entity):
        raise UnsafeXml(
            "The message contains an entity reference; write the character "
            "itself or a numeric reference instead",
            code="entity",
            line=entity.getparent().sourceline,
        )
    for include in root.iter(f"{{{XINCLUDE_NAMESPACE}}}*"):
        raise UnsafeXml(
            "The message uses XInclude, which is refused; put the content "
            "in the message itself",
            code="xinclude",
            line=include.sourceline,
        )
    too_deep = TOO_DEEP(root)
    if too_deep:
        raise MalformedXml(
            f"The message nests elements more than {MAX_DEPTH} levels deep; "
            "CAP needs far fewer",
            code="too-deep",
            line=too_deep[0].sourceline,
        )


def _describe(exc: Any) -> str:
    text = str(exc.msg if getattr(exc, "msg", None) else exc)
    return text.split(", line ")[0].strip()
