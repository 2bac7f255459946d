"""The Starlette application: GraphQL, the REST compatibility routes, health checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from gateway import migrate
from gateway.auth import Authenticator
from gateway.body_limit import BodyLimitMiddleware
from gateway.context import Context, context_for
from gateway.db import create_engine
from gateway.errors import GatewayError, retry_headers, unavailable
from gateway.metrics import MetricsMiddleware, metrics
from gateway.redirects import relative_slash_redirects
from gateway.schema import schema
from gateway.settings import Settings, get_settings
from rest_compat.envelopes import code_envelope
from rest_compat.registry import family_at, starlette_routes
from rest_compat.routing import error_response

log = logging.getLogger("gateway")


@dataclass
class Runtime:
    """What every request needs, made once in the lifespan."""

    settings: Settings
    engine: AsyncEngine
    authenticator: Authenticator


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any = None) -> Context:
        return context_for(request)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        # A database that is away is the server's failure, not the query's: answer 503
        # with Retry-After, as the REST families do, so clients and balancers back off.
        answers = response_data if isinstance(response_data, list) else [response_data]
        if any(
            (error.get("extensions") or {}).get("code") == "SERVICE_UNAVAILABLE"
            for answer in answers
            for error in answer.get("errors") or []
        ):
            response.status_code = 503
            response.headers.update(retry_headers(unavailable()))
        return response


def graphql_error_response(error: GatewayError) -> JSONResponse:
    """A refusal drawn before GraphQL runs, in GraphQL's own error shape."""
    extensions: dict[str, Any] = {"code": error.code}
    if error.details:
        extensions["details"] = error.details
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": extensions}]},
        status_code=error.status,
        headers=retry_headers(error),
    )


def refusal(scope: Scope, error: GatewayError) -> Response:
    """An error answered before routing, in the envelope of the surface the path names."""
    if scope["path"].rstrip("/") == "/graphql":
        return graphql_error_response(error)
    family = family_at(scope)
    if family is None:
        return JSONResponse(code_envelope(error), status_code=error.status)
    return error_response(family, error)


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    try:
        async with request.app.state.runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("readiness check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    run_migrations: bool = True,
) -> Starlette:
    """The gateway as an ASGI app. Tests hand in an engine; `gateway serve` does not."""
    settings = settings or get_settings()
    graphql = GraphQLApp(schema, graphql_ide="graphiql" if settings.graphiql else None)

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
        app.state.runtime = Runtime(
            settings=settings,
            engine=db,
            authenticator=Authenticator(
                secret=settings.resolved_jwt_secret(),
                public_key=settings.resolved_public_key(),
                issuer=settings.jwt_issuer,
            ),
        )
        try:
            yield
        finally:
            if own_engine:
                await db.dispose()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        *starlette_routes(),
    ]
    middleware = [
        Middleware(MetricsMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, refuse=refusal),
    ]
    return relative_slash_redirects(
        Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    )
