"""Error envelopes. The portal and knowledge docs name codes but not the body's shape;
both answer ``{"error": {"code", "message", "details"?}}`` (see README), and a
malformed argument is ``VALIDATION_ERROR`` rather than GraphQL's ``BAD_USER_INPUT``.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError

REST_CODES = {"BAD_USER_INPUT": "VALIDATION_ERROR"}


def code_envelope(error: GatewayError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": REST_CODES.get(error.code, error.code),
        "message": error.message,
    }
    if error.details:
        body["details"] = error.details
    return {"error": body}


CODE_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
            "required": ["code", "message"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}
