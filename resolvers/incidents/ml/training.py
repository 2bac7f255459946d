"""Fitting and evaluating one model: plain functions on plain data, run off the event
loop (in the job worker's process pool), that store the fitted pipeline with joblib.

Evaluation holds out the last 20 % in time order (rows are oldest first):

- classifiers (severity, escalation): accuracy, and precision, recall and F1 as macro
  averages over the classes;
- regressors (resolution time, cost, daily counts): ``accuracy_score`` = R² clamped to
  [0, 1]; ``precision_score`` = 1 - MAE / mean |actual|, clamped to [0, 1];
  ``recall_score`` = the share of predictions within 20 % of the actual value (within 1
  of it below 5); ``f1_score`` = the harmonic mean of those two. The raw ``r2`` and
  ``mae`` are kept in the training's metrics;
- ISOLATION_FOREST has no labels, so it is scored against a rule for an unusual incident
  (CRITICAL, or more affected users than 95 % of the training rows): the same four
  classification figures, for "outlier" against that rule.

Feature importances are the tree ensembles' (RANDOM_FOREST, XGBOOST), each one-hot
category summed back into its feature.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from gateway.rounding import half_up
from resolvers.incidents.ml.features import CATEGORICAL

HELD_OUT = 0.2
CLOSE = 0.2  # a regression prediction within 20 % of the actual counts as right


class TrainingError(Exception):
    """The data cannot train this model (one class only, too short a series)."""


@dataclass
class Spec:
    model_type: str
    algorithm: str
    config: dict[str, Any]
    features: list[str]
    target: str
    path: str


@dataclass
class Fitted:
    metrics: dict[str, float]
    importances: dict[str, float]
    samples: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def split(n: int) -> int:
    """How many of ``n`` rows are trained on; the rest (at least one) are held out."""
    if n < 2:
        raise TrainingError(f"{n} samples cannot be split for evaluation")
    return n - max(1, math.ceil(n * HELD_OUT))


def unit_score(value: float) -> float:
    """A score clamped to [0, 1], four decimals half up (NaN, an undefined figure, is 0):
    every model score and insight confidence or accuracy."""
    if math.isnan(value):
        return 0.0
    return half_up(min(1.0, max(0.0, value)), 4)


def classification_metrics(actual: Any, predicted: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        actual, predicted, average="macro", zero_division=0
    )
    return {
        "accuracy_score": unit_score(float(accuracy_score(actual, predicted))),
        "precision_score": unit_score(float(precision)),
        "recall_score": unit_score(float(recall)),
        "f1_score": unit_score(float(f1)),
    }


def regression_metrics(actual: Any, predicted: Any) -> dict[str, float]:
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    errors = np.abs(actual - predicted)
    mae = float(errors.mean())
    spread = float(((actual - actual.mean()) ** 2).sum())
    r2 = 1 - float((errors**2).sum()) / spread if spread > 0 else (1.0 if mae == 0 else 0.0)
    scale = float(np.abs(actual).mean())
    precision = 1 - mae / scale if scale > 0 else (1.0 if mae == 0 else 0.0)
    tolerance = np.maximum(np.abs(actual) * CLOSE, np.where(np.abs(actual) < 5, 1.0, 0.0))
    recall = float((errors <= tolerance).mean())
    p, r = unit_score(precision), unit_score(recall)
    return {
        "accuracy_score": unit_score(r2),
        "precision_score": p,
        "recall_score": r,
        "f1_score": unit_score(2 * p * r / (p + r)) if p + r > 0 else 0.0,
        "r2": half_up(r2, 4),
        "mae": half_up(mae, 4),
    }


def _estimator(spec: Spec, kind: str) -> Any:
    config = dict(spec.config)
    if spec.algorithm == "RANDOM_FOREST":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        config.setdefault("random_state", 0)
        config.setdefault("n_estimators", 100)
        cls = RandomForestClassifier if kind == "classify" else RandomForestRegressor
        return cls(**config)
    if spec.algorithm == "SVM":
        from sklearn.svm import SVC, SVR

        # probability=True: insights read class probabilities (ml/insights.py).
        return SVC(probability=True, **config) if kind == "classify" else SVR(**config)
    if spec.algorithm == "NEURAL_NETWORK":
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        config.setdefault("random_state", 0)
        config.setdefault("max_iter", 500)
        if "hidden_layer_sizes" in config:
            config["hidden_layer_sizes"] = tuple(config["hidden_layer_sizes"])
        return MLPClassifier(**config) if kind == "classify" else MLPRegressor(**config)
    if spec.algorithm == "XGBOOST":
        import xgboost

        config.setdefault("random_state", 0)
        cls = xgboost.XGBClassifier if kind == "classify" else xgboost.XGBRegressor
        return cls(**config)
    if spec.algorithm == "ISOLATION_FOREST":
        from sklearn.ensemble import IsolationForest

        config.setdefault("random_state", 0)
        return IsolationForest(**config)
    raise TrainingError(f"{spec.algorithm} cannot fit per-incident rows")


def _pipeline(spec: Spec, kind: str) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [name for name in spec.features if name in CATEGORICAL]
    numeric = [name for name in spec.features if name not in CATEGORICAL]
    parts = []
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), categorical))
    if numeric:
        parts.append(("numeric", StandardScaler(), numeric))
    return Pipeline([("features", ColumnTransformer(parts)), ("model", _estimator(spec, kind))])


def frame_of(rows: list[dict[str, Any]], features: list[str]) -> Any:
    import pandas as pd

    frame = pd.DataFrame([{name: row[name] for name in features} for row in rows])
    for name in features:
        if name in CATEGORICAL:
            frame[name] = frame[name].astype(str)
        else:
            frame[name] = frame[name].astype(float)
    return frame


def _importances(pipeline: Any, features: list[str]) -> dict[str, float]:
    model = pipeline.named_steps["model"]
    values = getattr(model, "feature_importances_", None)
    if values is None:
        return {}
    names = pipeline.named_steps["features"].get_feature_names_out()
    total: dict[str, float] = dict.fromkeys(features, 0.0)
    for name, value in zip(names, values, strict=True):
        # "categorical__service_orders-db" or "numeric__title_length": the part after
        # the transformer's name starts with the input feature's name.
        column = name.split("__", 1)[1]
        feature = next(f for f in sorted(features, key=len, reverse=True) if column.startswith(f))
        total[feature] += float(value)
    return {name: half_up(value, 4) for name, value in total.items()}


def fit_rows(spec: Spec, rows: list[dict[str, Any]]) -> Fitted:
    """Fits and evaluates a per-incident model, and stores it at ``spec.path``."""
    started = time.monotonic()
    cut = split(len(rows))
    train, test = rows[:cut], rows[cut:]
    frame = frame_of(rows, spec.features)
    kind = (
        "outliers"
        if spec.model_type == "ANOMALY_DETECTION"
        else ("classify" if spec.target in ("severity", "escalated") else "regress")
    )
    pipeline = _pipeline(spec, kind)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "outliers":
            pipeline.fit(frame.iloc[:cut])
            limit = float(np.percentile([r["_users"] for r in train], 95))
            actual = [int(r["_severity"] == "CRITICAL" or r["_users"] > limit) for r in test]
            predicted = [int(p == -1) for p in pipeline.predict(frame.iloc[cut:])]
            metrics = classification_metrics(actual, predicted)
        else:
            target = np.array([row["target"] for row in rows], dtype=object)
            if kind == "classify":
                target = target.astype(str)
                if len(set(target[:cut])) < 2:
                    raise TrainingError(
                        f"the training rows hold one {spec.target} value only "
                        f"({target[0]}); a classifier needs at least two"
                    )
            else:
                target = target.astype(float)
            labels: list[str] = []
            if kind == "classify":
                # Classes as 0..n-1 (XGBoost takes no other labels), named back after.
                labels = sorted(set(target))
                target = np.array([labels.index(value) for value in target])
            pipeline.fit(frame.iloc[:cut], target[:cut])
            predicted = pipeline.predict(frame.iloc[cut:])
            if kind == "classify":
                named = [labels[int(n)] for n in predicted]
                metrics = classification_metrics([labels[n] for n in target[cut:]], named)
            else:
                metrics = regression_metrics(target[cut:], predicted)
    notes.extend(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))
    stored = {"pipeline": pipeline, "kind": kind, "features": spec.features}
    if kind == "classify":
        stored["labels"] = labels
    _store(spec, stored)
    return Fitted(
        metrics=metrics,
        importances=_importances(pipeline, spec.features),
        samples=len(rows),
        seconds=time.monotonic() - started,
        notes=notes[:10],
    )


# --- daily incident counts ---------------------------------------------------------


def lag_features(series: list[float], index: int) -> list[float]:
    """A day's inputs for RANDOM_FOREST forecasting: the weekday position, the day
    before, the same weekday a week before, and the mean of the 7 days before."""

    def at(n: int) -> float:
        return series[n] if n >= 0 else 0.0

    week = [at(index - k) for k in range(1, 8)]
    return [float(index % 7), at(index - 1), at(index - 7), sum(week) / 7]


def _forest(spec: Spec, series: list[float]) -> Any:
    from sklearn.ensemble import RandomForestRegressor

    config = {"random_state": 0, "n_estimators": 100, **spec.config}
    model = RandomForestRegressor(**config)
    model.fit([lag_features(series, i) for i in range(len(series))], series)
    return model


def forest_forecast(model: Any, history: list[float], days: int) -> list[float]:
    series = list(history)
    for _ in range(days):
        series.append(max(0.0, float(model.predict([lag_features(series, len(series))])[0])))
    return series[len(history) :]


def arima_fit(order: tuple[int, int, int], series: list[float]) -> Any:
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        # Short, flat series make statsmodels warn about convergence and start values;
        # the evaluation says how good the fit is.
        warnings.simplefilter("ignore")
        return ARIMA(np.asarray(series, dtype=float), order=order).fit()


def fit_series(spec: Spec, series: list[float]) -> Fitted:
    """Fits and evaluates a daily-count forecaster, and stores it at ``spec.path``."""
    started = time.monotonic()
    cut = split(len(series))
    if cut < 7:
        raise TrainingError(
            f"{len(series)} days of history are too few to forecast; at least 9 are needed"
        )
    train, test = series[:cut], series[cut:]
    if spec.algorithm == "ARIMA":
        order = tuple(spec.config.get("order", (1, 1, 1)))
        predicted = np.maximum(arima_fit(order, train).forecast(len(test)), 0)
        stored: dict[str, Any] = {"kind": "arima", "order": order, "series": series}
    elif spec.algorithm == "RANDOM_FOREST":
        predicted = forest_forecast(_forest(spec, train), train, len(test))
        stored = {"kind": "forest", "model": _forest(spec, series), "series": series}
    else:
        raise TrainingError(f"{spec.algorithm} cannot forecast daily counts")
    metrics = regression_metrics(test, predicted)
    _store(spec, stored)
    return Fitted(
        metrics=metrics, importances={}, samples=len(series), seconds=time.monotonic() - started
    )


def forecast(
    stored: dict[str, Any], series: list[float], days: int
) -> tuple[list[float], list[float], list[float]]:
    """The next ``days`` daily counts after ``series`` (the latest history), with an 80 %
    interval (low, high): ARIMA refitted with the stored order and its own interval, or
    the stored forest with +- 1.28 x its residual spread on that history."""
    if stored["kind"] == "arima":
        result = arima_fit(tuple(stored["order"]), series).get_forecast(days)
        mean = np.maximum(result.predicted_mean, 0)
        low, high = np.asarray(result.conf_int(alpha=0.2)).T
        return list(map(float, mean)), list(map(float, np.maximum(low, 0))), list(map(float, high))
    model = stored["model"]
    mean_values = forest_forecast(model, series, days)
    fitted = model.predict([lag_features(series, i) for i in range(len(series))])
    spread = 1.28 * float(np.std(np.asarray(series) - fitted))
    return (
        mean_values,
        [max(0.0, m - spread) for m in mean_values],
        [m + spread for m in mean_values],
    )


def forecast_from(path: str, series: list[float], days: int) -> tuple[list[float], ...]:
    return forecast(load(path), series, days)


def predict_rows(path: str, rows: list[dict[str, Any]]) -> list[Any]:
    """A stored per-incident model's answer for each row: for a classifier, each class's
    probability (a dict); for a regressor, the value."""
    stored = load(path)
    pipeline = stored["pipeline"]
    frame = frame_of(rows, stored["features"])
    if stored["kind"] == "classify":
        labels = stored["labels"]
        if not hasattr(pipeline, "predict_proba"):
            return [labels[int(v)] for v in pipeline.predict(frame)]
        classes = [labels[int(c)] for c in pipeline.classes_]
        return [
            dict(zip(classes, map(float, p), strict=True)) for p in pipeline.predict_proba(frame)
        ]
    return [float(v) for v in pipeline.predict(frame)]


def _store(spec: Spec, value: dict[str, Any]) -> None:
    path = Path(spec.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    joblib.dump(value, partial)
    # Renamed into place: a reader never sees half a file.
    partial.replace(path)


def load(path: str) -> dict[str, Any]:
    value: dict[str, Any] = joblib.load(path)
    return value


def train(spec: Spec, rows: list[dict[str, Any]] | None, series: list[float] | None) -> Fitted:
    """The process pool's entry point: one model, from rows or from a daily series."""
    if series is not None:
        return fit_series(spec, series)
    assert rows is not None
    return fit_rows(spec, rows)
