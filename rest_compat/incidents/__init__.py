"""The incident platform's REST dialect (seed 001): Django REST framework's.

Paths under ``/api/analytics/`` with their trailing slash, ``Token``/``Bearer``/cookie
credentials with the ``incidents:read`` and ``incidents:write`` scopes, DRF pages
(``count``/``next``/``previous``/``results``), ``ordering`` and ``search`` on lists,
decimals as strings, and ``{"error", "details", "code"}`` errors (``envelope.py``).
Each side declares its own route rows.
"""

from __future__ import annotations

from rest_compat.routing import RestRoute

API = "/api/analytics"


def _routes() -> list[RestRoute]:
    # Imported here: the route modules import API from this package.
    from rest_compat.incidents.anomalies import ANOMALY_ROUTES
    from rest_compat.incidents.costs import COST_ROUTES
    from rest_compat.incidents.heatmaps import HEATMAP_ROUTES
    from rest_compat.incidents.kpis import KPI_ROUTES
    from rest_compat.incidents.predictive import PREDICTIVE_ROUTES
    from rest_compat.incidents.recurrence import RECURRENCE_ROUTES
    from rest_compat.incidents.webhooks import WEBHOOK_ROUTES

    return [
        *KPI_ROUTES,
        *RECURRENCE_ROUTES,
        *COST_ROUTES,
        *HEATMAP_ROUTES,
        *PREDICTIVE_ROUTES,
        *ANOMALY_ROUTES,
        *WEBHOOK_ROUTES,
    ]


ROUTES: list[RestRoute] = _routes()
