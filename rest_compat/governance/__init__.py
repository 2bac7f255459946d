"""AI governance's REST dialect (seed 002): Bearer credentials with the ``logs:read`` and
``mcp:read`` scopes, snake_case JSON, ``{"error": {"code", "message"}}`` errors with the
seed's lowercase codes (``envelope.py``), the common window parameters (``params.py``),
prefixed ids (``ids.py``) and cursor pages. Each side declares its own route rows."""

from __future__ import annotations

from rest_compat.governance.guardians import GUARDIAN_ROUTES
from rest_compat.governance.mcp import MCP_ROUTES
from rest_compat.governance.mcp_sessions import SESSION_ROUTES
from rest_compat.governance.nhi import NHI_ROUTES
from rest_compat.governance.nhi_anomalies import NHI_ANOMALY_ROUTES
from rest_compat.governance.nhi_observability import OBSERVABILITY_ROUTES
from rest_compat.governance.nhi_posture import POSTURE_ROUTES
from rest_compat.routing import RestRoute

ROUTES: list[RestRoute] = [
    *GUARDIAN_ROUTES,
    *MCP_ROUTES,
    *SESSION_ROUTES,
    *OBSERVABILITY_ROUTES,
    *NHI_ROUTES,
    *POSTURE_ROUTES,
    *NHI_ANOMALY_ROUTES,
]
