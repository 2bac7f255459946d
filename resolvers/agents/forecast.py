"""``/predictive/trends`` (seed 004): the next 7 days of high-risk actions and of the
busiest agents' work, and the last complete day's outliers, from the daily counts of the
organisation's actions. The numerics are in ``forecast_model.py``.

History: the last 28 UTC days, today included (from midnight 27 days before today's to
the request's "now"). Two statements read it, grouped by UTC day (``trends.utc_day``):
the organisation's actions per day with its high and critical ones (``FILTER``), and the
actions per day of the 5 agents with the most actions in the history (ties by name).

- ``days_collected``: the UTC days of the history with at least one action, today
  included; ``total_actions``: the actions of the history.
- Fewer than 4 days collected: ``status: collecting_data``, with ``collection_progress``
  = days / 4 * 100 (1 decimal, half-up) and ``estimated_ready_date`` = today + (4 - days)
  days, as the seed writes it.

From 4 days on, ``status: active``. The forecast series run over complete days, from the
first day with an action in the history to yesterday, zero-filled: today is still
filling up, and its partial count would read as a drop every morning. Each series is
forecast by Holt-Winters from 14 days of series on, Holt's linear trend below
(``forecast_model.fit``), for h = 1 (today) to 8; the answer shows tomorrow (h = 2) to a
week from tomorrow (h = 8). "Recent mean" is the mean of the series' last 7 days (all of
them when it is shorter).

- ``risk_forecast`` (the high and critical actions per day): each day's
  ``predicted_high_risk_actions`` = the forecast rounded half-up, at least 0; its
  ``confidence`` (``forecast_model.confidence``), 2 decimals; its ``trend`` from the
  change of the (clipped at 0) forecast from the day before (tomorrow's from today's
  forecast) over max(recent mean, 1): above +5 % increasing, below -5 % decreasing, else
  stable. The forecast as a whole trends the same way by the mean of its 7 days minus the
  recent mean.
- ``agent_workload_forecast`` (the top 5, most actions first): ``predicted_actions`` = the
  sum of its 7 days' forecasts (each clipped at 0), rounded half-up; ``confidence`` = the
  mean of its 7 days' confidences, 2 decimals; ``recommendation``: "Monitor capacity"
  when that sum / 7 is more than 20 % of max(recent mean, 1) above the recent mean,
  "Scale down" when more than 20 % below, else "Capacity adequate".
- ``anomalies``: yesterday (the last complete day) of the high-risk series, then of each
  top agent's series, against the 14 days before it (days before the first day with an
  action in the history are not part of it; fewer than 7 such days, nothing is judged).
  A modified z-score (``forecast_model.modified_z``) above 3.5 is a "spike", below -3.5 a
  "drop"; severity "high" when |z| > 5, else "medium"; ``timestamp`` = that day's start.
- ``risk_predictions.recommended_actions``, in this order: "Increase monitoring for
  <agent>" for each agent with a spike; "Check why activity dropped for <agent>" for
  each with a drop; "Review high-risk action patterns from last week" when the high-risk
  series spiked or its forecast trends increasing; else "Continue standard monitoring".
- ``prediction_quality``: "high" from 14 days collected, "medium" from 7, else "low";
  ``data_collection.collection_progress`` = min(days / 14, 1) * 100, 1 decimal.
- ``meta.model`` names what forecast the high-risk series; ``confidence_range`` is the
  lowest and highest of its days' confidences.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.jobs import off_loop
from gateway.rounding import half_up, ratio
from models.agents import HIGH_RISK
from resolvers.agents import forecast_model as model
from resolvers.agents.forecast_types import (
    AgentWorkloadForecast,
    CollectionProgress,
    ForecastAnomaly,
    ForecastDataCollection,
    ForecastMeta,
    PlannedFeature,
    PredictiveTrendsActive,
    PredictiveTrendsCollecting,
    RiskForecastDay,
    RiskPredictions,
)
from resolvers.agents.trends import ACTIONS, in_window, utc_day, window_start

HISTORY_DAYS = 28
TOP_AGENTS = 5
MINIMUM_DAYS = 4
OPTIMAL_DAYS = 14
MEDIUM_QUALITY_DAYS = 7
RECENT_DAYS = 7
BASELINE_DAYS = 14
MIN_BASELINE = 7
TREND_BAND = 0.05
WORKLOAD_BAND = 0.20
ANOMALY_Z = 3.5
HIGH_Z = 5.0

COLLECTING_MESSAGE = (
    "Collecting data for predictions. Minimum 4 days needed for pattern-based forecasting."
)
PLANNED_FEATURES = (
    (
        "Risk Trend Forecasting",
        "Predict high-risk action patterns 7 days ahead",
        "85%+",
        "Proactive threat mitigation",
    ),
    (
        "Agent Workload Prediction",
        "Forecast agent capacity and utilization",
        "80%+",
        "Capacity planning and resource optimization",
    ),
    (
        "Anomaly Detection",
        "Identify unusual patterns and potential security threats",
        "90%+",
        "Early warning system for security incidents",
    ),
)
QUALITY_TEXT = {
    "high": "Excellent data for high quality predictions",
    "medium": "Good data for reliable predictions",
    "low": "Limited data: predictions will improve as more days are collected",
}
WORKLOAD_ADVICE = {
    "increasing": "Monitor capacity",
    "decreasing": "Scale down",
    "stable": "Capacity adequate",
}


@dataclass(frozen=True)
class History:
    """The daily counts of the 28-day history (days without actions are absent)."""

    today: date
    totals: dict[date, int]
    high: dict[date, int]
    agents: list[tuple[str, dict[date, int]]]  # the top 5, most actions first

    @property
    def days_collected(self) -> int:
        return sum(1 for n in self.totals.values() if n > 0)

    @property
    def total_actions(self) -> int:
        return sum(self.totals.values())


async def history(conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime) -> History:
    """The organisation's daily counts over the last 28 UTC days: two statements."""
    start = window_start(now, HISTORY_DAYS)
    where = in_window(org_id, start, now)
    day = utc_day(ACTIONS.c.timestamp).label("day")
    high = func.count().filter(ACTIONS.c.risk_level.in_(HIGH_RISK))
    rows = await conn.execute(
        select(day, func.count().label("total"), high.label("high")).where(*where).group_by(day)
    )
    totals: dict[date, int] = {}
    highs: dict[date, int] = {}
    for row in rows:
        totals[row.day.date()], highs[row.day.date()] = row.total, row.high
    return History(now.date(), totals, highs, await _top_agents(conn, org_id, start, now))


async def _top_agents(
    conn: AsyncConnection, org_id: uuid.UUID, start: datetime, now: datetime
) -> list[tuple[str, dict[date, int]]]:
    """The daily counts of the history's 5 busiest agents, ranked in SQL (ties by name)."""
    where = in_window(org_id, start, now)
    n = func.count()
    ranked = (
        select(
            ACTIONS.c.agent_id,
            func.row_number().over(order_by=(n.desc(), ACTIONS.c.agent_id)).label("rank"),
        )
        .where(*where)
        .group_by(ACTIONS.c.agent_id)
        .order_by(n.desc(), ACTIONS.c.agent_id)
        .limit(TOP_AGENTS)
        .subquery()
    )
    day = utc_day(ACTIONS.c.timestamp).label("day")
    rows = await conn.execute(
        select(ranked.c.agent_id, ranked.c.rank, day, func.count().label("n"))
        .join_from(ACTIONS, ranked, ACTIONS.c.agent_id == ranked.c.agent_id)
        .where(*where)
        .group_by(ranked.c.agent_id, ranked.c.rank, day)
    )
    by_agent: dict[tuple[int, str], dict[date, int]] = {}
    for row in rows:
        by_agent.setdefault((row.rank, row.agent_id), {})[row.day.date()] = row.n
    return [(agent, counts) for (_, agent), counts in sorted(by_agent.items())]


async def predict(
    found: History, *, now: datetime
) -> PredictiveTrendsActive | PredictiveTrendsCollecting:
    """The answer for ``found``: forecasts from 4 days collected, else the progress."""
    if found.days_collected < MINIMUM_DAYS:
        return collecting(found)
    first = min(d for d, n in found.totals.items() if n > 0)
    days = [first + timedelta(days=k) for k in range((found.today - first).days)]
    high = [float(found.high.get(d, 0)) for d in days]
    agents = [[float(counts.get(d, 0)) for d in days] for _, counts in found.agents]
    # Fitting takes tens of milliseconds a series: off the event loop.
    fits: list[model.Fit] = await off_loop(model.fit_all, [high, *agents])
    risk = risk_forecast(fits[0], high, found.today)
    rising = series_trend(fits[0], high, TREND_BAND) == "increasing"
    workload = [
        workload_forecast(agent, fit, series)
        for (agent, _), fit, series in zip(found.agents, fits[1:], agents, strict=True)
    ]
    anomalies = outliers(found, days, high, agents)
    quality = quality_of(found.days_collected)
    confidences = [day.confidence for day in risk]
    return PredictiveTrendsActive(
        status="active",
        prediction_quality=quality,
        risk_forecast=risk,
        agent_workload_forecast=workload,
        anomalies=anomalies,
        risk_predictions=RiskPredictions(
            recommended_actions=recommendations(anomalies, rising=rising)
        ),
        data_collection=ForecastDataCollection(
            days_collected=found.days_collected,
            total_actions=found.total_actions,
            collection_progress=ratio(
                min(found.days_collected, OPTIMAL_DAYS) * 100, OPTIMAL_DAYS, 1
            ),
            ready=True,
            quality=QUALITY_TEXT[quality],
        ),
        meta=ForecastMeta(
            version="1.0.0-phase3",
            mock_data=False,
            prediction_method="ml_powered",
            model=fits[0].model,
            confidence_range=[min(confidences), max(confidences)],
            phase="3_of_3_active",
        ),
        timestamp=now,
    )


def collecting(found: History) -> PredictiveTrendsCollecting:
    days = found.days_collected
    return PredictiveTrendsCollecting(
        status="collecting_data",
        message=COLLECTING_MESSAGE,
        data_collection=CollectionProgress(
            days_collected=days,
            minimum_required=MINIMUM_DAYS,
            optimal_required=OPTIMAL_DAYS,
            total_actions=found.total_actions,
            collection_progress=ratio(days * 100, MINIMUM_DAYS, 1),
            estimated_ready_date=found.today + timedelta(days=MINIMUM_DAYS - days),
        ),
        planned_features=[
            PlannedFeature(feature=f, description=d, accuracy_target=a, benefit=b)
            for f, d, a, b in PLANNED_FEATURES
        ],
    )


def quality_of(days_collected: int) -> str:
    if days_collected >= OPTIMAL_DAYS:
        return "high"
    return "medium" if days_collected >= MEDIUM_QUALITY_DAYS else "low"


def recent_mean(series: Sequence[float]) -> float:
    return statistics.fmean(series[-RECENT_DAYS:])


def shown(fit: model.Fit) -> list[tuple[int, float]]:
    """The shown days' steps h (2..8) and their forecasts clipped at 0."""
    return [(h, max(fit.path[h - 1], 0.0)) for h in range(2, model.STEPS + 1)]


def risk_forecast(fit: model.Fit, series: Sequence[float], today: date) -> list[RiskForecastDay]:
    recent = recent_mean(series)
    days = []
    for h, value in shown(fit):
        before = max(fit.path[h - 2], 0.0)
        days.append(
            RiskForecastDay(
                date=today + timedelta(days=h - 1),
                predicted_high_risk_actions=int(half_up(value, 0)),
                confidence=half_up(model.confidence(fit.path[h - 1], fit.sigma, h), 2),
                trend=model.trend_of(value - before, recent, TREND_BAND),
            )
        )
    return days


def series_trend(fit: model.Fit, series: Sequence[float], band: float) -> str:
    """The forecast's mean over its 7 days against the recent mean."""
    recent = recent_mean(series)
    mean = statistics.fmean(value for _, value in shown(fit))
    return model.trend_of(mean - recent, recent, band)


def workload_forecast(agent: str, fit: model.Fit, series: Sequence[float]) -> AgentWorkloadForecast:
    days = shown(fit)
    return AgentWorkloadForecast(
        agent_id=agent,
        predicted_actions=int(half_up(sum(value for _, value in days), 0)),
        confidence=half_up(
            statistics.fmean(model.confidence(fit.path[h - 1], fit.sigma, h) for h, _ in days),
            2,
        ),
        recommendation=WORKLOAD_ADVICE[series_trend(fit, series, WORKLOAD_BAND)],
    )


def outliers(
    found: History,
    days: Sequence[date],
    high: Sequence[float],
    agents: Sequence[Sequence[float]],
) -> list[ForecastAnomaly]:
    """Yesterday of each series against its own 14 days before (see the docstring)."""
    size = min(len(days) - 1, BASELINE_DAYS)
    if size < MIN_BASELINE:
        return []
    judged = datetime.combine(days[-1], time(), tzinfo=UTC)
    flagged: list[ForecastAnomaly] = []
    subjects = [(None, high), *((a, s) for (a, _), s in zip(found.agents, agents, strict=True))]
    for agent, series in subjects:
        z = model.modified_z(series[-1], series[-1 - size : -1])
        if abs(z) <= ANOMALY_Z:
            continue
        kind = "spike" if z > 0 else "drop"
        flagged.append(
            ForecastAnomaly(
                type=kind,
                description=(
                    f"Unusual {kind} in high-risk actions"
                    if agent is None
                    else f"Unusual activity {kind} detected for {agent}"
                ),
                severity="high" if abs(z) > HIGH_Z else "medium",
                timestamp=judged,
                agent_id=agent,
                modified_z_score=half_up(z, 2) if math.isfinite(z) else None,
            )
        )
    return flagged


def recommendations(anomalies: Sequence[ForecastAnomaly], *, rising: bool) -> list[str]:
    lines = [f"Increase monitoring for {a.agent_id}" for a in anomalies if _of(a, "spike")]
    lines += [f"Check why activity dropped for {a.agent_id}" for a in anomalies if _of(a, "drop")]
    risk_spike = any(a.agent_id is None and a.type == "spike" for a in anomalies)
    if risk_spike or rising:
        lines.append("Review high-risk action patterns from last week")
    return lines or ["Continue standard monitoring"]


def _of(anomaly: ForecastAnomaly, kind: str) -> bool:
    return anomaly.agent_id is not None and anomaly.type == kind
