"""``/predictive/trends`` (seed 004): no parameters. The operation's union draws either
of the seed's two answers with exactly its own keys; times end in ``Z``."""

from __future__ import annotations

from rest_compat.agents import API
from rest_compat.agents.answers import seed_times
from rest_compat.agents.envelope import AGENTS
from rest_compat.routing import RestRoute

FORECAST_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{API}/predictive/trends",
        op="predictive_trends",
        family=AGENTS,
        shape=seed_times,
    ),
]
