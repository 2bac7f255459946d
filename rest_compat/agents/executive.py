"""``/executive/dashboard`` (``days``, default 30; admin): the seed's executive KPIs."""

from __future__ import annotations

from rest_compat.agents import API
from rest_compat.agents.answers import seed_times
from rest_compat.agents.envelope import AGENTS
from rest_compat.agents.params import DashboardParams
from rest_compat.routing import RestRoute

EXECUTIVE_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{API}/executive/dashboard",
        op="executive_dashboard",
        family=AGENTS,
        params=DashboardParams,
        shape=seed_times,
    ),
]
