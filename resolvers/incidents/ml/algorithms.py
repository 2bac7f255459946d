"""The algorithms a predictive model can be trained with, and their hyper-parameters.

An algorithm is offered only when its library is installed: scikit-learn's
(RANDOM_FOREST, SVM, NEURAL_NETWORK, ISOLATION_FOREST) and statsmodels' ARIMA always,
XGBOOST with the ``xgboost`` extra. PROPHET and LSTM have no implementation here, so they
are always refused, with the list of the supported ones (README, "Predictive models").

``model_config`` holds hyper-parameters; each algorithm accepts the keys below, each
checked for type and range, so that a model that was created can be trained.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.predictive import ALGORITHMS_FOR


@dataclass(frozen=True)
class Param:
    check: Callable[[Any], bool]
    rule: str


def _int(low: int, high: int) -> Param:
    return Param(
        lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high,
        f"an integer from {low} to {high}",
    )


def _float(low: float, high: float) -> Param:
    return Param(
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and low < v <= high,
        f"a number above {low:g} and at most {high:g}",
    )


def _choice(*values: str) -> Param:
    return Param(lambda v: v in values, "one of " + ", ".join(values))


def _optional(param: Param) -> Param:
    return Param(lambda v: v is None or param.check(v), f"null or {param.rule}")


def _layers(v: Any) -> bool:
    return (
        isinstance(v, list)
        and 1 <= len(v) <= 3
        and all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 512 for n in v)
    )


def _order(v: Any) -> bool:
    return (
        isinstance(v, list)
        and len(v) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 5 for n in v)
    )


def _contamination(v: Any) -> bool:
    return v == "auto" or (isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 0.5)


SEED = _int(0, 2**31 - 1)
TREES = _int(1, 500)

PARAMS: dict[str, dict[str, Param]] = {
    "RANDOM_FOREST": {
        "n_estimators": TREES,
        "max_depth": _optional(_int(1, 50)),
        "min_samples_leaf": _int(1, 1000),
        "random_state": SEED,
    },
    "SVM": {
        "C": _float(0, 1000),
        "kernel": _choice("rbf", "linear", "poly", "sigmoid"),
        "gamma": _choice("scale", "auto"),
    },
    "NEURAL_NETWORK": {
        "hidden_layer_sizes": Param(_layers, "a list of 1 to 3 layer sizes from 1 to 512"),
        "max_iter": _int(10, 2000),
        "alpha": _float(0, 10),
        "learning_rate_init": _float(0, 1),
        "random_state": SEED,
    },
    "ISOLATION_FOREST": {
        "n_estimators": TREES,
        "contamination": Param(_contamination, '"auto" or a number above 0 and at most 0.5'),
        "random_state": SEED,
    },
    "ARIMA": {"order": Param(_order, "[p, d, q], each an integer from 0 to 5")},
    "XGBOOST": {
        "n_estimators": TREES,
        "max_depth": _int(1, 20),
        "learning_rate": _float(0, 1),
        "random_state": SEED,
    },
}

# The library each algorithm needs.
LIBRARIES = {
    "RANDOM_FOREST": "sklearn",
    "SVM": "sklearn",
    "NEURAL_NETWORK": "sklearn",
    "ISOLATION_FOREST": "sklearn",
    "ARIMA": "statsmodels",
    "XGBOOST": "xgboost",
}


def supported() -> tuple[str, ...]:
    """The algorithms this installation can train, in the seed's order."""
    return tuple(
        name for name, library in LIBRARIES.items() if importlib.util.find_spec(library) is not None
    )


def algorithm_problem(model_type: str, algorithm: str) -> str | None:
    """Why ``algorithm`` cannot train a ``model_type`` model here, or None."""
    available = supported()
    if algorithm not in available:
        return f"{algorithm} is not available in this installation; supported: " + ", ".join(
            available
        )
    fitting = [name for name in ALGORITHMS_FOR[model_type] if name in available]
    if algorithm not in fitting:
        return f"{algorithm} cannot train a {model_type} model; use one of " + ", ".join(fitting)
    return None


def config_problem(algorithm: str, config: dict[str, Any]) -> str | None:
    """Why ``config`` is not a valid ``model_config`` for ``algorithm``, or None."""
    params = PARAMS.get(algorithm, {})
    for key, value in config.items():
        param = params.get(key)
        if param is None:
            known = ", ".join(params) or "none"
            return f"{key!r} is not a setting of {algorithm} (settings: {known})"
        if not param.check(value):
            return f"{key} must be {param.rule}"
    return None
