"""The NHI reads in SQL: the NHIs page, an NHI's risk page and history, and the batches
(bindings, snapshots, sessions, open anomalies) that ``nhi_loaders.py`` runs once per
request.

The NHIs page is by label then id, keyset-paginated. The risk page is ordered by
``risk_score`` descending, then label, then id: every NHI of the organisation is scored
by the risk core's one statement (``nhi_risk.risks``) and the page is cut from that
ordered list in Python, behind an opaque cursor over (score, label, id). A history is
one NHI's snapshots whose ``computed_at`` lies in ``[from, to)``, oldest first on
``(computed_at, id)``, keyset-paginated.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from gateway.cursors import decode_cursor, encode_cursor
from gateway.errors import bad_input
from gateway.sql import UTCDateTime, newest_per_key, table_of
from models.governance import Guardian, McpSession
from models.identities import Nhi, NhiAnomaly, NhiGuardian, NhiRiskSnapshot
from resolvers.common import cursor_moment
from resolvers.governance.nhi_risk import Risk
from resolvers.pagination import Page, page_of

NHIS = table_of(Nhi)
BINDINGS = table_of(NhiGuardian)
GUARDIANS = table_of(Guardian)
SNAPSHOTS = table_of(NhiRiskSnapshot)
SESSIONS = table_of(McpSession)
ANOMALIES = table_of(NhiAnomaly)

# The risk page and a history page hold up to 1,000 rows (default 1,000).
MAX_RISK_PAGE = 1000
# The open anomalies a risk assessment lists, newest first.
OPEN_ANOMALIES = 50


def check_risk_first(first: int) -> int:
    if not 1 <= first <= MAX_RISK_PAGE:
        raise bad_input(f"first must be from 1 to {MAX_RISK_PAGE}", argument="first")
    return first


# --- the NHIs page ----------------------------------------------------------------------


def nhi_conditions(*, org_id: uuid.UUID, after: str | None) -> list[Any]:
    """Which NHIs a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    conditions: list[Any] = [NHIS.c.org_id == org_id]
    if after is not None:
        label, last = decode_cursor(after, str, uuid.UUID)
        conditions.append(or_(NHIS.c.label > label, and_(NHIS.c.label == label, NHIS.c.id > last)))
    return conditions


# NHIs by label, then id; a cursor holds (label, id).
NHI_ORDER: tuple[Any, ...] = (NHIS.c.label, NHIS.c.id)
NHI_CURSOR = ("label", "id")


def nhis_of(org_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(*NHIS.c).where(NHIS.c.org_id == org_id, NHIS.c.id.in_(ids))


# --- the risk page ----------------------------------------------------------------------

RiskPage = tuple[list[tuple[str, Risk]], bool]


def _risk_key(risk: Risk) -> tuple[float, str, uuid.UUID]:
    return (-risk.score, risk.inputs.label, risk.inputs.nhi_id)


def _score(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError("not a risk score")
    return value


def risk_page(
    found: Sequence[Risk],
    *,
    tier: int | None,
    min_score: float | None,
    first: int,
    after: str | None,
) -> RiskPage:
    """The scored NHIs that pass the filters, by score descending, label, then id: the
    ``first`` after the cursor, and whether more follow."""
    rows = sorted(
        (
            risk
            for risk in found
            if (tier is None or risk.inputs.tier == tier)
            and (min_score is None or risk.score >= min_score)
        ),
        key=_risk_key,
    )
    if after is not None:
        score, label, last = decode_cursor(after, _score, str, uuid.UUID)
        boundary = (-score, label, last)
        rows = [risk for risk in rows if _risk_key(risk) > boundary]
    cursor = [
        (encode_cursor(risk.score, risk.inputs.label, risk.inputs.nhi_id), risk)
        for risk in rows[:first]
    ]
    return cursor, len(rows) > first


# --- a risk history ---------------------------------------------------------------------


def _history_conditions(org_id: uuid.UUID, start: datetime, end: datetime) -> list[Any]:
    return [
        SNAPSHOTS.c.org_id == org_id,
        SNAPSHOTS.c.computed_at >= literal(start, UTCDateTime()),
        SNAPSHOTS.c.computed_at < literal(end, UTCDateTime()),
    ]


OLDEST_FIRST = (SNAPSHOTS.c.computed_at, SNAPSHOTS.c.id)


async def history(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    nhi_id: uuid.UUID,
    start: datetime,
    end: datetime,
    first: int,
    after: str | None,
) -> Page:
    """One NHI's snapshots computed in ``[start, end)``, oldest first, then by id."""
    conditions = [*_history_conditions(org_id, start, end), SNAPSHOTS.c.nhi_id == nhi_id]
    if after is not None:
        moment, last = decode_cursor(after, cursor_moment, uuid.UUID)
        boundary = literal(moment, UTCDateTime())
        conditions.append(
            or_(
                SNAPSHOTS.c.computed_at > boundary,
                and_(SNAPSHOTS.c.computed_at == boundary, SNAPSHOTS.c.id > last),
            )
        )
    statement = select(*SNAPSHOTS.c).where(*conditions).order_by(*OLDEST_FIRST).limit(first + 1)
    rows = list((await conn.execute(statement)).mappings())
    return page_of(
        rows, first, lambda row: encode_cursor(row["computed_at"].isoformat(), row["id"])
    )


def snapshots_per_nhi(
    dialect: str,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    nhi_ids: Sequence[uuid.UUID],
    first: int,
) -> Select[Any]:
    """Each NHI's first ``first`` snapshots computed in ``[start, end)``, oldest first."""
    statement = select(*SNAPSHOTS.c).where(*_history_conditions(org_id, start, end))
    return newest_per_key(dialect, statement, SNAPSHOTS.c.nhi_id, nhi_ids, OLDEST_FIRST, first)


# --- relations --------------------------------------------------------------------------


def guardians_of(org_id: uuid.UUID, nhi_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The guardians bound to each NHI, by name then id, with the NHI's id."""
    return (
        select(BINDINGS.c.nhi_id, *GUARDIANS.c)
        .join(GUARDIANS, GUARDIANS.c.id == BINDINGS.c.guardian_id)
        .where(BINDINGS.c.org_id == org_id, BINDINGS.c.nhi_id.in_(nhi_ids))
        .order_by(BINDINGS.c.nhi_id, GUARDIANS.c.name, GUARDIANS.c.id)
    )


def sessions_per_nhi(
    dialect: str, org_id: uuid.UUID, nhi_ids: Sequence[uuid.UUID], first: int
) -> Select[Any]:
    """Each NHI's newest ``first`` MCP sessions (started_at, then id, descending)."""
    newest = (SESSIONS.c.started_at.desc(), SESSIONS.c.id.desc())
    statement = select(*SESSIONS.c).where(SESSIONS.c.org_id == org_id)
    return newest_per_key(dialect, statement, SESSIONS.c.nhi_id, nhi_ids, newest, first)


async def open_anomalies(
    conn: AsyncConnection, *, org_id: uuid.UUID, nhi_id: uuid.UUID
) -> list[RowMapping]:
    """The NHI's open anomalies, newest first (detected_at, then id), at most 50."""
    statement = (
        select(*ANOMALIES.c)
        .where(
            ANOMALIES.c.org_id == org_id,
            ANOMALIES.c.nhi_id == nhi_id,
            ANOMALIES.c.status == "open",
        )
        .order_by(ANOMALIES.c.detected_at.desc(), ANOMALIES.c.id.desc())
        .limit(OPEN_ANOMALIES)
    )
    return list((await conn.execute(statement)).mappings())
