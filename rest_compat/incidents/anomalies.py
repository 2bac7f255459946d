"""Anomaly detections and dashboards under /api/analytics/ (seed 001).

- ``anomaly-detections/``: ``anomaly_type``, ``severity``, ``status``, ``start_date`` and
  ``end_date`` (on ``detected_at``, inclusive), DRF pages, newest first.
- ``anomaly-detections/summary/``: the seed's figures (``predictive_reads.py`` defines
  each).
- ``anomaly-detections/{id}/acknowledge/``: DETECTED -> INVESTIGATING, else 409.
- ``anomaly-detections/{id}/resolve/``: ``{"resolution": RESOLVED | CONFIRMED |
  FALSE_POSITIVE, "notes"}``; 409 once closed.
- ``dashboard-configurations/``: GET lists those the caller may open (``dashboard_type``,
  ``is_active``); POST creates (201), every refused field named.
- ``dashboard/{id}/data/``: the seed's keys; 404 for an unknown id, 403 when the
  dashboard is not open to the caller.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from starlette.requests import Request
from strawberry.utils.str_converters import to_camel_case

from models.predictive import (
    MAX_TEXT,
    AnomalySeverity,
    AnomalyStatus,
    AnomalyType,
    DashboardType,
    Resolution,
)
from resolvers.incidents import dashboards
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm, drf_form
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfBool, DrfListParams, DrfMoment, DrfParams, drf_bool
from rest_compat.pages import PageNumberParams, drf_page
from rest_compat.params import BODY, QUERY, Variables, decimal_text, path_id
from rest_compat.routing import RestRoute

AnomalyId = Annotated[uuid.UUID, path_id("anomaly detection")]
DashboardId = Annotated[uuid.UUID, path_id("dashboard configuration")]
Flag = BeforeValidator(drf_bool)


class AnomalyListParams(DrfListParams):
    anomaly_type: Annotated[AnomalyType | None, QUERY] = None
    severity: Annotated[AnomalySeverity | None, QUERY] = None
    status: Annotated[AnomalyStatus | None, QUERY] = None
    start_date: DrfMoment = None
    end_date: DrfMoment = None


class AnomalyIdParams(DrfParams):
    id: AnomalyId


class ResolveBody(DrfParams):
    id: AnomalyId
    resolution: Annotated[Resolution, BODY]
    notes: Annotated[str | None, BODY, Field(max_length=MAX_TEXT)] = None


class DashboardListParams(PageNumberParams, DrfParams):
    ordering: Annotated[str | None, QUERY, Field(max_length=200)] = None
    dashboard_type: Annotated[DashboardType | None, QUERY] = None
    is_active: DrfBool = None

    def variables(self) -> Variables:
        return {**super().variables(), "ordering": self.ordering}


def _rule(field: str) -> Any:
    """A validator giving ``field`` the configuration rule's own words."""

    def check(cls: type, value: Any, info: ValidationInfo) -> Any:
        values = {**info.data, field: value}
        problem = dashboards.problems(values).get(field)
        if problem:
            raise ValueError(problem)
        return value

    return field_validator(field, mode="after")(classmethod(check))


class DashboardCreateBody(DrfParams):
    name: Annotated[str, BODY, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, BODY, Field(max_length=MAX_TEXT)] = None
    dashboard_type: Annotated[DashboardType, BODY]
    layout_config: Annotated[dict[str, Any], BODY, Field(validate_default=True)] = dict(
        dashboards.DEFAULT_LAYOUT
    )
    widget_configs: Annotated[list[Any], BODY, Field(validate_default=True)] = []
    is_public: Annotated[bool, BODY, Flag, Field(strict=True)] = False
    allowed_roles: Annotated[list[Any], BODY] = []
    auto_refresh_enabled: Annotated[bool, BODY, Flag, Field(strict=True)] = True
    refresh_interval_seconds: Annotated[
        int,
        BODY,
        BeforeValidator(decimal_text),
        Field(ge=dashboards.MIN_REFRESH, le=dashboards.MAX_REFRESH),
    ] = 300
    is_active: Annotated[bool, BODY, Flag, Field(strict=True)] = True

    _layout = _rule("layout_config")
    _widgets = _rule("widget_configs")
    _roles = _rule("allowed_roles")

    def variables(self) -> Variables:
        given = self.model_dump(mode="json")
        return {"input": {to_camel_case(name): value for name, value in given.items()}}


class DashboardIdParams(DrfParams):
    id: DashboardId


def dashboard_data(data: dict[str, Any], variables: Variables, request: Request) -> Any:
    """The dashboard's data, the seed's keys, DRF's times."""
    return drf_form(data["data"]["data"])


def _data_schema(data: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = data["properties"]["data"]["properties"]["data"]
    return dict(schema)


dashboard_data.response_schema = _data_schema  # type: ignore[attr-defined]


def _post(path: str, op: str, params: type[DrfParams], status: int = 200) -> RestRoute:
    return RestRoute(
        "POST", path, op=op, family=INCIDENTS, params=params, status=status, shape=DrfForm()
    )


ANOMALY_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{API}/anomaly-detections/summary/",
        op="anomaly_summary",
        family=INCIDENTS,
        shape=DrfForm(),
    ),
    RestRoute(
        "GET",
        f"{API}/anomaly-detections/",
        op="anomaly_detections",
        family=INCIDENTS,
        params=AnomalyListParams,
        shape=DrfForm(then=drf_page),
    ),
    _post(f"{API}/anomaly-detections/{{id}}/acknowledge/", "anomaly_acknowledge", AnomalyIdParams),
    _post(f"{API}/anomaly-detections/{{id}}/resolve/", "anomaly_resolve", ResolveBody),
    RestRoute(
        "GET",
        f"{API}/dashboard-configurations/",
        op="dashboard_configurations",
        family=INCIDENTS,
        params=DashboardListParams,
        shape=DrfForm(then=drf_page),
    ),
    _post(
        f"{API}/dashboard-configurations/",
        "dashboard_configuration_create",
        DashboardCreateBody,
        status=201,
    ),
    RestRoute(
        "GET",
        f"{API}/dashboard/{{id}}/data/",
        op="dashboard_data",
        family=INCIDENTS,
        params=DashboardIdParams,
        shape=dashboard_data,
    ),
]
