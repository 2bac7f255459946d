"""Request ids and the access log: one JSON-ready line per HTTP request.

``RequestLogMiddleware`` runs outermost. It gives every HTTP request an id (the
client's ``X-Request-ID`` when it is sane, else a fresh one), returns it in the answer's
``X-Request-ID`` and keeps a small mutable ``RequestRecord`` in a contextvar while the
request runs. Code below fills that record in as it learns things (the organisation
after authentication, the operation's name), and log records made meanwhile carry the
id (gateway/log_format.py). When the answer is sent, the ``gateway.access`` logger
gets one line with the record's fields.

WebSockets get no access line (a connection lives for hours; its end says little about
a request); they pass through untouched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("gateway.access")
HEADER = b"x-request-id"
# What a client may choose as its id: short, and nothing a log reader or a header
# parser could trip on (no spaces, quotes or line breaks).
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# A client's operationName is its own text: bounded so that a log line stays a line.
MAX_OPERATION = 128


@dataclass
class RequestRecord:
    """What the access line says about one request; filled in while it runs."""

    request_id: str
    organisation: str | None = None
    operation: str | None = None


CURRENT: ContextVar[RequestRecord | None] = ContextVar("gateway_request", default=None)


def current_request() -> RequestRecord | None:
    """The running request's record, or None outside a request."""
    return CURRENT.get()


def note_organisation(org_id: object) -> None:
    """The caller's organisation, once authenticated (Context.principal)."""
    record = CURRENT.get()
    if record is not None:
        record.organisation = str(org_id)


def note_operation(name: object) -> None:
    """The operation the request runs: GraphQL's operationName or a REST route's op.
    The first one named wins, so a REST route's own name is not replaced by the name
    inside its stored document."""
    record = CURRENT.get()
    if record is not None and record.operation is None and isinstance(name, str) and name:
        record.operation = name[:MAX_OPERATION]


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` if sane, else a fresh id; never a refusal, since a
    bad id header must not fail the request it came with."""
    for name, value in headers:
        if name.lower() == HEADER:
            offered = value.decode("latin-1")
            if SANE_ID.fullmatch(offered):
                return offered
            break
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(request_id_from(scope.get("headers", [])))
        token = CURRENT.set(record)
        began = time.perf_counter()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                # Replaces any id set below, so the answer carries exactly one.
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != HEADER
                ]
                headers.append((HEADER, record.request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's 500 for an uncaught error is drawn outside every middleware,
            # where the id would be lost: drawn here instead, the same plain answer.
            if not started:
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise
        finally:
            fields = access_fields(scope, record, status, began)
            ACCESS.info(
                "%s %s %s %sms",
                fields["method"],
                fields["path"],
                status,
                fields["duration_ms"],
                extra={"access": fields},
            )
            CURRENT.reset(token)


def access_fields(
    scope: Scope, record: RequestRecord, status: int, started: float
) -> dict[str, Any]:
    """The access line's fields; the path is the route template when a route matched,
    so that ids in paths do not make every line unique (and stay out of the log)."""
    route: Any = scope.get("route")
    return {
        "request_id": record.request_id,
        "method": scope.get("method", ""),
        "path": getattr(route, "path", None) or scope.get("path", ""),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "organisation": record.organisation,
        "operation": record.operation,
    }
