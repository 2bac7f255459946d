"""Dashboard configurations: the rules a configuration must keep, who may open one, and
the writes.

- ``layout_config``: ``{"rows", "columns"}``, each 1 to 24 (default 3 x 3).
- ``widget_configs``: at most 50, each ``{"type", "position": {"row", "column"},
  "size": {"width", "height"}, "config"}``; ``type`` one of ``WIDGET_TYPES``; ``size``
  defaults to 1 x 1; every widget lies inside the layout and no two overlap. A
  ``heatmap`` widget's ``config`` may name ``heatmap_type`` and ``time_granularity``.
- Access: a public dashboard is open to any user of the organisation; any other to its
  creator, admins, and users whose role or group (their department's name) is in
  ``allowed_roles``. Anyone else is refused with PERMISSION_DENIED (403).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, false, insert, or_, select, true
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.utils.str_converters import to_camel_case

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import GatewayError, bad_input, not_found
from gateway.sql import json_array_has, table_of
from models.predictive import (
    DASHBOARD_TYPES,
    MAX_GRID,
    MAX_ROLES,
    MAX_WIDGETS,
    DashboardConfiguration,
)
from models.tenancy import Department, User
from resolvers.incidents import heatmaps
from resolvers.incidents.audit import audit

DASHBOARDS = table_of(DashboardConfiguration)
USERS = table_of(User)
DEPARTMENTS = table_of(Department)
WIDGET_TYPES = (
    "kpi_summary",
    "anomaly_summary",
    "cost_summary",
    "insight_summary",
    "recent_anomalies",
    "recent_insights",
    "heatmap",
)
DEFAULT_LAYOUT = {"rows": 3, "columns": 3}
MIN_REFRESH, MAX_REFRESH = 10, 86_400


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def layout_problem(layout: Any) -> str | None:
    if not isinstance(layout, dict) or set(layout) != {"rows", "columns"}:
        return 'must be an object with "rows" and "columns"'
    if not all(_whole(layout[k], 1, MAX_GRID) for k in ("rows", "columns")):
        return f"rows and columns must be integers from 1 to {MAX_GRID}"
    return None


def _widget_problem(n: int, widget: Any, layout: dict[str, int], taken: set) -> str | None:
    where = f"widget {n}"
    if not isinstance(widget, dict) or not set(widget) <= {"type", "position", "size", "config"}:
        return f'{where}: an object of "type", "position", "size" and "config"'
    if widget.get("type") not in WIDGET_TYPES:
        return f"{where}: type must be one of " + ", ".join(WIDGET_TYPES)
    position = widget.get("position")
    size = widget.get("size", {"width": 1, "height": 1})
    if not isinstance(position, dict) or set(position) != {"row", "column"}:
        return f'{where}: position must be {{"row", "column"}}'
    if not isinstance(size, dict) or set(size) != {"width", "height"}:
        return f'{where}: size must be {{"width", "height"}}'
    row, column = position["row"], position["column"]
    width, height = size["width"], size["height"]
    if not (_whole(row, 0, MAX_GRID) and _whole(column, 0, MAX_GRID)):
        return f"{where}: row and column must be integers from 0"
    if not (_whole(width, 1, MAX_GRID) and _whole(height, 1, MAX_GRID)):
        return f"{where}: width and height must be integers from 1"
    if row + height > layout["rows"] or column + width > layout["columns"]:
        return (
            f"{where}: at row {row}, column {column} with size {width} x {height} it lies "
            f"outside the {layout['rows']} x {layout['columns']} layout"
        )
    cells = {(r, c) for r in range(row, row + height) for c in range(column, column + width)}
    if cells & taken:
        return f"{where}: it overlaps another widget"
    taken |= cells
    config = widget.get("config", {})
    if not isinstance(config, dict):
        return f"{where}: config must be an object"
    if widget["type"] == "heatmap":
        if not set(config) <= {"heatmap_type", "time_granularity"}:
            return f'{where}: a heatmap\'s config takes "heatmap_type" and "time_granularity"'
        if config.get("heatmap_type", "INCIDENT_FREQUENCY") not in heatmaps.HEATMAP_TYPES:
            return f"{where}: heatmap_type must be one of " + ", ".join(heatmaps.HEATMAP_TYPES)
        if config.get("time_granularity", "HOUR") not in heatmaps.GRANULARITIES:
            return f"{where}: time_granularity must be one of " + ", ".join(heatmaps.GRANULARITIES)
    elif config:
        return f"{where}: a {widget['type']} widget takes no config"
    return None


def widgets_problem(widgets: Any, layout: Any) -> str | None:
    if not isinstance(widgets, list) or len(widgets) > MAX_WIDGETS:
        return f"must be a list of at most {MAX_WIDGETS} widgets"
    if layout_problem(layout) is not None:
        return None  # the layout's own refusal says it
    taken: set[tuple[int, int]] = set()
    for n, widget in enumerate(widgets):
        problem = _widget_problem(n, widget, layout, taken)
        if problem:
            return problem
    return None


def roles_problem(roles: Any) -> str | None:
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        return f"must be a list of at most {MAX_ROLES} roles or groups"
    if not all(isinstance(r, str) and 1 <= len(r.strip()) <= 100 for r in roles):
        return "each role or group is text of 1 to 100 characters"
    return None


def problems(values: dict[str, Any]) -> dict[str, str]:
    """Each refused field and why; empty when the configuration is sound."""
    layout = values.get("layout_config", DEFAULT_LAYOUT)
    found = {
        "name": None
        if isinstance(values.get("name"), str) and 1 <= len(values["name"].strip()) <= 200
        else "text of 1 to 200 characters is required",
        "dashboard_type": None
        if values.get("dashboard_type") in DASHBOARD_TYPES
        else "must be one of " + ", ".join(DASHBOARD_TYPES),
        "layout_config": layout_problem(layout),
        "widget_configs": widgets_problem(values.get("widget_configs", []), layout),
        "allowed_roles": roles_problem(values.get("allowed_roles", [])),
        "refresh_interval_seconds": None
        if _whole(values.get("refresh_interval_seconds", 300), MIN_REFRESH, MAX_REFRESH)
        else f"must be an integer from {MIN_REFRESH} to {MAX_REFRESH}",
    }
    return {name: problem for name, problem in found.items() if problem}


async def create(
    conn: AsyncConnection, *, actor: Principal, now: datetime, values: dict[str, Any]
) -> RowMapping:
    refused = problems(values)
    if refused:
        field, problem = next(iter(refused.items()))
        raise bad_input(
            f"{to_camel_case(field)}: {problem}",
            argument=to_camel_case(field),
            fields={name: [message] for name, message in refused.items()},
        )
    row = {
        "id": uuid.uuid4(),
        "org_id": actor.org_id,
        "name": values["name"].strip(),
        "description": values.get("description"),
        "dashboard_type": values["dashboard_type"],
        "layout_config": values.get("layout_config", DEFAULT_LAYOUT),
        "widget_configs": values.get("widget_configs", []),
        "is_public": bool(values.get("is_public", False)),
        "allowed_roles": [r.strip() for r in values.get("allowed_roles", [])],
        "auto_refresh_enabled": bool(values.get("auto_refresh_enabled", True)),
        "refresh_interval_seconds": values.get("refresh_interval_seconds", 300),
        "is_active": bool(values.get("is_active", True)),
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    created = (
        (await conn.execute(insert(DASHBOARDS).values(**row).returning(*DASHBOARDS.c)))
        .mappings()
        .one()
    )
    await audit(
        conn,
        actor,
        now,
        "CREATE",
        Subject("dashboard_configuration", created["id"]),
        {"name": created["name"]},
    )
    return created


async def open_to(conn: AsyncConnection, actor: Principal) -> Any | None:
    """The SQL condition of the dashboards ``actor`` may open (the module's access rule),
    or None for an admin, who may open every one: the list and one dashboard's data both
    read it, so the rule has one statement of it."""
    if actor.role == "admin":
        return None
    group = (
        await conn.execute(
            select(DEPARTMENTS.c.name)
            .join(USERS, USERS.c.department_id == DEPARTMENTS.c.id)
            .where(USERS.c.id == actor.user_id, USERS.c.org_id == actor.org_id)
        )
    ).scalar()
    d = DASHBOARDS.c
    allowed = [
        d.is_public.is_(True),
        d.created_by == actor.user_id,
        json_array_has(d.allowed_roles, actor.role),
    ]
    if group is not None:
        allowed.append(json_array_has(d.allowed_roles, group))
    return or_(*allowed)


def list_conditions(
    org_id: uuid.UUID, access: Any | None, *, dashboard_type: str | None, is_active: bool | None
) -> list[Any]:
    """Which dashboards the list holds (``access``: ``open_to``'s condition): its
    resolver's statement and the compiled one (gateway/compiler) both read these."""
    d = DASHBOARDS.c
    conditions = [d.org_id == org_id]
    if access is not None:
        conditions.append(access)
    if dashboard_type is not None:
        conditions.append(d.dashboard_type == dashboard_type)
    if is_active is not None:
        conditions.append(d.is_active.is_(is_active))
    return conditions


async def opened(conn: AsyncConnection, actor: Principal, dashboard_id: uuid.UUID) -> RowMapping:
    """The dashboard, if the actor may open it: NOT_FOUND, else PERMISSION_DENIED."""
    condition = await open_to(conn, actor)
    may = true() if condition is None else case((condition, true()), else_=false())
    statement = select(DASHBOARDS, may.label("may_open")).where(
        DASHBOARDS.c.org_id == actor.org_id, DASHBOARDS.c.id == dashboard_id
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("dashboard configuration")
    if not row["may_open"]:
        raise GatewayError("INSUFFICIENT_ROLE", "this dashboard is not open to you")
    return row


def heatmap_choice(widgets: list[dict[str, Any]]) -> tuple[str, str]:
    """The configured heatmap (the first heatmap widget's), else INCIDENT_FREQUENCY by HOUR."""
    for widget in widgets:
        if widget.get("type") == "heatmap":
            config = widget.get("config") or {}
            return (
                config.get("heatmap_type", "INCIDENT_FREQUENCY"),
                config.get("time_granularity", "HOUR"),
            )
    return "INCIDENT_FREQUENCY", "HOUR"
