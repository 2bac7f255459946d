"""Request ids (``X-Request-ID``) and the access log's line per request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.log_format import JsonFormatter, TextFormatter, logging_config
from gateway.request_log import RequestLogMiddleware, request_id_from
from gateway.settings import Settings
from tests.gateway.safety import app_client

VIEWER = "query WhoAmI { viewer { id } }"
STATS = "/api/v1/analytics/staleness/stats"
PERSON = "/api/v1/analytics/bus-factor/person/{user_id}"


class Capture(logging.Handler):
    """Keeps the records of one logger, each also formatted as JSON while it is made
    (inside the request, where the request id is known)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[dict[str, Any]] = []
        self.json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(json.loads(self.json.format(record)))


@pytest.fixture
def access() -> Iterator[Capture]:
    logger = logging.getLogger("gateway.access")
    handler = Capture()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def only_line(access: Capture) -> dict[str, Any]:
    assert len(access.lines) == 1, access.lines
    return access.lines[0]


async def admin(factory: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    org = await factory.org()
    user = await factory.user(org, "alice", role="admin")
    return org, user


# --- the header on every answer ------------------------------------------------------


async def test_graphql_answer_carries_a_fresh_id_and_logs_it(client, factory, access):
    org, user = await admin(factory)
    response = await client.post(
        "/graphql",
        json={"query": VIEWER, "operationName": "WhoAmI"},
        headers=factory.headers(user),
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"]
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0  # uuid4 hex
    line = only_line(access)
    assert line["duration_ms"] >= 0
    assert {k: v for k, v in line.items() if k not in ("time", "duration_ms")} == {
        "level": "info",
        "logger": "gateway.access",
        "message": f"POST /graphql 200 {line['duration_ms']}ms",
        "request_id": request_id,
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "organisation": str(org["id"]),
        "operation": "WhoAmI",
    }


async def test_rest_answer_logs_its_route_template_and_stored_operation(client, factory, access):
    org, user = await admin(factory)
    response = await client.get(
        PERSON.format(user_id=user["id"]),
        headers={**factory.headers(user), "X-Request-ID": "trace-1:a.b_c"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "trace-1:a.b_c"
    line = only_line(access)
    # the template, not the id in the path
    assert line["path"] == PERSON
    assert (line["request_id"], line["status"], line["organisation"], line["operation"]) == (
        "trace-1:a.b_c",
        200,
        str(org["id"]),
        "knowledge_bus_factor_person",
    )


async def test_unauthenticated_call_has_no_organisation(client, access):
    response = await client.get(STATS, headers={"X-Request-ID": "abc"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "abc"
    line = only_line(access)
    assert (line["status"], line["organisation"], line["operation"], line["path"]) == (
        401,
        None,
        "knowledge_staleness_stats",
        STATS,
    )


async def test_graphql_without_operation_name_logs_none(client, access):
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    line = only_line(access)
    assert (line["operation"], line["organisation"]) == (None, None)


async def test_not_found_carries_the_id_and_logs_the_raw_path(client, access):
    response = await client.get("/nowhere/at/all", headers={"X-Request-ID": "nf-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "nf-1"
    line = only_line(access)
    assert (line["path"], line["status"], line["request_id"]) == ("/nowhere/at/all", 404, "nf-1")


async def test_redirect_carries_the_id(client, access):
    response = await client.get("/api/v1/analytics/bus-factor", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 307
    assert response.headers["x-request-id"] == "r-1"
    assert only_line(access)["status"] == 307


async def test_body_too_large_carries_the_id(db, tmp_path, access):
    settings = Settings(data_dir=tmp_path, max_body_bytes=100)
    async with app_client(db, settings) as client:
        response = await client.post(
            "/graphql",
            content=json.dumps({"query": "{ __typename }", "pad": "x" * 500}),
            headers={"Content-Type": "application/json", "X-Request-ID": "big-1"},
        )
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "big-1"
    assert only_line(access)["status"] == 413


async def test_an_uncaught_error_is_a_500_that_carries_the_id(access):
    async def boom(_: Request) -> Response:
        raise RuntimeError("a bug")

    app = Starlette(routes=[Route("/boom", boom)], middleware=[Middleware(RequestLogMiddleware)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "bug-1"})
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert response.headers["x-request-id"] == "bug-1"
    assert (only_line(access)["status"], only_line(access)["path"]) == (500, "/boom")


async def test_a_downstream_id_header_is_replaced_not_doubled(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "h-1"})
    assert response.headers.get_list("x-request-id") == ["h-1"]


# --- which client ids are kept ----------------------------------------------------------


@pytest.mark.parametrize(
    "offered",
    [
        "x" * 129,  # too long
        "has space",
        "semi;colon",
        'quote"d',
        "caf\u00e9",
        "",
    ],
)
async def test_an_insane_client_id_is_replaced_not_refused(client, offered):
    response = await client.get("/healthz", headers=[("X-Request-ID", offered.encode("latin-1"))])
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert replaced != offered and len(replaced) == 32


def test_a_newline_in_the_id_is_replaced():
    # httpx refuses to send a line break in a header; the ASGI scope can still hold one.
    fresh = request_id_from([(b"x-request-id", b"abc\ndef")])
    assert fresh != "abc\ndef" and len(fresh) == 32
    assert request_id_from([(b"X-Request-ID", b"x" * 128)]) == "x" * 128
    assert request_id_from([]) != request_id_from([])


# --- the formatters ------------------------------------------------------------------


async def test_a_log_record_inside_a_request_carries_its_id(client, factory, monkeypatch):
    """A record made by the gateway's own code while a request runs (here, the
    authenticator's) is written with that request's id."""
    lines: list[str] = []
    text: list[str] = []

    class Both(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))
            text.append(TextFormatter().format(record))

    from gateway import context as context_module

    original = context_module.Context.principal

    async def principal(self: Any) -> Any:
        logging.getLogger("gateway.test").warning("looking up %s", "the caller")
        return await original(self)

    monkeypatch.setattr(context_module.Context, "principal", principal)
    logger = logging.getLogger("gateway.test")
    handler = Both()
    logger.addHandler(handler)
    try:
        await client.get(STATS, headers={"X-Request-ID": "inside-1"})
    finally:
        logger.removeHandler(handler)
    parsed = json.loads(lines[0])
    assert parsed["request_id"] == "inside-1"
    assert (parsed["level"], parsed["logger"], parsed["message"]) == (
        "warning",
        "gateway.test",
        "looking up the caller",
    )
    # RFC 3339 in UTC
    assert parsed["time"].endswith("+00:00") and parsed["time"][10] == "T"
    assert text[0].endswith("gateway.test: looking up the caller [inside-1]")


def test_json_record_outside_a_request_has_no_id_and_keeps_the_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("gateway.test").makeRecord(
            "gateway.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), exc_info=True
        )
        import sys

        record.exc_info = sys.exc_info()
    parsed = json.loads(JsonFormatter().format(record))
    assert "request_id" not in parsed
    assert parsed["message"] == "failed: x"
    assert parsed["level"] == "error"
    assert parsed["exc_info"].startswith("Traceback") and "ValueError: boom" in parsed["exc_info"]


def test_log_format_setting_and_the_serve_config(monkeypatch):
    assert Settings().log_format == "text"
    monkeypatch.setenv("GATEWAY_LOG_FORMAT", "json")
    assert Settings().log_format == "json"
    monkeypatch.setenv("GATEWAY_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        Settings()
    config = logging_config("json", "trace")
    assert config["handlers"]["stderr"]["formatter"] == "json"
    assert config["loggers"]["gateway"]["level"] == "DEBUG"
    # uvicorn's own access line (raw paths, query strings) stays off
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert logging_config("text", "info")["handlers"]["stderr"]["formatter"] == "text"
