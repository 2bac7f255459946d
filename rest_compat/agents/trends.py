"""``/trends`` (``days``, default 7) and the development ``/debug`` list (seed 004)."""

from __future__ import annotations

from rest_compat.agents import API
from rest_compat.agents.answers import seed_times
from rest_compat.agents.envelope import AGENTS
from rest_compat.agents.params import DebugParams, TrendParams
from rest_compat.routing import RestRoute

TREND_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET", f"{API}/trends", op="trends", family=AGENTS, params=TrendParams, shape=seed_times
    ),
    RestRoute(
        "GET", f"{API}/debug", op="debug", family=AGENTS, params=DebugParams, shape=seed_times
    ),
]
