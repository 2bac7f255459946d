"""Predictive models and insights under /api/analytics/ (seed 001).

- ``predictive-models/``: GET lists (``model_type``, ``status``, DRF's page, ordering and
  search); POST creates (201, INACTIVE). Every refused field is named: the algorithm must
  be installed and fit the model type, ``model_config`` must hold its settings,
  ``target_column`` must fit the type and ``feature_columns`` must be known features.
- ``predictive-models/{id}/train/``: 202 ``{"job_id", "model_id", "status"}`` (TRAINING,
  or RETRAINING once trained); 409 while it trains.
- ``predictive-models/{id}/performance/``: the latest figures, the trainings and the
  features' importances; 404 ``NOT_TRAINED`` for a model never trained.
- ``predictive-insights/`` (``insight_type``, ``confidence_level``, ``is_acknowledged``,
  ``is_validated``, ``include_expired``), ``{id}/acknowledge/`` and ``summary/``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from starlette.requests import Request
from strawberry.utils.str_converters import to_camel_case

from models.predictive import (
    FEATURES,
    MAX_CONFIG_KEYS,
    MAX_PERIOD_DAYS,
    MAX_SAMPLES,
    AlgorithmType,
    ConfidenceLevel,
    InsightType,
    ModelStatus,
    ModelType,
)
from resolvers.incidents.ml.algorithms import algorithm_problem, config_problem
from resolvers.incidents.ml.rules import features_problem, target_problem
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm, drf_form
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfBool, DrfListParams, DrfParams, drf_bool
from rest_compat.pages import drf_page
from rest_compat.params import (
    BODY,
    QUERY,
    NoParams,
    RouteParams,
    Variables,
    decimal_text,
    path_id,
)
from rest_compat.routing import RestRoute

ModelId = Annotated[uuid.UUID, path_id("predictive model")]
InsightId = Annotated[uuid.UUID, path_id("predictive insight")]
Whole = BeforeValidator(decimal_text)
Flag = BeforeValidator(drf_bool)


class ModelListParams(DrfListParams):
    model_type: Annotated[ModelType | None, QUERY] = None
    status: Annotated[ModelStatus | None, QUERY] = None


class ModelCreateBody(DrfParams):
    """The seed's fields, in the order their rules need (each reads those before it)."""

    name: Annotated[str, BODY, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, BODY, Field(max_length=10_000)] = None
    model_type: Annotated[ModelType, BODY]
    algorithm_type: Annotated[AlgorithmType, BODY]
    hyperparameters: Annotated[
        dict[str, Any],
        BODY,
        Field(alias="model_config", max_length=MAX_CONFIG_KEYS, validate_default=True),
    ] = {}
    target_column: Annotated[str, BODY, Field(max_length=50, validate_default=True)] = ""
    feature_columns: Annotated[
        list[str], BODY, Field(max_length=len(FEATURES), validate_default=True)
    ] = []
    training_data_period_days: Annotated[int, BODY, Whole, Field(ge=1, le=MAX_PERIOD_DAYS)] = 90
    min_training_samples: Annotated[int, BODY, Whole, Field(ge=2, le=MAX_SAMPLES)] = 100
    auto_retrain_enabled: Annotated[bool, BODY, Flag, Field(strict=True)] = False
    retrain_frequency_days: Annotated[int, BODY, Whole, Field(ge=1, le=365)] = 30
    performance_threshold: Annotated[float, BODY, Field(ge=0, le=1, allow_inf_nan=False)] = 0.8

    @field_validator("algorithm_type", mode="after")
    @classmethod
    def _installed(cls, value: str, info: ValidationInfo) -> str:
        model_type = info.data.get("model_type")
        problem = model_type and algorithm_problem(model_type, value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("hyperparameters", mode="after")
    @classmethod
    def _settings(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        algorithm = info.data.get("algorithm_type")
        problem = algorithm and config_problem(algorithm, value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("target_column", mode="after")
    @classmethod
    def _target(cls, value: str, info: ValidationInfo) -> str:
        model_type = info.data.get("model_type")
        problem = model_type and target_problem(model_type, value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("feature_columns", mode="after")
    @classmethod
    def _features(cls, value: list[str], info: ValidationInfo) -> list[str]:
        model_type = info.data.get("model_type")
        target = info.data.get("target_column", "")
        problem = model_type and features_problem(model_type, target, value)
        if problem:
            raise ValueError(problem)
        return value

    def variables(self) -> Variables:
        given = self.model_dump(mode="json")
        given["model_config"] = given.pop("hyperparameters")
        return {"input": {to_camel_case(name): value for name, value in given.items()}}


class ModelIdParams(DrfParams):
    id: ModelId


def training_started(data: dict[str, Any], variables: Variables, request: Request) -> Any:
    """The 202's body: the job, the model and its status."""
    started = data["data"]
    return {
        "job_id": started["job_id"],
        "model_id": started["model"]["id"],
        "status": started["status"],
        "message": "training started",
    }


def _training_schema(data: dict[str, Any]) -> dict[str, Any]:
    uuid_text = {"type": "string", "format": "uuid"}
    return {
        "type": "object",
        "properties": {
            "job_id": uuid_text,
            "model_id": uuid_text,
            "status": {"type": "string", "enum": ["TRAINING", "RETRAINING"]},
            "message": {"type": "string"},
        },
        "required": ["job_id", "model_id", "status", "message"],
    }


training_started.response_schema = _training_schema  # type: ignore[attr-defined]


class InsightListParams(DrfListParams):
    insight_type: Annotated[InsightType | None, QUERY] = None
    confidence_level: Annotated[ConfidenceLevel | None, QUERY] = None
    is_acknowledged: DrfBool = None
    is_validated: DrfBool = None
    include_expired: Annotated[bool, QUERY, Flag, Field(strict=True)] = False


class InsightIdParams(DrfParams):
    id: InsightId


def _get(path: str, op: str, params: type[RouteParams] = NoParams, **shape: Any) -> RestRoute:
    return RestRoute("GET", path, op=op, family=INCIDENTS, params=params, shape=DrfForm(**shape))


PREDICTIVE_ROUTES: list[RestRoute] = [
    _get(f"{API}/predictive-models/", "predictive_models", ModelListParams, then=drf_page),
    RestRoute(
        "POST",
        f"{API}/predictive-models/",
        op="predictive_model_create",
        family=INCIDENTS,
        params=ModelCreateBody,
        status=201,
        shape=DrfForm(),
    ),
    RestRoute(
        "POST",
        f"{API}/predictive-models/{{id}}/train/",
        op="predictive_model_train",
        family=INCIDENTS,
        params=ModelIdParams,
        status=202,
        shape=training_started,
    ),
    _get(
        f"{API}/predictive-models/{{id}}/performance/",
        "predictive_model_performance",
        ModelIdParams,
    ),
    # Before predictive-insights/{id}/..., which would read "summary" as an id.
    _get(f"{API}/predictive-insights/summary/", "insight_summary"),
    _get(f"{API}/predictive-insights/", "predictive_insights", InsightListParams, then=drf_page),
    RestRoute(
        "POST",
        f"{API}/predictive-insights/{{id}}/acknowledge/",
        op="insight_acknowledge",
        family=INCIDENTS,
        params=InsightIdParams,
        shape=DrfForm(),
    ),
]

__all__ = ["PREDICTIVE_ROUTES", "drf_form"]
