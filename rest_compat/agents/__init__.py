"""The agent console's REST dialect (seed 004): FastAPI's.

Paths under ``/api/analytics/`` without a trailing slash, ``X-API-Key`` or the
``access_token`` cookie (any of the gateway's credentials work) with the ``agents:read``
scope, answers with ``Z`` times (``answers.py``) and ``{"detail": …}`` errors
(``envelope.py``). Each side declares its own route rows.
"""

from __future__ import annotations

from rest_compat.routing import RestRoute

API = "/api/analytics"


def _routes() -> list[RestRoute]:
    # Imported here: the route modules import API from this package.
    from rest_compat.agents.executive import EXECUTIVE_ROUTES
    from rest_compat.agents.forecast import FORECAST_ROUTES
    from rest_compat.agents.live import LIVE_ROUTES
    from rest_compat.agents.trends import TREND_ROUTES

    return [*TREND_ROUTES, *LIVE_ROUTES, *FORECAST_ROUTES, *EXECUTIVE_ROUTES]


ROUTES: list[RestRoute] = _routes()
