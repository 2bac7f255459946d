"""OpenTelemetry tracing (GATEWAY_OTEL_ENDPOINT, gateway/tracing.py): one request is one
trace of an HTTP span, a GraphQL operation span and SQL spans; without the setting
nothing of OpenTelemetry is loaded; asked for and not installed, `gateway serve` says so.

Spans are kept by the SDK's in-memory exporter (no collector, no network).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.resources import SERVICE_NAME
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tracing
from gateway.app import create_app
from gateway.settings import Settings
from tests.cli.run import gateway_sync
from tests.factories import Factory

VIEWER = "query Me { viewer { username } }"


async def traced_request(
    db: AsyncEngine, settings: Settings, headers: dict[str, str]
) -> tuple[httpx.Response, list[ReadableSpan]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, engine=db, run_migrations=False, tracer_provider=provider)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            response = await c.post(
                "/graphql", json={"query": VIEWER, "operationName": "Me"}, headers=headers
            )
    return response, list(exporter.get_finished_spans())


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    """The names of a span's parents, nearest first."""
    by_id = {s.context.span_id: s for s in spans}
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found = by_id[parent.span_id]
        names.append(found.name)
        parent = found.parent
    return names


async def test_one_graphql_request_is_one_trace_of_http_operation_and_sql_spans(
    db: AsyncEngine, settings: Settings, factory: Factory
) -> None:
    # given
    user = await factory.user(await factory.org(), "ann")
    # when
    response, spans = await traced_request(db, settings, factory.headers(user))
    # then
    assert response.json() == {"data": {"viewer": {"username": "ann"}}, "extensions": {"cost": 2}}
    (http,) = [s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /graphql"]
    (operation,) = [s for s in spans if s.name == "GraphQL Query: Me"]
    sql = [s for s in spans if s.kind == SpanKind.CLIENT and s.attributes and _statement(s)]
    assert sql, [s.name for s in spans]
    assert {s.context.trace_id for s in spans} == {http.context.trace_id}
    assert operation.parent is not None and operation.parent.span_id == http.context.span_id
    for span in sql:
        assert ancestors(span, spans)[-1] == "POST /graphql", (span.name, ancestors(span, spans))
    # The user is read while the operation runs (its resolver asks who is calling).
    assert any("GraphQL Query: Me" in ancestors(span, spans) for span in sql)


def _statement(span: ReadableSpan) -> str | None:
    attributes = span.attributes or {}
    value = attributes.get("db.statement") or attributes.get("db.query.text")
    return str(value) if value is not None else None


def test_without_the_setting_nothing_of_opentelemetry_is_loaded(tmp_path: Path) -> None:
    # given: a process that builds the app from the environment, without the setting
    code = f"""
import asyncio, sys
import httpx
from gateway.app import create_app
from gateway.settings import Settings

async def main():
    app = create_app(Settings(data_dir={str(tmp_path)!r}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post("/graphql", json={{"query": "{{ __typename }}"}})
            assert answer.status_code == 200, answer.text
    print(sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry"))

asyncio.run(main())
"""
    env = {k: v for k, v in os.environ.items() if k not in ("GATEWAY_OTEL_ENDPOINT",)}
    env.pop("GATEWAY_DATABASE_URL", None)
    # when: it has served a request
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    # then: no tracer provider could have been installed: no module of it was imported
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_serve_with_the_setting_and_without_the_packages_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the SDK not importable, as without the `otel` extra
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)
    database = tmp_path / "gateway.db"
    # when
    outcome = gateway_sync(
        ["serve"],
        monkeypatch,
        capsys,
        {
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "GATEWAY_OTEL_ENDPOINT": "http://127.0.0.1:4318",
        },
    )
    # then: refused before anything started (no database was created)
    assert (outcome.status, outcome.out) == (1, "")
    assert outcome.err == (
        "gateway serve: error: GATEWAY_OTEL_ENDPOINT is set but OpenTelemetry is not "
        "installed (opentelemetry.sdk.trace); install the gateway with its extra: "
        "pip install 'analytics-gateway[otel]'\n"
    )
    assert not database.exists()


def test_the_provider_sends_to_the_collectors_traces_path_as_the_gateway(tmp_path: Path) -> None:
    # given
    settings = Settings(data_dir=tmp_path, otel_endpoint="http://collector:4318/")
    # when
    provider = tracing.provider_for(settings)
    # then
    assert provider.resource.attributes[SERVICE_NAME] == "analytics-gateway"
    assert tracing.traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert tracing.traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"
    provider.shutdown()


def test_an_endpoint_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not an http"):
        Settings(data_dir=tmp_path, otel_endpoint="collector:4318")
