"""Field guards: the same rules for GraphQL and REST, since REST runs GraphQL."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from gateway.context import Info


class Requires(BasePermission):
    """Authenticated, with at least ``role``, the ``scope`` and at least ``plan``."""

    def __init__(
        self,
        *,
        role: str | None = None,
        scope: str | None = None,
        plan: str | None = None,
        feature: str | None = None,
    ) -> None:
        self.role = role
        self.scope = scope
        self.plan = plan
        self.feature = feature

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Raises the precise GatewayError (401/402/403 with its code) on failure.
        await info.context.require(
            role=self.role, scope=self.scope, plan=self.plan, feature=self.feature
        )
        return True


def requires(
    *,
    role: str | None = None,
    scope: str | None = None,
    plan: str | None = None,
    feature: str | None = None,
) -> list[FieldExtension]:
    """Field extensions guarding a field: ``@strawberry.field(extensions=requires(...))``.

    A scope must be one a family's manifest declares; the schema refuses to build
    otherwise (gateway/schema.py).
    """
    guard = Requires(role=role, scope=scope, plan=plan, feature=feature)
    return [PermissionExtension(permissions=[guard], use_directives=False)]
