"""MCP tool-call analytics under /v1/mcp/analytics (scope ``mcp:read``)."""

from __future__ import annotations

from rest_compat.routing import RestRoute

MCP_ANALYTICS = "/v1/mcp/analytics"

MCP_ROUTES: list[RestRoute] = []
