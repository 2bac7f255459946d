"""NHI posture as GraphQL shows it: one row per NHI, its components, and the page."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from resolvers.governance.nhi_posture import Posture, share
from resolvers.pagination import Connection, Edge, PageInfo


@strawberry.type(description="The parts of an NHI's posture score, over the last 7 days.")
class NhiPostureComponents:
    guardian_coverage: float = strawberry.field(
        description="Share of the NHI's events a guardian checked (4 decimals); with no "
        "activity, 1.0 if a guardian is bound to it, else 0.0."
    )
    tier_compliance: float = strawberry.field(
        description="1 - denied attempts / all attempts (4 decimals); 1.0 with none."
    )
    federation_status: float = strawberry.field(
        description="1.0 verified, 0.5 pending, 0.0 unverified."
    )
    anomaly_count_7d: int = strawberry.field(
        description="Anomalies detected in the last 7 days, any status."
    )


@strawberry.type(description="An NHI's composite governance posture over the last 7 days.")
class NhiPosture:
    nhi_id: uuid.UUID
    label: str = strawberry.field(description="The NHI's label.")
    posture_score: float = strawberry.field(
        description="round(max(0, 0.4·(1 - risk_score) + 0.2·guardian_coverage + "
        "0.2·tier_compliance + 0.2·federation_status - min(0.2, 0.05·anomaly_count_7d)), 2), "
        "half up, from the exact components."
    )
    risk_score: float = strawberry.field(description="The NHI's risk score over the window.")
    components: NhiPostureComponents

    @classmethod
    def of(cls, posture: Posture) -> NhiPosture:
        return cls(
            nhi_id=posture.nhi_id,
            label=posture.label,
            posture_score=posture.score,
            risk_score=posture.risk.score,
            components=NhiPostureComponents(
                guardian_coverage=share(posture.guardian_coverage),
                tier_compliance=share(posture.tier_compliance),
                federation_status=float(posture.federation),
                anomaly_count_7d=posture.anomalies,
            ),
        )


@strawberry.type(description="A page of NHI postures, weakest first, and the window used.")
class NhiPostureConnection(Connection[NhiPosture]):
    from_: datetime = strawberry.field(
        name="from", description="The window's start (inclusive): now - 7 days."
    )
    to: datetime = strawberry.field(description="The window's end (exclusive): now.")

    @classmethod
    def of(
        cls, found: list[Posture], has_next: bool, start: datetime, end: datetime
    ) -> NhiPostureConnection:
        edges = [Edge(cursor=p.cursor, node=NhiPosture.of(p)) for p in found]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None
            ),
            from_=start,
            to=end,
        )
