"""The OpenAPI 3.1 document of the API, built from the same draft and
subscriber schemas the API checks bodies against, so they cannot drift apart."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from gateway.alerts.drafts import draft_schema
from gateway.alerts.models import AlertState
from gateway.cap import Status
from gateway.residents.addresses import Channel
from gateway.residents.changes import subscriber_schema
from gateway.residents.subscriptions import MAX_ID

DRAFT_PREFIX = "Draft"
SUBSCRIBER_PREFIX = "Subscriber"
# A success answered with no body (204).
NO_CONTENT = ""
ALERT_ID_PATTERN = "^[0-9a-f]{32}$"
NO_NUL = "^[^\\u0000]*$"
# Some character that is neither white space nor a control character, and no
# NUL anywhere; ``gateway.api.alerts`` checks the same.
SOME_TEXT = "^[^\\u0000]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\ufeff][^\\u0000]*$"
ERROR_STATUSES = {
    "400": "The body cannot be read (malformed XML or JSON, unsafe XML)",
    "401": "No credential, or an unknown or revoked one",
    "403": "The caller may not do this",
    "404": "No such alert or subscriber visible to the caller",
    "409": (
        "Duplicate message or subscriber (Location names the existing one), or "
        "the alert is not in a state for this step"
    ),
    "413": "The body is larger than the configured limit",
    "415": "The body's Content-Type is not accepted",
    "422": "The input breaks a CAP rule, the office's protocol or an address rule",
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
                "Create, approve, publish, update and cancel CAP 1.2 alerts, and "
                "manage the subscribers they reach. Staff use personal tokens; "
                "partner agencies use organisation keys with the scope submit, "
                "publish or read. Errors are RFC 9457 problem documents with an "
                "errors list."
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
                },
                "SubscriberId": {
                    "name": "subscriber_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
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
        **_subscriber_paths(),
        **_push_paths(),
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


def _subscriber_paths() -> dict[str, Any]:
    subscriber_id = [{"$ref": "#/components/parameters/SubscriberId"}]
    changes = {"schema": {"$ref": f"#/components/schemas/{SUBSCRIBER_PREFIX}_changes"}}
    return {
        "/api/v1/subscribers": {
            "get": _operation(
                "listSubscribers",
                "List subscribers in the order they were added",
                parameters=_subscriber_list_parameters(),
                success=("200", "A page of subscribers", "SubscriberPage"),
            ),
            "post": _operation(
                "createSubscriber",
                "Add a subscriber",
                description=(
                    "The address is brought to canonical form (E.164, lower-cased "
                    "email, push endpoint, webhook URL). One already stored on the "
                    "same channel answers 409 with its Location."
                ),
                body=_json_body("NewSubscriber", required=True),
                success=("201", "Stored", "Subscriber"),
            ),
        },
        "/api/v1/subscribers/{subscriber_id}": {
            "get": _operation(
                "getSubscriber",
                "One subscriber",
                parameters=subscriber_id,
                success=("200", "The subscriber", "Subscriber"),
            ),
            "patch": _operation(
                "updateSubscriber",
                "Change some of a subscriber's fields",
                parameters=subscriber_id,
                body={
                    "required": True,
                    "content": {
                        "application/json": changes,
                        "application/merge-patch+json": changes,
                    },
                },
                success=("200", "The changed subscriber", "Subscriber"),
            ),
            "delete": _operation(
                "deleteSubscriber",
                "Remove a subscriber and erase their personal data",
                description=(
                    "Their delivery rows stay as the office's record; rows not yet "
                    "sent are closed as failed."
                ),
                parameters=subscriber_id,
                success=("204", "Removed", NO_CONTENT),
            ),
        },
    }


def _push_paths() -> dict[str, Any]:
    """The residents' Web Push endpoints: public, no credential."""
    subscribe = _operation(
        "createPushSubscription",
        "Subscribe a browser to Web Push alerts",
        description=(
            "A resident's browser sends its PushSubscription, made with the key "
            "of getPushKey, and where it wants alerts for (an area code, or a "
            "point). The subscription is stored as verified; one already known "
            "for the same endpoint is renewed (200). The answer carries the "
            "subscriber's manage link."
        ),
        body=_json_body("NewPushSubscription", required=True),
        success=("201", "Subscribed", "PushSubscribed"),
    )
    subscribe["responses"]["200"] = {
        "description": "Renewed: the endpoint was already subscribed",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/PushSubscribed"}
            }
        },
    }
    key = _operation(
        "getPushKey",
        "The VAPID key browsers subscribe with",
        description="404 when Web Push is not configured on this gateway.",
        success=("200", "The application server key", "PushKey"),
    )
    for operation in (subscribe, key):
        operation["security"] = []
    return {
        "/api/v1/push/key": {"get": key},
        "/api/v1/push-subscriptions": {"post": subscribe},
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
    answer: dict[str, Any] = {"description": text}
    if schema is None:
        answer["content"] = {"application/cap+xml": {"schema": {"type": "string"}}}
    elif schema != NO_CONTENT:
        reference = {"$ref": f"#/components/schemas/{schema}"}
        answer["content"] = {"application/json": {"schema": reference}}
    found: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": {
            status: answer,
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


def _query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": text}


def _choices(name: str, values: list[str], text: str) -> dict[str, Any]:
    schema = {"type": "array", "minItems": 1, "items": {"enum": values}}
    return {**_query(name, schema, text), "style": "form", "explode": False}


def _list_parameters() -> list[dict[str, Any]]:
    query, choices = _query, _choices
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


def _subscriber_list_parameters() -> list[dict[str, Any]]:
    return [
        _choices(
            "channel",
            [str(channel) for channel in Channel],
            "Only subscribers on one of these channels, comma-separated",
        ),
        _query(
            "area",
            {"type": "string", "pattern": NO_NUL},
            "Only subscribers with this area code",
        ),
        _query(
            "group",
            {"type": "string", "pattern": NO_NUL},
            "Only members of this drill group",
        ),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size"),
        _query("cursor", {"type": "string"}, "From the previous page's next link"),
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
    schemas.update(_subscriber_schemas())
    schemas.update(_push_schemas())
    return schemas


def _draft_schemas() -> dict[str, Any]:
    return _components_of(draft_schema(), DRAFT_PREFIX, DRAFT_PREFIX)


def _subscriber_schemas() -> dict[str, Any]:
    found = _components_of(subscriber_schema(), "NewSubscriber", SUBSCRIBER_PREFIX)
    found["Subscriber"] = _subscriber_answer_schema()
    found["SubscriberPage"] = {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Subscriber"},
            },
            "next": {"type": ["string", "null"]},
        },
    }
    return found


def _push_schemas() -> dict[str, Any]:
    base64url = {"type": "string", "pattern": "^[A-Za-z0-9_-]+={0,2}$"}
    subscription = {
        "type": "object",
        "required": ["endpoint", "keys"],
        "properties": {
            "endpoint": {"type": "string", "maxLength": 2000},
            "expirationTime": {"type": ["number", "null"]},
            "keys": {
                "type": "object",
                "required": ["p256dh", "auth"],
                "properties": {"p256dh": base64url, "auth": base64url},
            },
        },
    }
    return {
        "PushKey": _text_object(
            "publicKey", {**base64url, "description": "The uncompressed P-256 point"}
        ),
        "NewPushSubscription": {
            "type": "object",
            "required": ["subscription"],
            "additionalProperties": False,
            "properties": {
                "subscription": subscription,
                "language": {"type": "string", "examples": ["id-ID", "en-US"]},
                "area": {"type": "string", "description": "An area code"},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
        "PushSubscribed": _text_object("manageUrl", {"type": "string"}),
    }


def _components_of(schema: dict[str, Any], name: str, prefix: str) -> dict[str, Any]:
    """A JSON schema as components: itself as ``name``, its $defs as ``prefix_*``."""
    definitions = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    found = {name: _rewrite_refs(schema, prefix)}
    for key, definition in definitions.items():
        found[f"{prefix}_{key}"] = _rewrite_refs(definition, prefix)
    return found


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", f"#/components/schemas/{prefix}_")
                if key == "$ref"
                else _rewrite_refs(value, prefix)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def _subscriber_answer_schema() -> dict[str, Any]:
    time = {"type": ["string", "null"]}
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "channel": {"enum": [str(channel) for channel in Channel]},
        "address": {"type": "string"},
        "language": {"type": ["string", "null"]},
        "lat": {"type": ["number", "null"]},
        "lon": {"type": ["number", "null"]},
        "areas": {"type": "array", "items": {"type": "string"}},
        "groups": {"type": "array", "items": {"type": "string"}},
        "verified": {"type": "boolean"},
        "optedOut": {"type": "boolean"},
        "optedOutAt": time,
        "hasSecret": {"type": "boolean"},
        "createdAt": {"type": "string"},
        "updatedAt": {"type": "string"},
        "links": {
            "type": "object",
            "required": ["self"],
            "properties": {"self": {"type": "string"}},
        },
    }
    return {"type": "object", "required": sorted(properties), "properties": properties}


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
