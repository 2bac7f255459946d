"""Prometheus metrics: requests by route template, method and status, and latency; the
live side; rate-limit refusals; and, read at each scrape from the app's own engine, its
connection pool and the job queue (gateway/scrape_gauges.py). The GraphQL operations'
durations are gateway/operation_metrics.py's, their cost estimates gateway/cost.py's.

Who may read ``/metrics`` (settings ``metrics_public`` and ``metrics_token``):
- public (the default): anyone, with or without a token;
- not public, with a token: only ``Authorization: Bearer <token>``;
- not public, no token: nobody (metrics switched off at the door).
A refusal is 401 ``UNAUTHENTICATED`` in the REST envelope, with ``WWW-Authenticate``:
a scraper's operator sees at once that a credential is missing, where a 404 would look
like a wrong URL; the path's existence is no secret (it is in the README).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.request_window import RequestWindow
from gateway.scrape_gauges import scrape_gauges

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "gateway_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "gateway_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route", "method"],
    registry=REGISTRY,
)
# The live side (gateway/live): WebSocket streams and GraphQL subscriptions.
LIVE_CLIENTS = Gauge(
    "gateway_live_clients",
    "Live clients open on this process: realtime WebSockets and GraphQL subscriptions.",
    ["kind"],
    registry=REGISTRY,
)
LIVE_DISCONNECTS = Counter(
    "gateway_live_disconnects_total",
    "Live clients gone, by why: client (it left), slow (its send queue filled), error.",
    ["kind", "reason"],
    registry=REGISTRY,
)
LIVE_TICKS = Counter(
    "gateway_live_ticks_total",
    "Computations of a shared per-organisation stream, by stream and outcome.",
    ["stream", "outcome"],
    registry=REGISTRY,
)
LIVE_BROKER_ERRORS = Counter(
    "gateway_live_broker_errors_total",
    "Live events that Redis did not take (published locally only), by operation.",
    ["operation"],
    registry=REGISTRY,
)

ANSWER_CACHE_LOOKUPS = Counter(
    "gateway_answer_cache_lookups_total",
    "GraphQL query answers looked up in the answer cache, by outcome: hit, miss, or "
    "skipped (Redis away).",
    ["outcome"],
    registry=REGISTRY,
)
PLAN_CACHE_LOOKUPS = Counter(
    "gateway_graphql_plan_cache_lookups_total",
    "GraphQL documents looked up in the plan cache (gateway/plan_cache.py), by outcome: "
    "hit (not parsed again) or miss.",
    ["outcome"],
    registry=REGISTRY,
)
ANSWER_CACHE_ERRORS = Counter(
    "gateway_answer_cache_errors_total",
    "Answer-cache calls to Redis that failed or timed out, by operation (lookup, store, bump).",
    ["operation"],
    registry=REGISTRY,
)
# Incremented where a family's limiter refuses a request (rest_compat/routing.py), and
# where the GraphQL cost budget refuses an operation (gateway/cost_budget.py).
RATE_LIMIT_REJECTIONS = Counter(
    "gateway_rate_limit_rejections_total",
    "Requests refused 429 by a rate limit, by REST family, or graphql for the cost budget.",
    ["family"],
    registry=REGISTRY,
)

# The read replica's last health check (gateway/replica.py).
REPLICA_LAG = Gauge(
    "gateway_replica_lag_seconds",
    "How far the read replica was behind the primary at its last check (0: caught up).",
    registry=REGISTRY,
)
REPLICA_IN_USE = Gauge(
    "gateway_replica_in_use",
    "1 while reads may go to the read replica, 0 while they bypass it (or none is set).",
    registry=REGISTRY,
)


class MetricsMiddleware:
    """Counts and times every HTTP request; labels use the route template, not the raw
    path, so ids in paths cannot blow up the number of series."""

    def __init__(self, app: ASGIApp, window: RequestWindow | None = None) -> None:
        self.app = app
        # The last minutes' figures, for the agent console (gateway/request_window.py).
        self.window = window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            elapsed = time.perf_counter() - started
            REQUESTS.labels(template, method, str(status)).inc()
            LATENCY.labels(template, method).observe(elapsed)
            if self.window is not None:
                self.window.record(scope["path"], status, elapsed)


def may_read_metrics(authorization: str, *, public: bool, token: str | None) -> bool:
    """Whether a request with this Authorization header may read the metrics."""
    if public:
        return True
    if not token:
        return False
    scheme, _, offered = authorization.partition(" ")
    # Constant time, over bytes (compare_digest refuses non-ASCII str): the comparison
    # tells nothing of how much of the token a guess got right.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), token.encode()
    )


async def metrics(request: Request) -> Response:
    settings = request.app.state.runtime.settings
    authorization = request.headers.get("authorization", "")
    if not may_read_metrics(
        authorization, public=settings.metrics_public, token=settings.metrics_token
    ):
        message = "metrics need `Authorization: Bearer <GATEWAY_METRICS_TOKEN>`"
        return JSONResponse(
            {"error": {"code": "UNAUTHENTICATED", "message": message}},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    # The process-wide metrics, then this app's pool and queue, read now (several apps
    # may share the process in tests: each reports its own engine).
    runtime = request.app.state.runtime
    scraped = generate_latest(REGISTRY) + generate_latest(await scrape_gauges(runtime.engine))
    return Response(scraped, media_type=CONTENT_TYPE_LATEST)
