"""``/realtime/metrics`` and ``/performance`` (seed 004): the live figures, in the seed's
"with CloudWatch" shapes with this gateway's own sources (resolvers/agents/realtime.py,
resolvers/agents/performance.py)."""

from __future__ import annotations

from rest_compat.agents import API
from rest_compat.agents.answers import seed_times
from rest_compat.agents.envelope import AGENTS
from rest_compat.routing import RestRoute

LIVE_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET", f"{API}/realtime/metrics", op="realtime_metrics", family=AGENTS, shape=seed_times
    ),
    RestRoute("GET", f"{API}/performance", op="performance", family=AGENTS, shape=seed_times),
]
