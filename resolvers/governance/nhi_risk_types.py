"""The NHI risk reads as GraphQL shows them: a score with its factors and inputs, the
risk page, an assessment, and the risk history. Figures are rounded half up from the
exact values (``gateway.rounding``): the score to 2 decimals, a factor's part, weight and
contribution to 4, the spend inputs to 2."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry

from gateway.context import Info
from gateway.rounding import half_up
from resolvers.governance.nhi_anomaly_types import NhiAnomaly
from resolvers.governance.nhi_loaders import guardians_by_nhi
from resolvers.governance.nhi_recommendations import recommendations
from resolvers.governance.nhi_risk import Factor, Risk
from resolvers.governance.types import Guardian
from resolvers.pagination import Connection

# A history's window start (the risk reads' is ``NhiFrom``: 7 days).
HistoryFrom = Annotated[
    datetime | None,
    strawberry.argument(
        name="from", description="Window start (inclusive); default now - 30 days."
    ),
]

FACTOR_DIGITS = 4
SPEND_DIGITS = 2


@strawberry.type(description="One term of a risk score: its part (0 to 1) times its weight.")
class NhiRiskFactor:
    key: str = strawberry.field(
        description="spend_burst, tool_attempt, guardian, federation or tier."
    )
    signal: str | None = strawberry.field(
        description="The signal's name when it is raised; null otherwise (tier has none)."
    )
    active: bool = strawberry.field(description="Whether it adds to the score (part > 0).")
    part: float = strawberry.field(description="S, D, G, F or T: 0 to 1, 4 decimals.")
    weight: float
    contribution: float = strawberry.field(description="weight x part, 4 decimals.")

    @classmethod
    def of(cls, factor: Factor) -> NhiRiskFactor:
        return cls(
            key=factor.key,
            signal=factor.signal,
            active=factor.part > 0,
            part=half_up(factor.part, FACTOR_DIGITS),
            weight=half_up(factor.weight, FACTOR_DIGITS),
            contribution=half_up(factor.contribution, FACTOR_DIGITS),
        )


@strawberry.type(description="What an NHI's risk score was computed from.")
class NhiRiskInputs:
    nhi_id: strawberry.Private[uuid.UUID]
    p99_spend: float = strawberry.field(
        description="percentile_cont(0.99) of the window's hourly spend (idle hours 0), USD."
    )
    rolling_baseline: float = strawberry.field(
        description="Mean hourly spend over the 7 days before the window, USD."
    )
    denied_attempts: int = strawberry.field(description="Denied attempts in the window.")
    tier: int
    federation_status: str

    @strawberry.field(description="The guardians bound to the NHI, by name.")
    async def guardians(self, info: Info) -> list[Guardian]:
        rows = await info.context.loaders.get(guardians_by_nhi).load(self.nhi_id)
        return [Guardian.from_row(row) for row in rows]


def _risk_fields(risk: Risk, start: datetime, end: datetime) -> dict[str, Any]:
    inputs = risk.inputs
    return {
        "nhi_id": inputs.nhi_id,
        "nhi_label": inputs.label,
        "kind": inputs.kind,
        "tier": inputs.tier,
        "federation_status": inputs.federation_status,
        "last_seen_at": inputs.last_seen_at,
        "from_": start,
        "to": end,
        "risk_score": risk.score,
        "risk_signals": risk.signals,
        "factors": [NhiRiskFactor.of(factor) for factor in risk.factors],
        "inputs": NhiRiskInputs(
            nhi_id=inputs.nhi_id,
            p99_spend=half_up(inputs.p99_spend, SPEND_DIGITS),
            rolling_baseline=half_up(inputs.rolling_baseline, SPEND_DIGITS),
            denied_attempts=inputs.denied_attempts,
            tier=inputs.tier,
            federation_status=inputs.federation_status,
        ),
    }


@strawberry.type(description="An NHI's risk over [from, to): its score, signals and factors.")
class NhiRisk:
    nhi_id: uuid.UUID
    nhi_label: str
    kind: str
    tier: int
    federation_status: str
    last_seen_at: datetime | None = strawberry.field(
        description="The latest activity before `to`, else the NHI's registered last-seen time."
    )
    from_: datetime = strawberry.field(name="from", description="Inclusive.")
    to: datetime = strawberry.field(description="Exclusive.")
    risk_score: float = strawberry.field(
        description="round(min(1, 0.35 S + 0.25 D + 0.15 G + 0.15 F + 0.10 T), 2), half up."
    )
    risk_signals: list[str] = strawberry.field(
        description="The raised signals, in the definition's order."
    )
    factors: list[NhiRiskFactor] = strawberry.field(
        description="Every term of the score, in the definition's order."
    )
    inputs: NhiRiskInputs

    @classmethod
    def of(cls, risk: Risk, start: datetime, end: datetime) -> NhiRisk:
        return cls(**_risk_fields(risk, start, end))


@strawberry.type(
    description="An NHI's risk explained: the score, every factor and input, its open "
    "anomalies and what to do about them."
)
class NhiRiskAssessment(NhiRisk):
    open_anomalies: list[NhiAnomaly] = strawberry.field(
        description="Its open anomalies, newest first, at most 50."
    )
    recommendations: list[str] = strawberry.field(
        description="One sentence per rule its factors call for, in the factors' order."
    )

    @classmethod
    def assessed(
        cls, risk: Risk, start: datetime, end: datetime, anomalies: list[Any]
    ) -> NhiRiskAssessment:
        return cls(
            **_risk_fields(risk, start, end),
            open_anomalies=[NhiAnomaly.from_row(row) for row in anomalies],
            recommendations=recommendations(risk),
        )


@strawberry.type(description="An NHI's risk as a detection run or a snapshot recorded it.")
class NhiRiskSnapshot:
    id: uuid.UUID
    nhi_id: uuid.UUID
    computed_at: datetime
    window_from: datetime
    window_to: datetime
    risk_score: float
    risk_signals: list[str]
    source: str = strawberry.field(description="snapshot, or the detection run that wrote it.")

    @classmethod
    def from_row(cls, row: Any) -> NhiRiskSnapshot:
        return cls(
            id=row["id"],
            nhi_id=row["nhi_id"],
            computed_at=row["computed_at"],
            window_from=row["window_from"],
            window_to=row["window_to"],
            risk_score=row["risk_score"],
            risk_signals=list(row["signals"] or []),
            source=row["source"],
        )


@strawberry.type(description="A page of NHI risks over [from, to).")
class NhiRiskPage(Connection[NhiRisk]):
    from_: datetime = strawberry.field(name="from")
    to: datetime


@strawberry.type(description="A page of one NHI's risk snapshots computed in [from, to).")
class NhiRiskHistory(Connection[NhiRiskSnapshot]):
    nhi_id: uuid.UUID
    from_: datetime = strawberry.field(name="from")
    to: datetime
