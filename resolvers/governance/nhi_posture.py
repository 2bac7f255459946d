"""NHI posture: a composite governance score per NHI over the last 7 days.

For one NHI over the window ``[now - 7 days, now)`` (the request's clock):

- ``guardian_coverage`` = the NHI's guardian-checked share of its activity (events with
  a guardian over all events); with no activity, 1.0 if it has a binding, else 0.0.
- ``tier_compliance`` = 1 - (denied attempts / all attempts) (1.0 with none).
- ``federation_status`` = 1.0 / 0.5 / 0.0 for verified / pending / unverified.
- ``anomaly_count_7d`` = anomalies detected in the window, any status.
- ``posture_score = round(max(0, 0.4 (1 - risk_score) + 0.2 guardian_coverage
  + 0.2 tier_compliance + 0.2 federation_status - min(0.2, 0.05 anomaly_count_7d)), 2)``,
  with ``risk_score`` the NHI's rounded risk score over the same window
  (``nhi_risk.py``).

The counts come from SQL (one statement here, one in ``nhi_risk.risks``: its bindings
and denied attempts over the same window are reused, not counted again); the score is
computed exactly from them (the exact shares, not their 4-decimal display) and rounded
once, half up. The floor is not idle: an NHI scored above 0.5 whose events are all
denied and unchecked, unverified, with four anomalies or more, would score below 0.

Rows are ordered by posture_score ascending (the weakest first), then label, then id.
A page of them is cut in Python after the cursor: every NHI of the organisation is
scored to order them (a row per NHI, never an event).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.cursors import decode_cursor, encode_cursor
from gateway.rounding import exact, half_up
from gateway.sql import table_of
from models.identities import Nhi, NhiActivity, NhiAnomaly
from resolvers.common import MAX_PAGE, check_first
from resolvers.governance.nhi_risk import Risk, risks

NHIS = table_of(Nhi)
ACTIVITY = table_of(NhiActivity)
ANOMALIES = table_of(NhiAnomaly)

# The gateway's page maximum: at 15 cost units a row, a page of 1,000 would cost 15,001,
# over the fifth of the budget a stored REST operation may take.
MAX_POSTURE_PAGE = MAX_PAGE
SHARE_DIGITS = 4
SCORE_DIGITS = 2

RISK_WEIGHT = Fraction(4, 10)
COMPONENT_WEIGHT = Fraction(2, 10)
ANOMALY_PENALTY = Fraction(5, 100)  # per anomaly
ANOMALY_CAP = Fraction(2, 10)
FEDERATION: dict[str, Fraction] = {
    "verified": Fraction(1),
    "pending": Fraction(1, 2),
    "unverified": Fraction(0),
}


Key = tuple[Fraction, str, uuid.UUID]


@dataclass(frozen=True)
class Posture:
    """One NHI's posture: its counts over the window and its risk, scored exactly."""

    risk: Risk
    events: int
    checked: int  # events a guardian checked
    anomalies: int  # detected in the window, any status

    @property
    def nhi_id(self) -> uuid.UUID:
        return self.risk.inputs.nhi_id

    @property
    def label(self) -> str:
        return self.risk.inputs.label

    @property
    def guardian_coverage(self) -> Fraction:
        if self.events == 0:
            return Fraction(int(self.risk.inputs.guardians > 0))
        return Fraction(self.checked, self.events)

    @property
    def tier_compliance(self) -> Fraction:
        if self.events == 0:
            return Fraction(1)
        return 1 - Fraction(self.risk.inputs.denied_attempts, self.events)

    @property
    def federation(self) -> Fraction:
        return FEDERATION[self.risk.inputs.federation_status]

    @property
    def exact_score(self) -> Fraction:
        """The score before rounding (risk_score is the rounded one the formula names)."""
        total = (
            RISK_WEIGHT * (1 - exact(self.risk.score))
            + COMPONENT_WEIGHT * (self.guardian_coverage + self.tier_compliance + self.federation)
            - min(ANOMALY_CAP, ANOMALY_PENALTY * self.anomalies)
        )
        return max(Fraction(0), total)

    @property
    def score(self) -> float:
        return half_up(self.exact_score, SCORE_DIGITS)

    def key(self) -> Key:
        """The order of the list: score (as shown) ascending, label, id."""
        return exact(self.score), self.label, self.nhi_id

    @property
    def cursor(self) -> str:
        return encode_cursor(self.score, self.label, self.nhi_id)


def share(value: Fraction) -> float:
    """A component as shown: 4 decimals, half up."""
    return half_up(value, SHARE_DIGITS)


async def postures(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
) -> list[Posture]:
    """Every NHI of the organisation with its posture over ``[start, end)``, ordered by
    score ascending, then label, then id. Two statements: these counts and the risks."""
    events = (
        select(
            ACTIVITY.c.nhi_id,
            func.count().label("events"),
            func.count(ACTIVITY.c.guardian_id).label("checked"),
        )
        .where(
            ACTIVITY.c.org_id == org_id,
            ACTIVITY.c.occurred_at >= start,
            ACTIVITY.c.occurred_at < end,
        )
        .group_by(ACTIVITY.c.nhi_id)
        .subquery("events")
    )
    anomalies = (
        select(ANOMALIES.c.nhi_id, func.count().label("anomalies"))
        .where(
            ANOMALIES.c.org_id == org_id,
            ANOMALIES.c.detected_at >= start,
            ANOMALIES.c.detected_at < end,
        )
        .group_by(ANOMALIES.c.nhi_id)
        .subquery("anomalies")
    )
    statement = (
        select(
            NHIS.c.id,
            func.coalesce(events.c.events, 0).label("events"),
            func.coalesce(events.c.checked, 0).label("checked"),
            func.coalesce(anomalies.c.anomalies, 0).label("anomalies"),
        )
        .select_from(
            NHIS.outerjoin(events, events.c.nhi_id == NHIS.c.id).outerjoin(
                anomalies, anomalies.c.nhi_id == NHIS.c.id
            )
        )
        .where(NHIS.c.org_id == org_id)
    )
    counts = {row["id"]: row for row in (await conn.execute(statement)).mappings()}
    scored = [
        Posture(
            risk=risk,
            events=int(counts[risk.inputs.nhi_id]["events"]),
            checked=int(counts[risk.inputs.nhi_id]["checked"]),
            anomalies=int(counts[risk.inputs.nhi_id]["anomalies"]),
        )
        for risk in await risks(conn, org_id=org_id, start=start, end=end)
        if risk.inputs.nhi_id in counts
    ]
    return sorted(scored, key=Posture.key)


def _score(text: str) -> Fraction:
    return Fraction(text)


def page_start(first: int, after: str | None) -> Key | None:
    """Checks a page's arguments before anything runs: ``first`` 1 to 500 and a cursor
    of ours (else BAD_USER_INPUT); the position the cursor names, if any."""
    check_first(first)
    if after is None:
        return None
    score, label, nhi_id = decode_cursor(after, _score, str, uuid.UUID)
    return score, label, nhi_id


def page(found: Sequence[Posture], *, first: int, after: Key | None) -> tuple[list[Posture], bool]:
    """The ``first`` postures after the position ``after`` (in the list's order), and
    whether more follow."""
    rest = [p for p in found if after is None or p.key() > after]
    return rest[:first], len(rest) > first
