"""The numbers behind the predictive trends (seed 004): forecasting a daily count, the
confidence of a forecast day, its trend, and the modified z-score. Pure functions over
lists of daily counts, no I/O; ``forecast.py`` feeds them and says what they mean.

Forecasting a daily series (oldest first, one value per complete UTC day, ending with
yesterday), ``fit``:

- 14 days or more: Holt-Winters, ``ExponentialSmoothing(trend="add", seasonal="add",
  seasonal_periods=7)``, the weekly rhythm of a working week; fewer: Holt's linear
  trend, ``ExponentialSmoothing(trend="add")``. Both with the initial states estimated
  with the smoothing parameters (``initialization_method="estimated"``; statsmodels'
  deterministic optimiser from its default start, ``use_brute=False``: no random start,
  no simulation), and the forecast for the next 8 days, h = 1 (today) to 8 (a week from
  tomorrow). A fit is a function of its series alone, so the last 1,024 are kept in the
  process: a Holt-Winters fit costs 100-200 ms of CPU, once a day per series.
- ``sigma``, the residual standard error: sqrt(mean of the squared one-step residuals).
- A constant series (all zeros included) is not fitted: under either method its level
  is the constant and its trend and seasonals are 0, so its forecast is the constant with
  sigma 0. A fit that fails, or answers a value that is not finite, falls back to the
  series mean with sigma = the series' population standard deviation (``series_mean``).
  statsmodels' warnings (ConvergenceWarning, start values) are silenced around the fit:
  the residuals say how good it is.

A forecast day h steps ahead (``confidence``): the 80 % prediction interval is
forecast ± z(0.9) * sigma * sqrt(h), z(0.9) = 1.2815515655446004, so

    confidence = clamp(1 - (upper - lower) / (2 * max(forecast, 1)), 0.5, 0.99)
               = clamp(1 - z(0.9) * sigma * sqrt(h) / max(forecast, 1), 0.5, 0.99),

rounded half-up to 2 decimals. ``max(forecast, 1)`` keeps a forecast near 0 from dividing
by nothing: an interval of ±1 action around "none" is as wide as the forecast can be.

A change (``trend_of``) is "increasing" when change / max(recent mean, 1) > band,
"decreasing" when it is < -band, else "stable".

The modified z-score of x against a baseline (``modified_z``), after Iglewicz and Hoaglin:
z = 0.6745 * (x - median) / MAD, MAD the median of |b - median| over the baseline. When
MAD is 0 (more than half the baseline equals its median), z = (x - median) /
(1.253314 * MeanAD), MeanAD the mean of |b - median|. When that is 0 too (a constant
baseline), z is 0 for x = median and ±infinity otherwise.
"""

from __future__ import annotations

import functools
import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HORIZON = 7  # forecast days shown: tomorrow to a week from tomorrow
STEPS = HORIZON + 1  # the model's steps: today (h = 1), then the shown days
SEASON = 7
HOLT_WINTERS_FROM = 14  # two weekly seasons
Z80 = statistics.NormalDist().inv_cdf(0.9)  # 1.2815515655446004
MIN_CONFIDENCE, MAX_CONFIDENCE = 0.5, 0.99
FITS_KEPT = 1024  # about 170 organisations' six series


@dataclass(frozen=True)
class Fit:
    """A series' forecast: ``path[h - 1]`` is h days after its last day (unclipped)."""

    model: str  # holt_winters, holt_linear or series_mean
    path: tuple[float, ...]
    sigma: float


def method_for(days: int) -> str:
    return "holt_winters" if days >= HOLT_WINTERS_FROM else "holt_linear"


def fit(series: Sequence[float]) -> Fit:
    """The forecast of one daily series for h = 1..8 (see the module's docstring)."""
    method = method_for(len(series))
    if not series:
        return Fit(method, (0.0,) * STEPS, 0.0)
    if min(series) == max(series):
        return Fit(method, (float(series[0]),) * STEPS, 0.0)
    try:
        path, sigma = _smoothed(series, seasonal=method == "holt_winters")
    except Exception:  # any numerical failure (a singular fit, a bad start) falls back
        return _mean_fit(series)
    if not all(math.isfinite(v) for v in (*path, sigma)):
        return _mean_fit(series)
    return Fit(method, path, sigma)


def fit_all(series: Sequence[Sequence[float]]) -> list[Fit]:
    """Every series' forecast, in order: one call off the event loop for a request."""
    return [_remembered(tuple(one)) for one in series]


@functools.lru_cache(maxsize=FITS_KEPT)
def _remembered(series: tuple[float, ...]) -> Fit:
    # A fit is a function of its series alone, and the series hold complete days only, so
    # one organisation's fits stay right all day: its requests after the first reuse them.
    return fit(series)


def _smoothed(series: Sequence[float], *, seasonal: bool) -> tuple[tuple[float, ...], float]:
    # Imported here: statsmodels takes about a second to import, which only a forecast
    # should pay, not every process start.
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    options: dict[str, Any] = {"trend": "add", "initialization_method": "estimated"}
    if seasonal:
        options |= {"seasonal": "add", "seasonal_periods": SEASON}
    with warnings.catch_warnings():
        # Short or flat series make statsmodels warn about convergence and start values;
        # the residuals (sigma) say how good the fit is.
        warnings.simplefilter("ignore")
        # No brute-force search for starting values: it doubles the cost and, on daily
        # counts, finds the same optimum.
        result = ExponentialSmoothing(np.asarray(series, dtype=float), **options).fit(
            use_brute=False
        )
        path = tuple(float(v) for v in np.asarray(result.forecast(STEPS)))
        residuals = np.asarray(result.resid, dtype=float)
    return path, float(np.sqrt(np.mean(residuals**2)))


def _mean_fit(series: Sequence[float]) -> Fit:
    mean = statistics.fmean(series)
    return Fit("series_mean", (mean,) * STEPS, statistics.pstdev(series))


def confidence(forecast: float, sigma: float, steps: int) -> float:
    """The confidence of a forecast ``steps`` days ahead, unrounded (see the docstring)."""
    half_width = Z80 * sigma * math.sqrt(steps)
    value = 1 - half_width / max(forecast, 1.0)
    return min(max(value, MIN_CONFIDENCE), MAX_CONFIDENCE)


def trend_of(change: float, recent_mean: float, band: float) -> str:
    relative = change / max(recent_mean, 1.0)
    if relative > band:
        return "increasing"
    if relative < -band:
        return "decreasing"
    return "stable"


def modified_z(x: float, baseline: Sequence[float]) -> float:
    """The modified z-score of ``x`` against ``baseline`` (non-empty; see the docstring)."""
    median = statistics.median(baseline)
    deviations = [abs(b - median) for b in baseline]
    mad = statistics.median(deviations)
    if mad > 0:
        return 0.6745 * (x - median) / mad
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return (x - median) / (1.253314 * mean_ad)
    if x == median:
        return 0.0
    return math.inf if x > median else -math.inf
