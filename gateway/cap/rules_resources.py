"""CAP 1.2 rules for an info's resources: uri, mimeType, size, derefUri, digest.

A uri must be absolute unless it names the content carried in derefUri. The
digest is the SHA-1 of the resource file, so when the file travels in derefUri
we decode it and compare. The media type is checked for its RFC 6838 shape and
a registered top-level type, not against the full IANA list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from gateway.cap.problems import Problem
from gateway.cap.rules_tree import child, error_at, shown, text_of

ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+", re.ASCII)
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]{0,126}"
_TOKEN = r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+"
MEDIA_TYPE = re.compile(
    rf"(?P<type>{_NAME})/{_NAME}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"]*\"))*",
    re.ASCII,
)
TOP_LEVEL_TYPES = frozenset(
    {
        "application",
        "audio",
        "example",
        "font",
        "haptics",
        "image",
        "message",
        "model",
        "multipart",
        "text",
        "video",
    }
)
INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
SHA1_HEX = re.compile(r"[0-9A-Fa-f]{40}", re.ASCII)


def is_absolute_uri(text: str) -> bool:
    """True for a URI with a scheme, such as ``https://…`` or ``urn:…``."""
    return ABSOLUTE_URI.fullmatch(text) is not None


def resource_problems(resource: Any) -> list[Problem]:
    """Check one resource block."""
    content, problems = _deref_content(child(resource, "derefUri"))
    problems += _uri_problems(resource)
    problems += _media_type_problems(child(resource, "mimeType"))
    problems += _size_problems(child(resource, "size"))
    problems += _digest_problems(child(resource, "digest"), content)
    return problems


def _deref_content(element: Any) -> tuple[bytes | None, list[Problem]]:
    """The decoded derefUri content, or a problem if it is not base64."""
    if element is None:
        return None, []
    packed = "".join(text_of(element).split())
    try:
        content = base64.b64decode(packed, validate=True) if packed else None
    except (binascii.Error, ValueError):
        content = None
    if content is not None:
        return content, []
    return None, [
        error_at(
            element,
            "deref-uri-base64",
            "The derefUri is not base64 data; put the resource file in it "
            "encoded as base64 (A-Z, a-z, 0-9, + and /, padded with =).",
        )
    ]


def _uri_problems(resource: Any) -> list[Problem]:
    element = child(resource, "uri")
    uri = text_of(element)
    if element is None or is_absolute_uri(uri):
        return []
    if child(resource, "derefUri") is not None:
        return []
    return [
        error_at(
            element,
            "uri-not-absolute",
            f"The resource uri {shown(uri)} is not a full absolute URI; write it with "
            "its scheme (https://…), or carry the file in derefUri if the uri "
            "only names it.",
        )
    ]


def _media_type_problems(element: Any) -> list[Problem]:
    if element is None:
        return []
    text = text_of(element)
    match = MEDIA_TYPE.fullmatch(text)
    if match is None:
        return [
            error_at(
                element,
                "mime-type-format",
                f"The mimeType {shown(text)} is not a media type; write it as "
                "type/subtype, such as image/png or application/pdf.",
            )
        ]
    top = match["type"].lower()
    if top in TOP_LEVEL_TYPES or top.startswith("x-"):
        return []
    return [
        error_at(
            element,
            "mime-type-unknown-type",
            f"The mimeType {shown(text)} has the unknown top-level type "
            f"{shown(top)}; use "
            f"one of {', '.join(sorted(TOP_LEVEL_TYPES))}.",
        )
    ]


def _size_problems(element: Any) -> list[Problem]:
    if element is None:
        return []
    text = text_of(element)
    if not INTEGER.fullmatch(text):
        return [
            error_at(
                element,
                "size-format",
                f"The size {shown(text)} is not a whole number; give the file size "
                "in bytes, such as 20480.",
            )
        ]
    if text.startswith("-") and text.strip("-0"):
        return [
            error_at(
                element,
                "size-negative",
                f"The size {shown(text)} is negative; give the file size in bytes.",
            )
        ]
    return []


def _digest_problems(element: Any, content: bytes | None) -> list[Problem]:
    digest = text_of(element)
    if element is None:
        return []
    if not SHA1_HEX.fullmatch(digest):
        return [
            error_at(
                element,
                "digest-format",
                f"The digest {shown(digest)} is not a SHA-1 digest; write the 40 "
                "hexadecimal digits of the file's SHA-1.",
            )
        ]
    if content is None:
        return []
    actual = hashlib.sha1(content, usedforsecurity=False).hexdigest()
    if digest.lower() == actual:
        return []
    return [
        error_at(
            element,
            "digest-mismatch",
            f"The digest {digest} does not match the derefUri content, whose "
            f"SHA-1 is {actual}; recompute the digest from the file.",
        )
    ]
