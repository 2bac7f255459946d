"""The governance family's error envelope (seed 002): ``{"error": {"code", "message"}}``
with the seed's lowercase codes.

The seed's table names six codes; a gateway code whose status is one of theirs is drawn
as the seed's (every 403 is ``forbidden``, every 401 ``unauthenticated``). A code the
seed has no row for (a 402, 405, 409, 413, 500 or 503) is the gateway's own, lowercased,
beside its own status.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from rest_compat.routing import Family

SEED_CODES: dict[str, str] = {
    "BAD_USER_INPUT": "validation_error",
    "QUERY_TOO_COSTLY": "validation_error",
    "UNAUTHENTICATED": "unauthenticated",
    "INVALID_TOKEN": "unauthenticated",
    "USER_NOT_FOUND": "unauthenticated",
    "INSUFFICIENT_SCOPE": "forbidden",
    "INSUFFICIENT_ROLE": "forbidden",
    "ORG_SCOPE_REQUIRED": "forbidden",
    "PLAN_UPGRADE_REQUIRED": "forbidden",
    "CSRF_REJECTED": "forbidden",
    "NOT_FOUND": "not_found",
    "UNPROCESSABLE_ENTITY": "unprocessable_entity",
    "RATE_LIMITED": "rate_limited",
}


def governance_code(code: str) -> str:
    """The seed's lowercase code for a gateway code."""
    return SEED_CODES.get(code, code.lower())


def governance_envelope(error: GatewayError) -> dict[str, Any]:
    return {"error": {"code": governance_code(error.code), "message": error.message}}


GOVERNANCE_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z_]+$"},
                "message": {"type": "string"},
            },
            "required": ["code", "message"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}

# The REST dialect every governance route row names.
# The seed's 429 is "Per-organization rate limit exceeded" (GATEWAY_GOVERNANCE_RATE_LIMITS).
GOVERNANCE = Family(
    "governance",
    governance_envelope,
    GOVERNANCE_ENVELOPE_SCHEMA,
    rate_limit_per="organization",
)
