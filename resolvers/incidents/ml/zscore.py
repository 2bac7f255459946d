"""The modified z-score (Iglewicz and Hoaglin) of one hour's incident count against a
baseline of counts, and what it means for an anomaly.

- ``M = 0.6745 (x - median) / MAD``, MAD the median absolute deviation from the median;
  anomalous when ``M > 3.5``.
- When the MAD is 0 (more than half the baseline at one value, typically 0 incidents),
  the mean absolute deviation stands in: ``M = (x - median) / (1.253314 x MeanAD)``,
  anomalous when ``M > 3.5``.
- When that is 0 too (a constant baseline), a count is anomalous when it is at least 3
  above the median; its score is then the excess itself (threshold 3).

Only counts above the baseline are anomalies (fewer incidents than usual is not one).
Severity: ``M >= 8`` CRITICAL, ``>= 5`` HIGH, ``>= 3.5`` MEDIUM, else LOW (a constant
baseline's excess of 3). Confidence: 0.5 at the threshold, rising linearly to 1.0 at
twice the threshold.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from gateway.rounding import half_up

THRESHOLD = 3.5
CONSTANT_EXCESS = 3.0
MAD_FACTOR = 0.6745
MEAN_AD_FACTOR = 1.253314


@dataclass(frozen=True)
class Score:
    value: float  # M, or the excess over a constant baseline
    threshold: float
    method: str  # "mad", "mean_ad" or "constant"
    median: float

    @property
    def anomalous(self) -> bool:
        if self.method == "constant":
            return self.value >= self.threshold
        return self.value > self.threshold

    @property
    def severity(self) -> str:
        return severity_of(self.value)

    @property
    def confidence(self) -> float:
        return half_up(min(1.0, 0.5 + (self.value - self.threshold) / (2 * self.threshold)), 4)


def severity_of(m: float) -> str:
    if m >= 8:
        return "CRITICAL"
    if m >= 5:
        return "HIGH"
    if m >= THRESHOLD:
        return "MEDIUM"
    return "LOW"


def modified_z(x: float, baseline: list[float]) -> Score:
    """``x`` scored against ``baseline`` (at least one value)."""
    median = statistics.median(baseline)
    mad = statistics.median(abs(b - median) for b in baseline)
    if mad > 0:
        return Score(half_up(MAD_FACTOR * (x - median) / mad, 4), THRESHOLD, "mad", median)
    mean_ad = statistics.fmean(abs(b - median) for b in baseline)
    if mean_ad > 0:
        return Score(
            half_up((x - median) / (MEAN_AD_FACTOR * mean_ad), 4), THRESHOLD, "mean_ad", median
        )
    return Score(float(x - median), CONSTANT_EXCESS, "constant", median)
