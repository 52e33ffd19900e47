"""The CAP 1.2 core: model, hardened parser, writer, validation, signatures.

Knows nothing of Flask, SQL or channels. Only ``CapError`` subclasses leave
this package.
"""

from gateway.cap.errors import (
    CapError,
    InvalidMessage,
    MalformedXml,
    MessageTooLarge,
    SignatureError,
    UnsafeXml,
    UnsupportedVersion,
)
from gateway.cap.identifiers import new_identifier
from gateway.cap.model import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from gateway.cap.parser import Reading, parse, read
from gateway.cap.problems import Problem, ProblemSeverity
from gateway.cap.validation import Inspection, inspect, validate
from gateway.cap.writer import write

__all__ = [
    "Alert",
    "Area",
    "CapError",
    "Category",
    "Certainty",
    "Circle",
    "Info",
    "Inspection",
    "InvalidMessage",
    "MalformedXml",
    "MessageTooLarge",
    "MsgType",
    "NamedValue",
    "Point",
    "Polygon",
    "Problem",
    "ProblemSeverity",
    "Reading",
    "Reference",
    "Resource",
    "ResponseType",
    "Scope",
    "Severity",
    "SignatureError",
    "Status",
    "UnsafeXml",
    "UnsupportedVersion",
    "Urgency",
    "inspect",
    "new_identifier",
    "parse",
    "read",
    "validate",
    "write",
]
