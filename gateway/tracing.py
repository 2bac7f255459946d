"""Optional OpenTelemetry tracing (GATEWAY_OTEL_ENDPOINT): a span per HTTP request (the
ASGI middleware), per GraphQL operation and resolver (Strawberry's own extension) and per
SQL statement (the SQLAlchemy instrumentation), one trace per request, sent over OTLP/HTTP.

Everything of OpenTelemetry is imported here, and only when tracing is on: without the
setting the gateway neither needs the `otel` extra nor loads it. The tracer provider is
handed to each instrumentation rather than installed globally, so that one process may
hold apps with and without tracing (the tests do) and each app flushes its own spans.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

from gateway.credentials import CliError
from gateway.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# What tracing imports; any one missing means the `otel` extra is not installed.
MODULES = (
    "opentelemetry.sdk.trace",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.instrumentation.asgi",
    "opentelemetry.instrumentation.sqlalchemy",
    "strawberry.extensions.tracing.opentelemetry",
)
# Probes and scrapes would be most of the traces and tell nothing.
UNTRACED_PATHS = "/healthz,/readyz,/metrics"


def missing_packages() -> list[str]:
    """The tracing modules that do not import (empty when the `otel` extra is installed)."""
    missing = []
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def require(settings: Settings) -> None:
    """Refuse, in one line, to start with tracing asked for and not installed."""
    if settings.otel_endpoint is None:
        return
    missing = missing_packages()
    if missing:
        raise CliError(
            f"GATEWAY_OTEL_ENDPOINT is set but OpenTelemetry is not installed ({missing[0]}); "
            "install the gateway with its extra: pip install 'analytics-gateway[otel]'"
        )


def traces_url(endpoint: str) -> str:
    """The collector's traces URL: OTLP/HTTP serves them under /v1/traces."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def provider_for(settings: Settings) -> TracerProvider:
    """A tracer provider that batches spans to the configured collector."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    assert settings.otel_endpoint is not None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.otel_service_name}))
    exporter = OTLPSpanExporter(endpoint=traces_url(settings.otel_endpoint))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def traced_schema(schema: strawberry.Schema, provider: TracerProvider) -> strawberry.Schema:
    """The schema with Strawberry's OpenTelemetry extension added, for this app only.

    A shallow copy: the type system is shared, and the module's schema, which other apps
    in the process serve, keeps its extensions. REST routes run their operations on the
    app's schema, so their GraphQL spans come too.
    """
    from strawberry.extensions.tracing.opentelemetry import OpenTelemetryExtension

    traced = copy.copy(schema)
    traced.extensions = (
        *schema.extensions,
        partial(OpenTelemetryExtension, tracer_provider=provider),
    )
    return traced


def middleware(provider: TracerProvider) -> Middleware:
    """The ASGI middleware that opens each request's (or WebSocket's) server span."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return Middleware(
        OpenTelemetryMiddleware,
        tracer_provider=provider,
        excluded_urls=UNTRACED_PATHS,
        # A span per ASGI message (each chunk sent) is noise beside the request's own.
        exclude_spans=["receive", "send"],
    )


@contextmanager
def sql_spans(engines: Sequence[AsyncEngine], provider: TracerProvider) -> Iterator[None]:
    """A span per SQL statement on ``engines`` while the block runs (the app's lifespan)."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument(
        engines=[engine.sync_engine for engine in engines],
        tracer_provider=provider,
        # It declares SQLAlchemy below 2.1 and would otherwise do nothing on 2.1; what it
        # uses (the engine's cursor events) is unchanged there, and tests/gateway/
        # test_tracing.py checks that the statements' spans come.
        skip_dep_check=True,
    )
    try:
        yield
    finally:
        # The engine may outlive the app (tests share one): its listeners go with the app.
        instrumentor.uninstrument()


def sql_spans_for(runtime: Any, provider: TracerProvider | None) -> AbstractContextManager[None]:
    """SQL spans on the app's engines (the read replica's too, when it has one) while the
    block runs; nothing without a provider."""
    if provider is None:
        return nullcontext()
    engines = [runtime.engine]
    read_engine = getattr(runtime, "read_engine", None)
    if read_engine is not None and read_engine is not runtime.engine:
        engines.append(read_engine)
    return sql_spans(engines, provider)


def provider_of(
    settings: Settings, given: TracerProvider | None
) -> tuple[TracerProvider | None, bool]:
    """The app's tracer provider: the one given (a test's), else one for
    GATEWAY_OTEL_ENDPOINT, else none; and whether the app owns it (shuts it down)."""
    if given is not None:
        return given, False
    if settings.otel_endpoint is None:
        return None, False
    return provider_for(settings), True
