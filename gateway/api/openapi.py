"""The OpenAPI 3.1 document of the API, built from the same draft schema the
API checks bodies against, so the two cannot drift apart."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from gateway.alerts.drafts import draft_schema
from gateway.alerts.models import AlertState
from gateway.cap import Status

DRAFT_PREFIX = "Draft"
ALERT_ID_PATTERN = "^[0-9a-f]{32}$"
NO_NUL = "^[^\\u0000]*$"
# Some character that is neither white space nor a control character, and no
# NUL anywhere; ``gateway.api.alerts`` checks the same.
SOME_TEXT = "^[^\\u0000]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\ufeff][^\\u0000]*$"
ERROR_STATUSES = {
    "400": "The body cannot be read (malformed XML or JSON, unsafe XML)",
    "401": "No credential, or an unknown or revoked one",
    "403": "The caller may not do this",
    "404": "No such alert visible to the caller",
    "409": "Duplicate message, or the alert is not in a state for this step",
    "413": "The body is larger than the configured limit",
    "415": "The body's Content-Type is not accepted",
    "422": "The input breaks a CAP rule or the office's protocol",
    "429": "Too many requests; wait as Retry-After says",
}


def openapi_document() -> dict[str, Any]:
    """The whole document, as a new dict each call."""
    return copy.deepcopy(_frozen_document())


@cache
def _frozen_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kentongan alert gateway API",
            "version": "1",
            "description": (
                "Create, approve, publish, update and cancel CAP 1.2 alerts. Staff "
                "use personal tokens; partner agencies use organisation keys with "
                "the scope submit, publish or read. Errors are RFC 9457 problem "
                "documents with an errors list."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
            "responses": _error_responses(),
            "parameters": {
                "AlertId": {
                    "name": "alert_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": ALERT_ID_PATTERN},
                }
            },
        },
    }


def _paths() -> dict[str, Any]:
    alert_id = [{"$ref": "#/components/parameters/AlertId"}]
    return {
        "/api/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/api/v1/alerts": {
            "get": _operation(
                "listAlerts",
                "List alerts, newest first",
                parameters=_list_parameters(),
                success=("200", "A page of alerts", "AlertPage"),
            ),
            "post": _operation(
                "createAlert",
                "Post a CAP message or a JSON draft",
                description=(
                    "A staff token makes a draft. A partner key with scope publish "
                    "publishes at once; with scope submit the message waits for "
                    "approval. An Update or Cancel naming no known message is held "
                    "for review."
                ),
                body=_create_body(),
                success=("201", "Stored", "CreatedAlert"),
            ),
        },
        "/api/v1/alerts/{alert_id}": {
            "get": _operation(
                "getAlert",
                "One alert",
                parameters=alert_id,
                success=("200", "The alert", "Alert"),
            ),
            "put": _operation(
                "editAlert",
                "Replace a draft's content (a pending alert returns to draft)",
                parameters=alert_id,
                body=_json_body("Draft", required=True),
                success=("200", "The edited draft", "Alert"),
            ),
        },
        "/api/v1/alerts/{alert_id}/cap": {
            "get": _operation(
                "getAlertCap",
                "The published CAP message, byte for byte",
                parameters=alert_id,
                success=("200", "The CAP message", None),
            )
        },
        "/api/v1/alerts/{alert_id}/deliveries": {
            "get": _operation(
                "getAlertDeliveries",
                "How the alert's fan-out went",
                parameters=alert_id,
                success=("200", "Counts and timings", "DeliverySummary"),
            )
        },
        **_step_paths(alert_id),
    }


def _step_paths(alert_id: list[dict[str, str]]) -> dict[str, Any]:
    base = "/api/v1/alerts/{alert_id}"
    return {
        f"{base}/submit": {
            "post": _operation(
                "submitAlert",
                "Send a draft for approval",
                parameters=alert_id,
                success=("200", "Pending approval", "Alert"),
            )
        },
        f"{base}/approve": {
            "post": _operation(
                "approveAlert",
                "Approve the reviewed content and publish it",
                description="contentHash is the alert's contentHash you reviewed.",
                parameters=alert_id,
                body=_json_body("Approval", required=True),
                success=("200", "Published", "Alert"),
            )
        },
        f"{base}/reject": {
            "post": _operation(
                "rejectAlert",
                "Refuse a pending or held alert",
                parameters=alert_id,
                body=_json_body("Reason", required=True),
                success=("200", "Rejected", "Alert"),
            )
        },
        f"{base}/return": {
            "post": _operation(
                "returnAlert",
                "Return a pending draft to its author",
                parameters=alert_id,
                body=_json_body("Reason", required=True),
                success=("200", "Back to draft", "Alert"),
            )
        },
        f"{base}/update": {
            "post": _operation(
                "updateAlert",
                "Start a draft Update (content defaults to the current message's)",
                parameters=alert_id,
                body=_json_body("Draft", required=False),
                success=("201", "The Update draft", "CreatedAlert"),
            )
        },
        f"{base}/cancel": {
            "post": _operation(
                "cancelAlert",
                "Start a draft Cancel",
                parameters=alert_id,
                body=_json_body("CancelRequest", required=False),
                success=("201", "The Cancel draft", "CreatedAlert"),
            )
        },
    }


def _operation(
    operation_id: str,
    summary: str,
    *,
    success: tuple[str, str, str | None],
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    status, text, schema = success
    content = (
        {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
        if schema
        else {"application/cap+xml": {"schema": {"type": "string"}}}
    )
    found: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": {
            status: {"description": text, "content": content},
            **{
                code: {"$ref": f"#/components/responses/Error{code}"}
                for code in ERROR_STATUSES
            },
        },
    }
    if description:
        found["description"] = description
    if parameters:
        found["parameters"] = parameters
    if body:
        found["requestBody"] = body
    return found


def _create_body() -> dict[str, Any]:
    xml = {"schema": {"type": "string", "description": "A CAP 1.2 or 1.1 message"}}
    return {
        "required": True,
        "content": {
            "application/cap+xml": xml,
            "application/xml": xml,
            "application/json": {"schema": {"$ref": "#/components/schemas/Draft"}},
        },
    }


def _json_body(schema: str, *, required: bool) -> dict[str, Any]:
    return {
        "required": required,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        },
    }


def _list_parameters() -> list[dict[str, Any]]:
    def query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": text}

    def choices(name: str, values: list[str], text: str) -> dict[str, Any]:
        schema = {"type": "array", "minItems": 1, "items": {"enum": values}}
        return {**query(name, schema, text), "style": "form", "explode": False}

    return [
        choices(
            "state",
            [str(state) for state in AlertState],
            "Only alerts in one of these states, comma-separated",
        ),
        choices(
            "status",
            [str(status) for status in Status],
            "Only alerts with one of these CAP statuses, comma-separated",
        ),
        query(
            "since",
            {"type": "string", "format": "date-time"},
            "Only alerts changed at or after this time (with an offset)",
        ),
        query(
            "area",
            {"type": "string", "pattern": NO_NUL},
            "Only alerts with this geocode value",
        ),
        query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size"),
        query("cursor", {"type": "string"}, "From the previous page's next link"),
    ]


def _schemas() -> dict[str, Any]:
    schemas = {
        "Problem": _problem_schema(),
        "Alert": _alert_schema(),
        "CreatedAlert": {
            "allOf": [
                {"$ref": "#/components/schemas/Alert"},
                {
                    "type": "object",
                    "required": ["warnings"],
                    "properties": {"warnings": {"type": "array", "items": _item()}},
                },
            ]
        },
        "AlertPage": {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Alert"},
                },
                "next": {"type": ["string", "null"]},
            },
        },
        "DeliverySummary": _delivery_summary_schema(),
        "Approval": _text_object(
            "contentHash", {"type": "string", "pattern": "^[0-9a-f]{64}$"}
        ),
        "Reason": _text_object("reason", {"type": "string", "pattern": SOME_TEXT}),
        "CancelRequest": {
            "type": "object",
            "properties": {
                "note": {"type": "string", "maxLength": 20000, "pattern": SOME_TEXT}
            },
        },
    }
    schemas.update(_draft_schemas())
    return schemas


def _draft_schemas() -> dict[str, Any]:
    """The draft schema with its $defs moved into components."""
    schema = draft_schema()
    definitions = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    found = {DRAFT_PREFIX: _rewrite_refs(schema)}
    for name, definition in definitions.items():
        found[f"{DRAFT_PREFIX}_{name}"] = _rewrite_refs(definition)
    return found


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", f"#/components/schemas/{DRAFT_PREFIX}_")
                if key == "$ref"
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _alert_schema() -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    names = [
        "stateReason",
        "identifier",
        "sender",
        "sent",
        "expires",
        "headline",
        "references",
        "chainId",
        "targetId",
        "signer",
        "submittedBy",
        "approvedBy",
        "submittedAt",
        "publishedAt",
    ]
    properties: dict[str, Any] = dict.fromkeys(names, text)
    properties.update(
        {
            "id": {"type": "string"},
            "state": {"enum": [str(state) for state in AlertState]},
            "origin": {"enum": ["staff", "partner"]},
            "organisation": {"type": "string"},
            "msgType": {"enum": ["Alert", "Update", "Cancel"]},
            "status": {"type": "string"},
            "scope": {"type": "string"},
            "contentHash": {"type": "string"},
            "content": {"type": ["object", "null"]},
            "createdBy": {"type": "string"},
            "createdAt": {"type": "string"},
            "updatedAt": {"type": "string"},
            "areaCodes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["valueName", "value"],
                    "properties": {
                        "valueName": {"type": "string"},
                        "value": {"type": "string"},
                    },
                },
            },
            "links": {
                "type": "object",
                "required": ["self", "cap"],
                "properties": {
                    "self": {"type": "string"},
                    "cap": {"type": ["string", "null"]},
                },
            },
        }
    )
    return {"type": "object", "required": sorted(properties), "properties": properties}


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "errors"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "existing": {"type": "string"},
            "errors": {"type": "array", "minItems": 1, "items": _item()},
        },
    }


def _item() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["code", "location", "message"],
        "properties": {
            "code": {"type": "string"},
            "location": {"type": "string"},
            "message": {"type": "string"},
        },
    }


def _text_object(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [name], "properties": {name: schema}}


def _error_responses() -> dict[str, Any]:
    return {
        f"Error{code}": {
            "description": text,
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}
                }
            },
        }
        for code, text in ERROR_STATUSES.items()
    }


def _delivery_summary_schema() -> dict[str, Any]:
    seconds = {"type": ["number", "null"]}
    time = {"type": ["string", "null"]}
    required = ["alertId", "total", "counts", "firstSent", "lastSent"]
    return {
        "type": "object",
        "required": [*required, "secondsToPercent"],
        "properties": {
            "alertId": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "counts": {
                "type": "object",
                "description": "channel -> status -> count",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
            },
            "firstSent": time,
            "lastSent": time,
            "secondsToPercent": {
                "type": "object",
                "required": ["50", "90", "99"],
                "additionalProperties": seconds,
            },
        },
    }
