"""Paged reads of the catalog, keyset-paginated, scoped to one organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal, or_
from sqlmodel import col

from gateway.cursors import decode_cursor
from gateway.sql import UTCDateTime
from models.audit import AuditEvent
from models.catalog import Component, Deployment
from resolvers.catalog import AUDIT_FAMILY
from resolvers.pagination import newest_first_after


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def component_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    kind: str | None,
    lifecycle: str | None,
    owner: str | None,
    search: str | None,
) -> list[Any]:
    """Which components a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    conditions: list[Any] = [col(Component.org_id) == org_id]
    if kind is not None:
        conditions.append(col(Component.kind) == kind)
    if lifecycle is not None:
        conditions.append(col(Component.lifecycle) == lifecycle)
    if owner is not None:
        conditions.append(col(Component.owner) == owner)
    if search:
        conditions.append(col(Component.name).ilike(_like(search), escape="\\"))
    if after is not None:
        name, last = decode_cursor(after, str, uuid.UUID)
        conditions.append(
            or_(
                col(Component.name) > name,
                and_(col(Component.name) == name, col(Component.id) > last),
            )
        )
    return conditions


# Components in name order; a cursor holds (name, id).
COMPONENT_ORDER: tuple[Any, ...] = (col(Component.name), col(Component.id))
COMPONENT_CURSOR = ("name", "id")


def deployment_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    component_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Any]:
    """Which deployments a page holds (read by the resolver and the compiler alike)."""
    conditions: list[Any] = [col(Deployment.org_id) == org_id]
    if component_id is not None:
        conditions.append(col(Deployment.component_id) == component_id)
    if environment_id is not None:
        conditions.append(col(Deployment.environment_id) == environment_id)
    if status is not None:
        conditions.append(col(Deployment.status) == status)
    if since is not None:
        conditions.append(col(Deployment.started_at) >= literal(since, UTCDateTime()))
    if until is not None:
        conditions.append(col(Deployment.started_at) <= literal(until, UTCDateTime()))
    if after is not None:
        conditions.append(newest_first_after(col(Deployment.started_at), col(Deployment.id), after))
    return conditions


# Deployments newest started first; a cursor holds (started_at, id).
DEPLOYMENT_ORDER: tuple[Any, ...] = (col(Deployment.started_at).desc(), col(Deployment.id).desc())
DEPLOYMENT_CURSOR = ("started_at", "id")


def audit_event_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    action: str | None,
    component_id: uuid.UUID | None,
) -> list[Any]:
    """The portal's own audit events a page holds (read by the resolver and the compiler)."""
    conditions: list[Any] = [
        col(AuditEvent.org_id) == org_id,
        col(AuditEvent.family) == AUDIT_FAMILY,
    ]
    if action is not None:
        conditions.append(col(AuditEvent.action) == action)
    if component_id is not None:
        conditions.append(col(AuditEvent.component_id) == component_id)
    if after is not None:
        conditions.append(newest_first_after(col(AuditEvent.created_at), col(AuditEvent.id), after))
    return conditions


# Audit events newest first; a cursor holds (created_at, id).
AUDIT_EVENT_ORDER: tuple[Any, ...] = (col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
AUDIT_EVENT_CURSOR = ("created_at", "id")
