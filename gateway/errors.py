"""The gateway's failures: one exception type, one code each, one HTTP status each.

GraphQL answers carry the code in ``extensions.code``; each REST family renders the
same code in its own envelope, with the status below.
"""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE: dict[str, int] = {
    "UNAUTHENTICATED": 401,
    "INVALID_TOKEN": 401,
    "USER_NOT_FOUND": 401,
    "SUBSCRIPTION_REQUIRED": 402,
    "ORG_SCOPE_REQUIRED": 403,
    "INSUFFICIENT_ROLE": 403,
    "INSUFFICIENT_SCOPE": 403,
    "PLAN_UPGRADE_REQUIRED": 403,
    "CSRF_REJECTED": 403,
    "BAD_USER_INPUT": 400,
    "QUERY_TOO_COSTLY": 400,
    "NOT_FOUND": 404,
    # A predictive model never trained has no performance to show (seed 001).
    "NOT_TRAINED": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "UNPROCESSABLE_ENTITY": 422,
    "RATE_LIMITED": 429,
    "INTERNAL_SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


class GatewayError(Exception):
    """A failure the client should see, with a stable machine-readable code."""

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)


def bad_input(message: str, **details: Any) -> GatewayError:
    """A malformed argument, id, window or body."""
    return GatewayError("BAD_USER_INPUT", message, details=details or None)


def not_found(what: str) -> GatewayError:
    """Something absent from the caller's organisation (whether or not it exists elsewhere)."""
    return GatewayError("NOT_FOUND", f"{what} not found")


def unprocessable(message: str, **details: Any) -> GatewayError:
    """Well-formed input the gateway will not answer (a window of too many buckets)."""
    return GatewayError("UNPROCESSABLE_ENTITY", message, details=details or None)


# Seconds a client is asked to wait (``Retry-After``) when the database is unreachable or
# no connection came free in time: long enough for a restart's first seconds, short
# enough that recovery shows at once.
RETRY_AFTER_SECONDS = 2


def unavailable(message: str = "the database is unavailable; try again shortly") -> GatewayError:
    """The database cannot be reached (or no connection came free in time): a 503."""
    return GatewayError("SERVICE_UNAVAILABLE", message)


def retry_headers(error: GatewayError) -> dict[str, str]:
    """Headers that go with an error's status: ``Retry-After`` on a 503, and on a 429
    with the ``RateLimit-*`` fields of the limit that was spent (gateway/rate_limits.py):
    the one helper every 429 (the REST families', GraphQL's cost budget) is drawn with."""
    if error.status == 503:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    details = error.details or {}
    if error.status == 429 and "retry_after" in details:
        wait = str(details["retry_after"])
        return {
            "Retry-After": wait,
            "RateLimit-Limit": str(details["limit"]),
            # A REST call asks for 1, so 0 is left; a GraphQL operation asks for its
            # cost, and the window may hold less than that but more than 0.
            "RateLimit-Remaining": str(details.get("remaining", 0)),
            "RateLimit-Reset": wait,
        }
    return {}
