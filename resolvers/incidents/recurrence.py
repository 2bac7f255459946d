"""Recurrence analysis: incidents grouped into recurrences, written so that a re-run
updates the same groups.

Over the incidents created in the last ``days`` days (default 90), oldest first:

- SAME_SERVICE_CATEGORY (confidence 0.8): the incidents of one service and category,
  chained while each is within 7 days of the previous one; a longer gap starts a group.
- SIMILAR_TITLE: an incident joins the oldest open group whose first incident's title is
  similar to its own (the Jaccard similarity of their lower-cased word sets is at least
  0.6) and whose latest incident is at most 7 days before it; else it starts a group. The
  group's confidence is the least similarity of a member to the first (2 decimals).
- A title group whose incidents all share one service and category lies inside one
  SAME_SERVICE_CATEGORY group (its members are each within 7 days of the previous):
  that group is both, so it is reported as SAME_SERVICE_CATEGORY with confidence 1.0,
  and the title group is not reported apart.

Groups of 2 or more incidents are recurrences. A group is identified across runs by its
type and first incident (``group_key``), so a re-run updates it in place (it may have
grown) and adds no duplicate; ``created_at`` is kept. ``is_resolved``: every incident
of the group has been resolved. Reading is one statement of the columns needed; the
grouping is the algorithm, so it runs in Python over the window's incidents.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.jobs import ClaimedJob, job_kind
from gateway.rounding import half_up
from gateway.sql import table_of, upsert
from models.incidents import Incident, RecurrenceAnalysis

INCIDENTS = table_of(Incident)
ANALYSES = table_of(RecurrenceAnalysis)
GAP = timedelta(days=7)
SIMILAR = Fraction(6, 10)
SAME_SERVICE_CATEGORY_CONFIDENCE = 0.8
DEFAULT_DAYS = 90
MAX_DAYS = 3650
KIND = "incidents.recurrence"
_WORD = re.compile(r"\w+")


def words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(title.lower()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> Fraction:
    union = a | b
    return Fraction(len(a & b), len(union)) if union else Fraction(0)


@dataclass
class Group:
    kind: str
    members: list[Any] = field(default_factory=list)
    confidence: Fraction = Fraction(1)

    @property
    def first(self) -> Any:
        return self.members[0]

    @property
    def last(self) -> Any:
        return self.members[-1]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.first['id'].hex}"

    def ids(self) -> frozenset[uuid.UUID]:
        return frozenset(m["id"] for m in self.members)


def same_service_category(rows: list[Any]) -> list[Group]:
    open_groups: dict[tuple[str, str], Group] = {}
    groups: list[Group] = []
    for row in rows:
        key = (row["service"], row["category"])
        group = open_groups.get(key)
        if group is None or row["created_at"] - group.last["created_at"] > GAP:
            group = Group("SAME_SERVICE_CATEGORY", confidence=Fraction(8, 10))
            open_groups[key] = group
            groups.append(group)
        group.members.append(row)
    return [g for g in groups if len(g.members) >= 2]


def similar_title(rows: list[Any]) -> list[Group]:
    groups: list[Group] = []
    anchors: dict[int, frozenset[str]] = {}
    open_groups: list[Group] = []
    for row in rows:
        title = words(row["title"])
        # Groups whose latest incident is over 7 days old can take no one else.
        open_groups = [g for g in open_groups if row["created_at"] - g.last["created_at"] <= GAP]
        for group in open_groups:
            similarity = jaccard(anchors[id(group)], title)
            if similarity >= SIMILAR:
                group.members.append(row)
                group.confidence = min(group.confidence, similarity)
                break
        else:
            group = Group("SIMILAR_TITLE")
            group.members.append(row)
            anchors[id(group)] = title
            groups.append(group)
            open_groups.append(group)
    return [g for g in groups if len(g.members) >= 2]


def recurrences(rows: list[Any]) -> list[Group]:
    """The groups of ``rows`` (oldest first), by the rules above."""
    by_service = same_service_category(rows)
    reported = list(by_service)
    for group in similar_title(rows):
        services = {(m["service"], m["category"]) for m in group.members}
        container = next((g for g in by_service if group.ids() <= g.ids()), None)
        if len(services) == 1 and container is not None:
            container.confidence = Fraction(1)
        else:
            reported.append(group)
    return reported


@dataclass(frozen=True)
class Analysed:
    groups: int
    incidents: int


async def analyse(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, days: int = DEFAULT_DAYS
) -> Analysed:
    """Groups the organisation's incidents of the last ``days`` days and writes each
    group (created, or updated in place)."""
    statement = (
        select(
            INCIDENTS.c.id,
            INCIDENTS.c.title,
            INCIDENTS.c.service,
            INCIDENTS.c.category,
            INCIDENTS.c.created_at,
            INCIDENTS.c.resolved_at,
        )
        .where(
            INCIDENTS.c.org_id == org_id,
            INCIDENTS.c.created_at >= now - timedelta(days=days),
            INCIDENTS.c.created_at < now,
        )
        .order_by(INCIDENTS.c.created_at, INCIDENTS.c.id)
    )
    rows = list((await conn.execute(statement)).mappings())
    groups = recurrences(rows)
    for group in groups:
        await conn.execute(_upsert(conn.dialect.name, org_id, group, now))
    return Analysed(groups=len(groups), incidents=len(rows))


def _upsert(dialect: str, org_id: uuid.UUID, group: Group, now: datetime) -> Any:
    same = group.kind == "SAME_SERVICE_CATEGORY"
    values = {
        "recurrence_type": group.kind,
        "confidence_score": half_up(group.confidence, 2),
        "incident_ids": [str(m["id"]) for m in group.members],
        "incident_count": len(group.members),
        "service": group.first["service"] if same else None,
        "category": group.first["category"] if same else None,
        "first_occurrence": group.first["created_at"],
        "last_occurrence": group.last["created_at"],
        "is_resolved": all(m["resolved_at"] is not None for m in group.members),
        "updated_at": now,
    }
    return upsert(
        dialect,
        ANALYSES,
        {"id": uuid.uuid4(), "org_id": org_id, "group_key": group.key, "created_at": now, **values},
        ["org_id", "group_key"],
        keep=("id", "created_at"),
    )


@job_kind(KIND)
async def analyse_recurrence(
    engine: AsyncEngine, *, job: ClaimedJob, now: datetime
) -> dict[str, Any]:
    """The job: ``analyse`` over the payload's ``days`` (default 90), one transaction."""
    days = int(job.payload.get("days", DEFAULT_DAYS))
    async with engine.begin() as conn:
        done = await analyse(conn, org_id=job.org_id, now=now, days=days)
    return {"groups": done.groups, "incidents": done.incidents}
