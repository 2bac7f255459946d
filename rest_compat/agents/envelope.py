"""The agent console's error envelope (seed 004): FastAPI's ``{"detail": …}``.

The seed's source is a FastAPI router (``routes/analytics_routes.py``), so its clients read
what FastAPI answers:

- 401 ``{"detail": "Not authenticated"}`` without a credential, and ``"Could not validate
  credentials"`` for one that is not valid (an unknown key, a bad or expired token);
- 403 ``{"detail": "Admin access required"}`` for a role below admin (the only role
  these paths ask for); a missing scope or plan says which;
- 422 for a refused parameter, as FastAPI's request validation answers it:
  ``{"detail": [{"type", "loc": ["query", name], "msg"}]}``;
- 404 ``{"detail": "Not Found"}``, 405 ``"Method Not Allowed"``, 500 ``"Internal Server
  Error"``, the words Starlette uses; anything else says its own message.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from rest_compat.routing import Family

WORDS: dict[str, str] = {
    "UNAUTHENTICATED": "Not authenticated",
    "INVALID_TOKEN": "Could not validate credentials",
    "USER_NOT_FOUND": "Could not validate credentials",
    "INSUFFICIENT_ROLE": "Admin access required",
    "NOT_FOUND": "Not Found",
    "METHOD_NOT_ALLOWED": "Method Not Allowed",
    "INTERNAL_SERVER_ERROR": "Internal Server Error",
}


def fastapi_envelope(error: GatewayError) -> dict[str, Any]:
    if error.code == "BAD_USER_INPUT":
        argument = (error.details or {}).get("argument")
        kind = "missing" if "is required" in error.message else "value_error"
        loc = ["query", argument] if isinstance(argument, str) else ["query"]
        return {"detail": [{"type": kind, "loc": loc, "msg": error.message}]}
    return {"detail": WORDS.get(error.code, error.message)}


FASTAPI_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string"},
                            "loc": {"type": "array", "items": {"type": "string"}},
                            "msg": {"type": "string"},
                        },
                        "required": ["type", "loc", "msg"],
                    },
                },
            ]
        }
    },
    "required": ["detail"],
}

# The REST dialect every agents route row names. FastAPI redirects the other spelling of
# a path (a trailing slash) with 307, the default.
AGENTS = Family(
    "agents",
    fastapi_envelope,
    FASTAPI_ENVELOPE_SCHEMA,
    statuses={"BAD_USER_INPUT": 422},
)
