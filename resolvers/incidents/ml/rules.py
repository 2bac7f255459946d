"""The rules between a predictive model's fields, each naming the field it refuses:
the algorithm must be installed and fit the model type, ``model_config`` must hold that
algorithm's settings, ``target_column`` must fit the model type, and ``feature_columns``
must name known features other than the target. Empty features and target mean the
model type's defaults (every feature but the target; the type's first target)."""

from __future__ import annotations

from typing import Any

from models.predictive import FEATURES, TARGETS
from resolvers.incidents.ml.algorithms import algorithm_problem, config_problem

SERIES_TYPES = frozenset({"INCIDENT_PREDICTION"})


def target_problem(model_type: str, target: str) -> str | None:
    allowed = TARGETS[model_type]
    if target and target not in allowed:
        return f"{target!r} is not a target of {model_type}; use " + " or ".join(allowed)
    return None


def features_problem(model_type: str, target: str, features: list[str]) -> str | None:
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        return f"unknown feature {unknown[0]!r}; known: " + ", ".join(FEATURES)
    if len(set(features)) != len(features):
        return "a feature is named twice"
    chosen = target or TARGETS[model_type][0]
    if chosen in features:
        return f"{chosen!r} is what the model predicts, so it cannot be a feature"
    if model_type in SERIES_TYPES and features:
        return f"{model_type} forecasts daily counts from their history; it takes no features"
    return None


def problems(
    model_type: str, algorithm: str, config: dict[str, Any], features: list[str], target: str
) -> dict[str, str]:
    """Each refused field (as the REST body names it) and why; empty when all is well."""
    found = {
        "algorithm_type": algorithm_problem(model_type, algorithm),
        "model_config": None
        if algorithm_problem(model_type, algorithm)
        else config_problem(algorithm, config),
        "target_column": target_problem(model_type, target),
        "feature_columns": features_problem(model_type, target, features),
    }
    return {name: problem for name, problem in found.items() if problem}


def with_defaults(model_type: str, features: list[str], target: str) -> tuple[list[str], str]:
    """The features and target a model is trained with."""
    chosen = target or TARGETS[model_type][0]
    if model_type in SERIES_TYPES:
        return [], chosen
    return (features or [name for name in FEATURES if name != chosen]), chosen
