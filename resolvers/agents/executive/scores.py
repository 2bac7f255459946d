"""The executive dashboard's scores, bands and trends, from one period's counts.

Every score is out of 100, rounded half-up to one decimal (``gateway/rounding.py``) from
its exact fraction. A score whose denominator is empty is 100 and "unmeasured": there
is nothing to hold against the platform, and no trend is drawn from it.

- platform health = success rate = (approved + auto_approved) / decided x 100, where
  decided = approved + denied + auto_approved (pending is not decided); 100 when nothing
  is decided.
- security posture = 100 - (10 x critical + 2 x high + 0.5 x medium) / actions x 100,
  clamped to 0-100; 100 without actions.
- operational efficiency = auto_approved / decided x 100; 100 when nothing is decided.
  Its ``automation_rate`` is the same fraction to two decimals, 0.0 when nothing is
  decided (nothing was automated).
- compliance status = 100 - violations / (high + critical) x 100 (violations are denied
  high-or-critical actions, so it stays within 0-100); 100 without high-risk actions.

Bands (``overall_health`` over the mean of the four scores as shown, and the platform's
``status`` over its score): excellent >= 95, good >= 85, fair >= 70, else
needs_attention. A score's ``trend`` compares it with the previous period's: more than
2 points higher is improving, more than 2 lower is declining, else stable; stable also
when either period leaves the score unmeasured.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from gateway.rounding import Number, exact, half_up, ratio
from resolvers.agents.executive.queries import PeriodCounts

BANDS: tuple[tuple[int, str], ...] = ((95, "excellent"), (85, "good"), (70, "fair"))
LOWEST_BAND = "needs_attention"
TREND_POINTS = 2
FULL = 100.0


@dataclass(frozen=True)
class Score:
    value: float
    # False when the score's denominator was empty (the value is then 100).
    measured: bool


def platform_score(c: PeriodCounts) -> Score:
    if not c.decided:
        return Score(FULL, False)
    return Score(ratio((c.approved + c.auto_approved) * 100, c.decided, 1), True)


def security_score(c: PeriodCounts) -> Score:
    if not c.actions:
        return Score(FULL, False)
    # 10, 2 and 0.5 points per critical, high and medium action, in halves: exact.
    penalty = Fraction(20 * c.critical + 4 * c.high + c.medium, 2 * c.actions) * 100
    return Score(half_up(min(max(100 - penalty, Fraction(0)), Fraction(100)), 1), True)


def efficiency_score(c: PeriodCounts) -> Score:
    if not c.decided:
        return Score(FULL, False)
    return Score(ratio(c.auto_approved * 100, c.decided, 1), True)


def automation_rate(c: PeriodCounts) -> float:
    return ratio(c.auto_approved, c.decided, 2)


def compliance_score(c: PeriodCounts) -> Score:
    if not c.high_risk:
        return Score(FULL, False)
    return Score(half_up(100 - Fraction(c.violations * 100, c.high_risk), 1), True)


@dataclass(frozen=True)
class Scores:
    platform: Score
    security: Score
    efficiency: Score
    compliance: Score

    @classmethod
    def of(cls, c: PeriodCounts) -> Scores:
        return cls(platform_score(c), security_score(c), efficiency_score(c), compliance_score(c))

    def mean(self) -> Fraction:
        """The four scores' mean, exact, from the scores as shown."""
        shown = (self.platform, self.security, self.efficiency, self.compliance)
        return sum((exact(s.value) for s in shown), Fraction(0)) / len(shown)


def band(value: Number) -> str:
    for floor, name in BANDS:
        if exact(value) >= floor:
            return name
    return LOWEST_BAND


def trend(current: Score, previous: Score) -> str:
    if not (current.measured and previous.measured):
        return "stable"
    change = exact(current.value) - exact(previous.value)
    if change > TREND_POINTS:
        return "improving"
    if change < -TREND_POINTS:
        return "declining"
    return "stable"


def growth_trend(new_users: int) -> str:
    """``positive`` when users joined in the period, else ``flat``. Never ``negative``:
    users are deactivated, not deleted, and no deactivation time is kept, so a period's
    losses cannot be told."""
    return "positive" if new_users else "flat"


def percent_text(value: Number) -> str:
    """A percentage as a sentence writes it: 98.5, 100 (one decimal, ``.0`` dropped)."""
    return f"{half_up(value, 1):.1f}".removesuffix(".0")


def whole_percent(rate: float) -> int:
    """A two-decimal rate as a whole percentage (0.82 -> 82)."""
    return int(half_up(exact(rate) * 100, 0))
