"""NHI risk: the inputs of one NHI's score over a window, counted in SQL, and the score.

For one NHI over ``[start, end)`` (the NHI reads default to the last 7 days):

- hourly spend: spend summed per UTC hour over every hour of the window (each UTC hour
  the window touches, ``gateway.sql.bucket_count``), idle hours counting as 0;
  ``p99_spend`` is ``percentile_cont(0.99)`` of that series.
- ``rolling_baseline``: the mean hourly spend over the 7 days before ``start``
  (168 hours, idle hours counting as 0): the spend of ``[start - 7 days, start)`` / 168.
- Signal ``spend_burst:p99`` when ``p99_spend >= 1.00`` USD and
  ``p99_spend > 5 * rolling_baseline``: S = 1, otherwise 0.
- Signal ``tool_attempt:denied:N`` when N >= 1 denied attempts fall in the window:
  D = min(1, N / 10).
- Signal ``guardian:none`` when the NHI has no guardian binding: G = 1.
- Signal ``federation:unverified`` or ``federation:pending`` when the federation status is
  not verified: F = 1 for unverified, 0.5 for pending, 0 for verified.
- Tier (1 is the most privileged): T = (4 - tier) / 3. It has no signal of its own.
- ``risk_score = round(min(1, 0.35 S + 0.25 D + 0.15 G + 0.15 F + 0.10 T), 2)``, half up.

Signals are listed in that order. ``last_seen_at`` is the NHI's latest activity before
``end``, or its own registered ``last_seen_at`` when it has none.

How the percentile stays in SQL without a row per idle hour: zeros sort first, so in the
window's H hourly sums, of which k are active, the i-th smallest (0-based) is 0 for
i < H - k and the (i - (H - k) + 1)-th smallest active sum otherwise. ``percentile_cont``
reads the two neighbours of position 0.99 (H - 1), and SQL picks exactly those two from
the active hours (``row_number()`` per NHI); Python interpolates between them with
fractions. A 10-year window costs what its activity costs, not 87,600 rows per NHI. Spend
is summed as whole ten-thousandths (``money_units``), so every figure is exact on both
databases and the thresholds (exactly 5x the baseline is no burst) are decided exactly.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import half_up
from gateway.sql import MONEY_UNITS, bucket_count, epoch_bucket, money_units, table_of
from models.identities import Nhi, NhiActivity, NhiGuardian

NHIS = table_of(Nhi)
ACTIVITY = table_of(NhiActivity)
BINDINGS = table_of(NhiGuardian)

HOUR = 3600
PERCENTILE = Fraction(99, 100)
BASELINE_SPAN = timedelta(days=7)
BASELINE_HOURS = 7 * 24
BURST_FLOOR = Fraction(1)  # USD per hour
BURST_RATIO = 5
DENIED_FULL = 10  # denied attempts at which D reaches 1

# The score's terms, in the definition's order, with their weights.
SPEND, DENIED, GUARDIAN, FEDERATION, TIER = (
    "spend_burst",
    "tool_attempt",
    "guardian",
    "federation",
    "tier",
)
WEIGHTS: dict[str, Fraction] = {
    SPEND: Fraction(35, 100),
    DENIED: Fraction(25, 100),
    GUARDIAN: Fraction(15, 100),
    FEDERATION: Fraction(15, 100),
    TIER: Fraction(10, 100),
}
FEDERATION_PARTS: dict[str, Fraction] = {
    "verified": Fraction(0),
    "pending": Fraction(1, 2),
    "unverified": Fraction(1),
}


@dataclass(frozen=True)
class RiskInputs:
    """One NHI's inputs over a window: every aggregate counted in SQL."""

    nhi_id: uuid.UUID
    label: str
    kind: str
    tier: int
    federation_status: str
    guardians: int  # bound guardians
    p99_spend: Fraction  # USD per hour, exact
    rolling_baseline: Fraction  # USD per hour, exact
    denied_attempts: int
    last_seen_at: datetime | None


@dataclass(frozen=True)
class Factor:
    """One term of the score: its part (S, D, G, F or T) and weight; ``signal`` names it
    when it is active (the tier has no signal)."""

    key: str
    signal: str | None
    part: Fraction
    weight: Fraction

    @property
    def contribution(self) -> Fraction:
        return self.weight * self.part


@dataclass(frozen=True)
class Risk:
    inputs: RiskInputs
    factors: tuple[Factor, ...]
    score: float

    @property
    def signals(self) -> list[str]:
        """The active signals, in the definition's order."""
        return [factor.signal for factor in self.factors if factor.signal is not None]


def spend_burst(p99: Fraction, baseline: Fraction) -> bool:
    """A burst: a p99 hourly spend of at least 1.00 USD and over 5x the baseline."""
    return p99 >= BURST_FLOOR and p99 > BURST_RATIO * baseline


def assess(inputs: RiskInputs) -> Risk:
    """The score and its factors, exactly; rounded once, half up."""
    burst = spend_burst(inputs.p99_spend, inputs.rolling_baseline)
    denied = inputs.denied_attempts
    federation = inputs.federation_status
    factors = (
        Factor(SPEND, "spend_burst:p99" if burst else None, Fraction(int(burst)), WEIGHTS[SPEND]),
        Factor(
            DENIED,
            f"tool_attempt:denied:{denied}" if denied >= 1 else None,
            min(Fraction(1), Fraction(denied, DENIED_FULL)),
            WEIGHTS[DENIED],
        ),
        Factor(
            GUARDIAN,
            "guardian:none" if inputs.guardians == 0 else None,
            Fraction(int(inputs.guardians == 0)),
            WEIGHTS[GUARDIAN],
        ),
        Factor(
            FEDERATION,
            f"federation:{federation}" if federation != "verified" else None,
            FEDERATION_PARTS[federation],
            WEIGHTS[FEDERATION],
        ),
        Factor(TIER, None, Fraction(4 - inputs.tier, 3), WEIGHTS[TIER]),
    )
    total = sum((factor.contribution for factor in factors), Fraction(0))
    return Risk(inputs=inputs, factors=factors, score=half_up(min(Fraction(1), total), 2))


def baseline_start(start: datetime) -> datetime:
    """7 days before ``start``; the first representable moment for a window in the first
    week of year 1 (still divided by 168 hours: there is no activity before it)."""
    earliest = datetime.min.replace(tzinfo=UTC)
    return start - BASELINE_SPAN if start - earliest >= BASELINE_SPAN else earliest


def percentile_neighbours(hours: int) -> tuple[int, int, Fraction]:
    """The 0-based positions around 0.99 (hours - 1) in a series of ``hours`` values, and
    the interpolation weight of the upper one (``percentile_cont``'s rule)."""
    position = PERCENTILE * (hours - 1)
    low = math.floor(position)
    return low, math.ceil(position), position - low


async def risk_inputs(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    nhi_ids: Sequence[uuid.UUID] | None = None,
) -> list[RiskInputs]:
    """Every NHI of the organisation (or those of ``nhi_ids``), ordered by label then id,
    with its inputs over ``[start, end)``. One statement: the window's activity grouped
    by hour, the baseline's summed per NHI."""
    hours = bucket_count(start, end, HOUR)
    low, high, upper_weight = percentile_neighbours(hours)

    # Each NHI's spend and denied attempts per UTC hour of the window.
    scope = [ACTIVITY.c.org_id == org_id]
    if nhi_ids is not None:
        scope.append(ACTIVITY.c.nhi_id.in_(nhi_ids))
    hour = epoch_bucket(ACTIVITY.c.occurred_at, HOUR)
    hourly = (
        select(
            ACTIVITY.c.nhi_id,
            func.sum(money_units(ACTIVITY.c.spend_usd)).label("units"),
            func.sum(case((ACTIVITY.c.outcome == "denied", 1), else_=0)).label("denied"),
        )
        .where(*scope, ACTIVITY.c.occurred_at >= start, ACTIVITY.c.occurred_at < end)
        .group_by(ACTIVITY.c.nhi_id, hour)
        .subquery("hourly")
    )

    # The window's active hours ranked by spend: the k active sums sit above H - k zeros.
    ranked = select(
        hourly.c.nhi_id,
        hourly.c.units,
        hourly.c.denied,
        func.row_number().over(partition_by=hourly.c.nhi_id, order_by=hourly.c.units).label("rn"),
        func.count().over(partition_by=hourly.c.nhi_id).label("k"),
    ).subquery("ranked")

    def neighbour(position: int) -> Any:
        # The value at ``position`` of the padded series; NULL (so 0) when it is a zero.
        rank = ranked.c.k + (position - hours + 1)
        return func.max(case((ranked.c.rn == rank, ranked.c.units), else_=None))

    window = (
        select(
            ranked.c.nhi_id,
            neighbour(low).label("low_units"),
            neighbour(high).label("high_units"),
            cast(func.sum(ranked.c.denied), Integer).label("denied"),
        )
        .group_by(ranked.c.nhi_id)
        .subquery("window")
    )
    # The baseline needs no hours: a mean over 168 of them is the sum over 168.
    baseline = (
        select(ACTIVITY.c.nhi_id, func.sum(money_units(ACTIVITY.c.spend_usd)).label("units"))
        .where(
            *scope,
            ACTIVITY.c.occurred_at >= baseline_start(start),
            ACTIVITY.c.occurred_at < start,
        )
        .group_by(ACTIVITY.c.nhi_id)
        .subquery("baseline")
    )
    bound = (
        select(BINDINGS.c.nhi_id, func.count().label("guardians"))
        .where(BINDINGS.c.org_id == org_id)
        .group_by(BINDINGS.c.nhi_id)
        .subquery("bound")
    )
    # One index probe per NHI (org_id, nhi_id, occurred_at), not a scan of all history.
    latest = (
        select(func.max(ACTIVITY.c.occurred_at))
        .where(
            ACTIVITY.c.org_id == org_id,
            ACTIVITY.c.nhi_id == NHIS.c.id,
            ACTIVITY.c.occurred_at < end,
        )
        .scalar_subquery()
    )

    statement = (
        select(
            NHIS.c.id,
            NHIS.c.label,
            NHIS.c.kind,
            NHIS.c.tier,
            NHIS.c.federation_status,
            func.coalesce(latest, NHIS.c.last_seen_at).label("last_seen_at"),
            func.coalesce(bound.c.guardians, 0).label("guardians"),
            window.c.low_units,
            window.c.high_units,
            window.c.denied,
            baseline.c.units.label("baseline_units"),
        )
        .select_from(
            NHIS.outerjoin(window, window.c.nhi_id == NHIS.c.id)
            .outerjoin(baseline, baseline.c.nhi_id == NHIS.c.id)
            .outerjoin(bound, bound.c.nhi_id == NHIS.c.id)
        )
        .where(NHIS.c.org_id == org_id)
        .order_by(NHIS.c.label, NHIS.c.id)
    )
    if nhi_ids is not None:
        statement = statement.where(NHIS.c.id.in_(nhi_ids))

    rows = (await conn.execute(statement)).mappings().all()
    return [_inputs(row, upper_weight) for row in rows]


def _usd(units: Any) -> Fraction:
    return Fraction(int(units or 0), MONEY_UNITS)


def _inputs(row: Any, upper_weight: Fraction) -> RiskInputs:
    low, high = _usd(row["low_units"]), _usd(row["high_units"])
    last_seen = row["last_seen_at"]
    return RiskInputs(
        nhi_id=row["id"],
        label=row["label"],
        kind=row["kind"],
        tier=row["tier"],
        federation_status=row["federation_status"],
        guardians=int(row["guardians"]),
        p99_spend=low + upper_weight * (high - low),
        rolling_baseline=_usd(row["baseline_units"]) / BASELINE_HOURS,
        denied_attempts=int(row["denied"] or 0),
        last_seen_at=last_seen,
    )


async def risks(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    nhi_ids: Sequence[uuid.UUID] | None = None,
) -> list[Risk]:
    """``risk_inputs`` scored: ordered by label then id (callers order by score)."""
    found = await risk_inputs(conn, org_id=org_id, start=start, end=end, nhi_ids=nhi_ids)
    return [assess(inputs) for inputs in found]
