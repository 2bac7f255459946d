"""The forecast's numerics on hand-worked numbers: the modified z-score (and its
fallbacks), the confidence from the 80 % interval, the trend bands and the fit's
fallbacks (resolvers/agents/forecast_model.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from resolvers.agents import forecast_model as model
from tests.agents.test_predictive_trends import LEVEL, STEADY


def test_modified_z_from_the_mad() -> None:
    # median 5, |deviations| seven 0s and seven 1s: MAD 0.5
    assert model.modified_z(8, STEADY) == pytest.approx(0.6745 * 3 / 0.5)  # 4.047
    assert model.modified_z(2, LEVEL) == pytest.approx(-5.396)  # 0.6745 * -8 / 1


def test_modified_z_when_the_mad_is_zero() -> None:
    # median 0 and MAD 0 (ten of fourteen are 0); MeanAD = (2 + 4 + 6 + 8) / 14
    baseline = [0] * 10 + [2, 4, 6, 8]
    assert model.modified_z(10, baseline) == pytest.approx(10 / (1.253314 * 20 / 14))  # 5.5852
    # A constant baseline: only its own value is ordinary.
    assert model.modified_z(3, [3] * 14) == 0.0
    assert model.modified_z(4, [3] * 14) == math.inf
    assert model.modified_z(2, [3] * 14) == -math.inf


@pytest.mark.parametrize(
    ("forecast", "sigma", "steps", "expected"),
    [
        (10, 0.5, 1, 0.935922),  # 1 - 1.28155 * 0.5 * 1 / 10
        (10, 0.5, 4, 0.871845),  # 1 - 1.28155 * 0.5 * 2 / 10
        (0.3, 0.1, 1, 0.871845),  # 1 - 1.28155 * 0.1 / max(0.3, 1)
        (10, 2, 4, 0.5),  # 1 - 0.51262 = 0.48738: clamped up
        (10, 0, 1, 0.99),  # no spread: clamped down
    ],
)
def test_confidence_from_the_interval(forecast, sigma, steps, expected) -> None:
    assert model.confidence(forecast, sigma, steps) == pytest.approx(expected, abs=1e-6)


def test_trend_bands() -> None:
    assert model.trend_of(0.5, 10, 0.05) == "stable"  # exactly 5 %: not beyond
    assert model.trend_of(0.6, 10, 0.05) == "increasing"
    assert model.trend_of(-0.6, 10, 0.05) == "decreasing"
    assert model.trend_of(0.06, 0.2, 0.05) == "increasing"  # over max(0.2, 1)


def test_fit_fallbacks(monkeypatch) -> None:
    assert model.fit([0.0] * 9) == model.Fit("holt_linear", (0.0,) * 8, 0.0)
    assert model.fit([3.0] * 20) == model.Fit("holt_winters", (3.0,) * 8, 0.0)

    def failing(series: Sequence[float], *, seasonal: bool) -> Any:
        raise ValueError("singular")

    monkeypatch.setattr(model, "_smoothed", failing)
    # The mean, 2, and the population standard deviation, sqrt(8 / 3).
    fallback = model.fit([0.0, 2.0, 4.0] * 1)
    assert fallback.model == "series_mean"
    assert fallback.path == (2.0,) * 8
    assert fallback.sigma == pytest.approx(math.sqrt(8 / 3))

    monkeypatch.setattr(model, "_smoothed", lambda s, seasonal: ((math.nan,) * 8, 1.0))
    assert model.fit([1.0, 2.0]).model == "series_mean"
