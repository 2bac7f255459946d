"""Guardian verdict analytics under /v1/analytics/governance (scope ``logs:read``)."""

from __future__ import annotations

from rest_compat.routing import RestRoute

GOVERNANCE_ANALYTICS = "/v1/analytics/governance"

GUARDIAN_ROUTES: list[RestRoute] = []
