"""KPI metrics and measurements under /api/analytics/ (seed 001).

- ``kpi-metrics/``: GET lists (``metric_type``, ``is_active``, ``is_system_metric``,
  ``created_after``, ``created_before``, plus DRF's page, ordering and search), POST
  creates (201). Rows carry ``measurement_count``, ``latest_measurement`` and
  ``created_by_username`` as the seed shows, and ``created_by`` and ``target_value`` from
  its data model.
- ``kpi-metrics/{id}/``: GET, PATCH (the fields given) and DELETE (204; a system metric
  is 403), as a ModelViewSet has them. An id that is malformed, unknown or another
  organisation's is a 404.
- ``kpi-metrics/{id}/measurements/`` and ``kpi-measurements/`` (``metric_id``):
  ``start_date``/``end_date`` keep the periods overlapping them; newest period first.
- ``kpi-metrics/summary/``: a bare list, as documented.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from strawberry.utils.str_converters import to_camel_case

from models.incidents import (
    MAX_FILTER_ITEMS,
    MAX_TEXT,
    MAX_WINDOW_HOURS,
    AggregationType,
    Category,
    MetricType,
    Priority,
    Severity,
    check_formula,
)
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm, no_content
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import (
    DrfBool,
    DrfListParams,
    DrfMoment,
    DrfParams,
    drf_bool,
)
from rest_compat.pages import drf_page
from rest_compat.params import BODY, QUERY, Variables, decimal_text, path_id
from rest_compat.routing import RestRoute

MetricId = Annotated[uuid.UUID, path_id("KPI metric")]


class MetricListParams(DrfListParams):
    metric_type: Annotated[MetricType | None, QUERY] = None
    is_active: DrfBool = None
    is_system_metric: DrfBool = None
    created_after: DrfMoment = None
    created_before: DrfMoment = None


class _MetricFields(DrfParams):
    """The writable fields, checked as the model checks them, every refusal named.

    ``metric_type`` comes first, so that the formula's check (after it) can read it."""

    metric_type: Annotated[MetricType | None, BODY] = None
    name: Annotated[str, BODY, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, BODY, Field(max_length=MAX_TEXT)] = None
    aggregation_type: Annotated[AggregationType, BODY] = "AVERAGE"
    incident_categories: Annotated[list[Category], BODY, Field(max_length=MAX_FILTER_ITEMS)] = []
    incident_severities: Annotated[list[Severity], BODY, Field(max_length=MAX_FILTER_ITEMS)] = []
    incident_priorities: Annotated[list[Priority], BODY, Field(max_length=MAX_FILTER_ITEMS)] = []
    calculation_formula: Annotated[str | None, BODY, Field(max_length=500)] = None
    # As DRF's IntegerField and BooleanField read JSON: "24" is 24, "true" and 1 are true;
    # 24.5, "x" and a list are refused.
    time_window_hours: Annotated[
        int, BODY, BeforeValidator(decimal_text), Field(ge=1, le=MAX_WINDOW_HOURS)
    ] = 24
    is_active: Annotated[bool, BODY, BeforeValidator(drf_bool), Field(strict=True)] = True
    target_value: Annotated[Decimal | None, BODY, Field(max_digits=14, decimal_places=2)] = None

    def input(self) -> dict[str, Any]:
        """The fields the request gave, as the GraphQL input names them."""
        given = self.model_dump(mode="json", exclude_unset=True, exclude={"id", "metric_type"})
        return {to_camel_case(name): value for name, value in given.items()}


class MetricCreateBody(_MetricFields):
    metric_type: Annotated[MetricType, BODY]
    # Checked when absent too: CUSTOM needs one.
    calculation_formula: Annotated[
        str | None, BODY, Field(max_length=500, validate_default=True)
    ] = None

    @field_validator("calculation_formula", mode="after")
    @classmethod
    def _formula(cls, value: str | None, info: ValidationInfo) -> str | None:
        metric_type = info.data.get("metric_type")
        if metric_type is not None:
            try:
                check_formula(metric_type, value)
            except PydanticCustomError as error:
                raise ValueError(error.message()) from None
        return value

    def variables(self) -> Variables:
        given = self.input()
        given["metricType"] = self.metric_type
        return {"input": given}


class MetricIdParams(DrfParams):
    id: MetricId


class MetricPatchBody(_MetricFields):
    id: MetricId
    name: Annotated[str | None, BODY, Field(min_length=1, max_length=200)] = None  # type: ignore[assignment]

    @field_validator("metric_type")
    @classmethod
    def _fixed_type(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError("a metric's type cannot be changed")
        return value

    def variables(self) -> Variables:
        return {"id": str(self.id), "input": self.input()}


class MeasurementListParams(DrfListParams):
    start_date: DrfMoment = None
    end_date: DrfMoment = None


class MetricMeasurementParams(MeasurementListParams):
    id: MetricId


class AllMeasurementParams(MeasurementListParams):
    metric_id: Annotated[uuid.UUID | None, QUERY] = None


def _list(path: str, op: str, params: type[DrfParams]) -> RestRoute:
    return RestRoute(
        "GET", path, op=op, family=INCIDENTS, params=params, shape=DrfForm(then=drf_page)
    )


KPI_ROUTES: list[RestRoute] = [
    # Before kpi-metrics/{id}/, which would read "summary" as a (malformed) id.
    RestRoute(
        "GET", f"{API}/kpi-metrics/summary/", op="kpi_summary", family=INCIDENTS, shape=DrfForm()
    ),
    _list(f"{API}/kpi-metrics/", "kpi_metrics", MetricListParams),
    RestRoute(
        "POST",
        f"{API}/kpi-metrics/",
        op="kpi_metric_create",
        family=INCIDENTS,
        params=MetricCreateBody,
        status=201,
        shape=DrfForm(),
    ),
    RestRoute(
        "GET",
        f"{API}/kpi-metrics/{{id}}/",
        op="kpi_metric",
        family=INCIDENTS,
        params=MetricIdParams,
        shape=DrfForm(missing="KPI metric"),
    ),
    RestRoute(
        "PATCH",
        f"{API}/kpi-metrics/{{id}}/",
        op="kpi_metric_update",
        family=INCIDENTS,
        params=MetricPatchBody,
        shape=DrfForm(),
    ),
    RestRoute(
        "DELETE",
        f"{API}/kpi-metrics/{{id}}/",
        op="kpi_metric_delete",
        family=INCIDENTS,
        params=MetricIdParams,
        status=204,
        shape=no_content,
    ),
    _list(
        f"{API}/kpi-metrics/{{id}}/measurements/",
        "kpi_metric_measurements",
        MetricMeasurementParams,
    ),
    _list(f"{API}/kpi-measurements/", "kpi_measurements", AllMeasurementParams),
]
