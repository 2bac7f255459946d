"""Who may use the agent console's fields.

Reading needs ``agents:read``; the executive dashboard and the debug list need the admin
role too (the seed: "Executive dashboard requires admin permissions"). Recording an
action needs ``agents:write``; reviewing one needs ``agents:write`` and the manager role
or higher, since a review is a decision about another's work. The debug list exists only
when ``GATEWAY_DEBUG_ENDPOINTS`` is on: off, it is "not found" to everyone, before any
credential is looked at, as a path that is not served.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from gateway.context import Info
from gateway.errors import GatewayError
from gateway.permissions import Requires, requires
from resolvers.agents.scopes import AGENTS_READ, AGENTS_WRITE

READ = requires(scope=AGENTS_READ)
ADMIN_READ = requires(role="admin", scope=AGENTS_READ)
RECORD = requires(scope=AGENTS_WRITE)
REVIEW = requires(role="manager", scope=AGENTS_WRITE)


class DebugEndpoints(BasePermission):
    """Passes only when the debug endpoints are switched on."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not info.context.settings.debug_endpoints_enabled:
            raise GatewayError(
                "NOT_FOUND", "debug endpoints are off (GATEWAY_DEBUG_ENDPOINTS=false)"
            )
        return True


DEBUG: list[FieldExtension] = [
    PermissionExtension(
        permissions=[DebugEndpoints(), Requires(role="admin", scope=AGENTS_READ)],
        use_directives=False,
    )
]
