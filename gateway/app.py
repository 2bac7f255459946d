"""The Starlette application: GraphQL, the REST compatibility routes, health checks, the UIs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from gateway import migrate, tracing
from gateway.answer_cache import AnswerCache
from gateway.auth import Authenticator, read_credential
from gateway.body_limit import BodyLimitMiddleware
from gateway.context import Context, context_for
from gateway.cors import cors_middleware
from gateway.db import create_engine
from gateway.errors import GatewayError, retry_headers, unavailable
from gateway.families import FAMILIES
from gateway.family import FamilyManifest
from gateway.jobs import Worker
from gateway.live import Hub, hub_for
from gateway.media_types import GRAPHQL_RESPONSE_JSON, is_request_error, response_media_type
from gateway.metrics import MetricsMiddleware, metrics
from gateway.rate_limits import Counters, RateLimiter, parse_limits
from gateway.readiness import readyz
from gateway.redirects import relative_slash_redirects
from gateway.replica import ReplicaRoute, read_replica
from gateway.request_log import RequestLogMiddleware, note_operation
from gateway.schema import build_schema, schema
from gateway.settings import Settings, get_settings
from gateway.sql import utcnow
from gateway.system_health import Gauges, SystemSampler
from gateway.ui import page, redact_access_log, ui_routes
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


# Strawberry refuses a request at the HTTP level (a body that is not JSON, no query…)
# with a status and a reason; each is answered in GraphQL's own error shape.
HTTP_REFUSAL_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any = None) -> Context:
        return context_for(request)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Chosen once from Accept and carried to create_response, which has no request.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        # The access line's operation: a batch is named by its first operation.
        first = data[0] if isinstance(data, list) and data else data
        if isinstance(first, GraphQLRequestData):
            note_operation(first.operation_name)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        wants_spec = response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON
        if wants_spec and is_request_error(result):
            # The spec's type tells "never ran" (no data entry) from "ran, data is null".
            answer.pop("data", None)
        return answer

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws's ``connection_init``: the caller is authenticated here,
        from the payload (``{"Authorization": "Bearer …"}`` or ``{"X-API-Key": …}``, also
        inside ``"headers"``) or else the upgrade request's headers and cookie. Without a
        valid credential the socket is closed with 4403 (the protocol's "Forbidden")."""
        params = context.connection_params or {}
        nested = params.get("headers")
        offered = {
            str(name).lower(): value
            for source in (params, nested if isinstance(nested, dict) else {})
            for name, value in source.items()
            if isinstance(value, str)
        }
        credential = read_credential(offered, {})
        if credential is not None:
            # Sent by the client's own code, not attached by a browser: no CSRF rule.
            context.credential, context.refused = credential, None
        try:
            await context.principal()
        except GatewayError as error:
            raise ConnectionRejectionError({"code": error.code}) from None
        finally:
            # Each operation on the socket is a request of its own (Context.reopen).
            await context.close()
        return await super().on_ws_connect(context)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page over vendored assets, instead of Strawberry's CDN one.
        return page("graphiql.html")

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        answers = response_data if isinstance(response_data, list) else [response_data]
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if not isinstance(response_data, list) and "data" not in response_data:
                response.status_code = 400
        # A database that is away is the server's failure, not the query's: answer 503
        # with Retry-After, as the REST families do, so clients and balancers back off.
        if any(
            _error_code(error) == "SERVICE_UNAVAILABLE"
            for answer in answers
            for error in answer.get("errors") or []
        ):
            response.status_code = 503
            response.headers.update(retry_headers(unavailable()))
        # An operation over its organisation's cost budget never ran: 429 with the
        # Retry-After and RateLimit fields a REST family's refusal carries (batching is
        # off, so no other operation of the request ran either).
        refusals = [refusal for answer in answers if (refusal := _rate_limited(answer))]
        if refusals:
            response.status_code = 429
            response.headers.update(retry_headers(refusals[0]))
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as refusal:
            code = HTTP_REFUSAL_CODES.get(refusal.status_code, "BAD_USER_INPUT")
            response = graphql_error_response(GatewayError(code, refusal.reason))
            response.status_code = refusal.status_code
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """A JSON object, or a batch list of them; anything else is refused with a 400.

        Strawberry would call ``.get`` on a body such as ``"x"``, ``5`` or ``null``, and
        lets a body nested past the interpreter's stack, or not UTF-8, escape as a 500.
        """
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            decoded = json.loads(text)
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not valid UTF-8") from None
        except RecursionError:
            raise HTTPException(400, "The request's JSON is nested too deeply") from None
        except ValueError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        items = decoded if isinstance(decoded, list) else [decoded]
        if not all(isinstance(item, dict) for item in items):
            raise HTTPException(400, "The request must be a JSON object (or a list of them)")
        # Strawberry checks `query`, `variables` and `extensions`, but passes any
        # `operationName` on; the spec asks for a string or null.
        if not all(isinstance(item.get("operationName"), str | None) for item in items):
            raise HTTPException(400, "The operationName must be a string or null")
        return decoded


def _error_code(error: object) -> object:
    """A formatted GraphQL error's ``extensions.code`` (Strawberry types errors as objects)."""
    if not isinstance(error, dict):
        return None
    extensions = error.get("extensions")
    return extensions.get("code") if isinstance(extensions, dict) else None


def _rate_limited(answer: GraphQLHTTPResponse) -> GatewayError | None:
    """The rate-limit refusal an answer carries (gateway/cost_budget.py), if it does."""
    for error in answer.get("errors") or []:
        if _error_code(error) == "RATE_LIMITED":
            assert isinstance(error, dict)
            details = error["extensions"].get("details")
            return GatewayError("RATE_LIMITED", error["message"], details=details)
    return None


def graphql_error_response(error: GatewayError) -> Response:
    """A refusal drawn before GraphQL runs, in GraphQL's own error shape."""
    extensions: dict[str, Any] = {"code": error.code}
    if error.details:
        extensions["details"] = error.details
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": extensions}]},
        status_code=error.status,
        headers=retry_headers(error),
    )


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
