"""The media type of a GraphQL answer, chosen from the request's ``Accept``, as the
GraphQL over HTTP spec has it.

``application/graphql-response+json`` is the spec's own type: a client that asks for it
learns from the status code whether the request was valid (400 when it could not be
run, without a ``data`` entry). ``application/json`` stays the default, for a missing
``Accept``, ``*/*`` and ``application/*``, and keeps answering 200 with ``errors``, as
clients written before the spec expect.
"""

from __future__ import annotations

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

_STANDS_FOR = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    JSON: JSON,
    "application/*": JSON,
    "*/*": JSON,
}


def response_media_type(accept: str | None) -> str:
    """The type the client prefers (highest ``q``, then the first listed); JSON when it
    names neither, so a client with an odd ``Accept`` is answered as before."""
    best, best_q = JSON, 0.0
    for media_range in (accept or "").split(","):
        media, *params = (part.strip() for part in media_range.split(";"))
        chosen = _STANDS_FOR.get(media.lower())
        q = _quality(params)
        if chosen is not None and q > best_q:
            best, best_q = chosen, q
    return best


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the request could not be run at all (a parse, validation or variable
    coercion failure): no data, and no error raised at a field, which always has a path."""
    if result.data is not None or not result.errors:
        return False
    return all(error.path is None for error in result.errors)


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
