"""The incident family's error envelope (seed 001): ``{"error", "details", "code"}``.

``error`` is the seed's words for the status ("Invalid request data", "Authentication
required", ...), ``details`` says what exactly went wrong, and ``code`` is upper-case. A
validation error's ``details`` maps each refused field to its messages, as DRF's
serializer errors do: ``{"page_size": ["must be an integer"]}``.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from rest_compat.routing import Family

CODES: dict[str, str] = {
    "BAD_USER_INPUT": "VALIDATION_ERROR",
    "QUERY_TOO_COSTLY": "VALIDATION_ERROR",
    "UNAUTHENTICATED": "NOT_AUTHENTICATED",
    "INVALID_TOKEN": "AUTHENTICATION_FAILED",
    "USER_NOT_FOUND": "AUTHENTICATION_FAILED",
    "INSUFFICIENT_SCOPE": "PERMISSION_DENIED",
    "INSUFFICIENT_ROLE": "PERMISSION_DENIED",
    "ORG_SCOPE_REQUIRED": "PERMISSION_DENIED",
    "PLAN_UPGRADE_REQUIRED": "PERMISSION_DENIED",
    "CSRF_REJECTED": "PERMISSION_DENIED",
}

# The seed's error list, by status; a status it does not list says its own name.
WORDS: dict[int, str] = {
    400: "Invalid request data",
    401: "Authentication required",
    402: "Subscription required",
    403: "Insufficient permissions",
    404: "Resource not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Unprocessable request",
    429: "Rate limit exceeded",
    500: "Server error",
    503: "Service unavailable",
}


def incidents_code(code: str) -> str:
    return CODES.get(code, code)


def incidents_envelope(error: GatewayError) -> dict[str, Any]:
    details: Any = error.message
    given = error.details or {}
    argument, fields = given.get("argument"), given.get("fields")
    if error.code == "BAD_USER_INPUT" and isinstance(fields, dict):
        details = fields
    elif error.code == "BAD_USER_INPUT" and isinstance(argument, str):
        details = {argument: [error.message]}
    body: dict[str, Any] = {
        "error": WORDS.get(error.status, "Error"),
        "details": details,
        "code": incidents_code(error.code),
    }
    drf_detail = (error.details or {}).get("detail")
    if isinstance(drf_detail, str):
        # DRF's own words where its clients read them (a page past the last:
        # {"detail": "Invalid page."}), beside the seed's envelope.
        body["detail"] = drf_detail
    return body


INCIDENTS_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "details": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            ]
        },
        "code": {"type": "string", "pattern": "^[A-Z_]+$"},
        "detail": {"type": "string"},
    },
    "required": ["error", "details", "code"],
}

# The REST dialect every incidents route row names.
INCIDENTS = Family(
    "incidents",
    incidents_envelope,
    INCIDENTS_ENVELOPE_SCHEMA,
    slash_redirect=301,
    redirect_writes=False,
    rate_limit_per="user",
)
