"""The Starlette application: GraphQL, the REST compatibility routes, health checks, the UIs."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Scope
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway import migrate, tracing
from gateway.answer_cache import AnswerCache
from gateway.auth import Authenticator
from gateway.body_limit import BodyLimitMiddleware
from gateway.callers import CallerCache
from gateway.cors import cors_middleware
from gateway.db import create_engine
from gateway.errors import GatewayError
from gateway.families import FAMILIES
from gateway.family import FamilyManifest
from gateway.graphql_http import HTTP_REFUSAL_CODES, GraphQLApp, graphql_error_response
from gateway.jobs import Worker
from gateway.live import Hub, hub_for
from gateway.metrics import MetricsMiddleware, metrics
from gateway.persisted import PersistedQueries
from gateway.plan_cache import cache_of as plans_of
from gateway.rate_limits import Counters, RateLimiter, parse_limits
from gateway.readiness import readyz
from gateway.redirects import relative_slash_redirects
from gateway.replica import ReplicaRoute, read_replica
from gateway.request_log import RequestLogMiddleware
from gateway.schema import build_schema, schema
from gateway.settings import Settings, get_settings
from gateway.sql import utcnow
from gateway.system_health import Gauges, SystemSampler
from gateway.ui import redact_access_log, ui_routes
from resolvers.webhooks.delivery import DeliveryWorker
from rest_compat.envelopes import code_envelope
from rest_compat.openapi import openapi_json
from rest_compat.registry import RestRoutes
from rest_compat.routing import error_response

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger("gateway")


@dataclass
class Runtime:
    """What every request needs, made once in the lifespan."""

    settings: Settings
    # The schema the app serves; REST routes run their operations on this same one.
    schema: strawberry.Schema
    # The REST rows it serves, and their OpenAPI document once someone asks for it.
    rest: RestRoutes
    engine: AsyncEngine
    authenticator: Authenticator
    # None when the app runs without one (`serve --no-worker`, GATEWAY_RUN_WORKER=false).
    worker: Worker | None = None
    openapi: dict[str, Any] | None = None
    # Each request's "now" (one clock reading per request); tests inject a fixed one.
    clock: Callable[[], datetime] = utcnow
    # Rate limiters by REST family name, and "graphql" (gateway/rate_limits.py), and the
    # store they count in.
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    counters: Counters = field(default_factory=lambda: Counters(None))
    # This app's answers over the last minutes and its host's load (gateway/system_health.py).
    gauges: Gauges = field(default_factory=Gauges)
    # Live producers shared per organisation, and the event broker (gateway/live).
    hub: Hub = field(default_factory=Hub)
    # The read replica (GATEWAY_DATABASE_READ_URL) and whether it may serve reads now.
    read_engine: AsyncEngine | None = None
    replica: ReplicaRoute | None = None
    # Query answers shared by the replicas (Redis) or kept by this process (gateway/answer_cache).
    answers: AnswerCache | None = None
    # Automatic persisted queries and the allow-list (gateway/persisted.py).
    persisted: PersistedQueries | None = None
    # Callers authenticated in the last GATEWAY_CALLER_CACHE_SECONDS (gateway/callers.py).
    callers: CallerCache | None = None
    # Else the callers last looked up, which queries guess from (gateway/callers.py).
    hints: CallerCache | None = None


def refusal(rest: RestRoutes, scope: Scope, error: GatewayError) -> Response:
    """An error answered before routing, in the envelope of the surface the path names."""
    if scope["path"].rstrip("/") == "/graphql":
        return graphql_error_response(error)
    family = rest.family_at(scope)
    if family is None:
        return JSONResponse(code_envelope(error), status_code=error.status)
    return error_response(family, error)


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


async def http_refusal(rest: RestRoutes, request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such path, method not allowed) in the envelope of the
    family whose path it is (any method), else in the common REST envelope."""
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_REFUSAL_CODES.get(exc.status_code, "BAD_USER_INPUT")
    family = rest.family_at(request.scope)
    if family is not None:
        response = error_response(family, GatewayError(code, exc.detail))
        response.headers.update(exc.headers or {})
        return response
    return JSONResponse(
        {"error": {"code": code, "message": exc.detail}},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def limiters_for(settings: Settings, counters: Counters) -> dict[str, RateLimiter]:
    """The rate limiters by REST family name, and ``graphql`` for the cost budget of
    /graphql operations, made per app so that counters in memory start at 0. A REST
    call runs its family's limits only, never the GraphQL budget."""
    wanted = {
        "incidents": (settings.incidents_rate_limits, "user"),
        "governance": (settings.governance_rate_limits, "organization"),
        "graphql": (settings.graphql_cost_budget, "organization"),
    }
    limiters = {}
    for name, (setting, per) in wanted.items():
        items = parse_limits(setting)
        if items:
            limiters[name] = RateLimiter(name, items, counters, per=per)
    return limiters


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    run_migrations: bool = True,
    families: Sequence[FamilyManifest] = FAMILIES,
    clock: Callable[[], datetime] = utcnow,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The gateway as an ASGI app, serving ``families``. Tests hand in an engine (and
    sometimes families of their own, a fixed clock, or a tracer provider that keeps its
    spans in memory); `gateway serve` does not."""
    settings = settings or get_settings()
    redact_access_log()
    app_schema = schema if families is FAMILIES else build_schema(families)
    # Tracing is off (and OpenTelemetry never imported) without GATEWAY_OTEL_ENDPOINT.
    provider, own_provider = tracing.provider_of(settings, tracer_provider)
    if provider is not None:
        app_schema = tracing.traced_schema(app_schema, provider)
    rest = RestRoutes(families)
    graphql = GraphQLApp(
        app_schema,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        # The protocol the issue names; the older graphql-ws one is not offered.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        # Strawberry refuses a handshake from another origin unless it is listed, as CORS
        # does for pages that read answers.
        allowed_origins=settings.allowed_origins,
    )
    # The plan cache is the schema's, shared by the apps serving it; the last sized wins.
    plans_of(app_schema).resize(settings.plan_cache_size)
    # The REST layer's stored operations are known to APQ and the allow-list from the start.
    persisted = PersistedQueries.from_settings(settings, {row.document for row in rest.rows})
    graphql.persisted = persisted
    gauges = Gauges(system=SystemSampler(settings.data_dir))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_engine = engine is None
        db = engine or create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
        )
        if run_migrations:
            await migrate.upgrade(db)
        counters = Counters(settings.redis_url, retry_after=settings.rate_limit_redis_retry)
        read_db, replica = read_replica(settings)
        answers = AnswerCache.from_settings(settings)
        app.state.runtime = Runtime(
            settings=settings,
            schema=app_schema,
            rest=rest,
            engine=db,
            authenticator=Authenticator(
                secret=settings.resolved_jwt_secret(),
                public_key=settings.resolved_public_key(),
                issuer=settings.jwt_issuer,
            ),
            clock=clock,
            limiters=limiters_for(settings, counters),
            counters=counters,
            gauges=gauges,
            hub=hub_for(settings),
            read_engine=read_db,
            replica=replica,
            answers=answers,
            persisted=persisted,
            callers=CallerCache(settings.caller_cache_seconds)
            if settings.caller_cache_seconds > 0
            else None,
            hints=CallerCache(math.inf) if settings.caller_cache_seconds <= 0 else None,
        )
        # Jobs, webhook deliveries and migrations take the primary's engine: they write.
        worker = None
        if settings.run_worker:
            worker = Worker.from_settings(db, settings, answers=answers)
        app.state.runtime.worker = worker
        # Webhook deliveries run beside the jobs, under the same setting.
        deliveries = DeliveryWorker.from_settings(db, settings) if settings.run_worker else None
        await app.state.runtime.hub.start()
        try:
            with tracing.sql_spans_for(app.state.runtime, provider):
                async with (
                    worker.running() if worker else nullcontext(),
                    deliveries.running() if deliveries else nullcontext(),
                    replica.running() if replica else nullcontext(),
                ):
                    yield
        finally:
            await app.state.runtime.hub.close()
            app.state.runtime.counters.close()
            await answers.close()
            persisted.close()
            if own_engine:
                await db.dispose()
            if read_db is not None:
                await read_db.dispose()
            if own_provider:
                assert provider is not None
                # Sends the spans still batched (an HTTP call): off the event loop.
                await asyncio.to_thread(provider.shutdown)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        # Subscriptions (and any operation) over graphql-transport-ws.
        WebSocketRoute("/graphql", graphql),
        Route("/openapi.json", openapi_json),
        *rest.routes,
        *(socket for family in families for socket in family.sockets),
        *ui_routes(settings.graphiql_enabled),
    ]
    # Outermost first. Metrics sees every answer, preflights included. CORS comes before
    # the body limit so that a 413 (and any answer drawn below it) still carries the
    # Access-Control headers a listed page needs to read it; a preflight has no body.
    middleware = [
        # Outermost: the request's span encloses everything the gateway does for it.
        *([tracing.middleware(provider)] if provider is not None else []),
        # Outermost but tracing, so that every answer (a 413, a redirect) carries the id.
        Middleware(RequestLogMiddleware),
        Middleware(MetricsMiddleware, window=gauges.requests),
        *cors_middleware(settings.allowed_origins, routes),
        Middleware(
            BodyLimitMiddleware, max_bytes=settings.max_body_bytes, refuse=partial(refusal, rest)
        ),
    ]
    return relative_slash_redirects(
        rest,
        Starlette(
            routes=routes,
            lifespan=lifespan,
            middleware=middleware,
            exception_handlers={StarletteHTTPException: partial(http_refusal, rest)},
        ),
    )
