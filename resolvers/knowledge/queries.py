"""Bus factor of the knowledge base (staleness is in ``staleness.py``): computed in SQL,
returned as plain data.

Semantics of both (issue 3 and seed 003; tests/knowledge works each one out by hand):

Bus factor
- An entry *counts* while its status is not ``archived``. Its authors are its
  ``entry_authors`` rows; the creator is always one of them.
- A person's ``sole_entries``: counted entries of their own department with exactly one
  author, that author being them. ``total_department_entries``: counted entries of their
  department. Both are 0 for a person without a department.
- ``score`` = sole / total x 100, 0 when the department has no counted entries or the
  person has no department. Every user of the organisation has a score, deactivated
  users included (their sole knowledge is exactly the risk being measured).
- Person risk: score >= 50 critical, >= 25 high, >= 10 medium, else low. Compared
  exactly in integers (sole x 100 >= 50 x total), so rounding never moves a person across
  a line.
- A department's ``concentration_index`` is the Herfindahl-Hirschman index of authorship
  shares: each counted entry weighs 1, split equally among its authors; a person's share
  is the sum of their weights divided by the department's total weight (its counted
  entries, since every entry has its creator as an author), so shares sum to 1; the
  index is the sum of the squared shares, 0 for a department without entries. Risk:
  >= 0.5 critical, >= 0.25 high, >= 0.15 medium, else low (with 1e-9 of slack for
  floating point, so an index of exactly 0.5 is critical on both databases).
- ``top_holders``: up to 5 *members* of the department with at least one sole entry,
  most sole entries first, ties by name. ``percentage`` and ``risk_level`` are the
  person's own score and risk (their sole entries are, by definition, in their
  department). Entries without a department count for staleness only.
- ``critical_count`` ... ``low_count`` count persons; ``overall_risk_level`` is the
  highest level among persons and departments (``low`` for an empty organisation).

Staleness
- An entry that is not archived is stale when the whole days since its
  ``last_reviewed_at`` (``created_at`` if never reviewed) are >= ``days``; equivalently,
  when that moment is at or before ``now - days``, which is how SQL compares it.
- ``days`` below 1 becomes 30, above 3650 is capped at 3650 (see ``threshold``).
- ``days_since_review`` is whole days (floor). ``stale_percentage`` = stale /
  total_active x 100, clamped to 0-100, 0 with no entries. ``average_days_since_review``
  is the mean of ``days_since_review`` over non-archived entries (0.0 with none).
- The check (service.py) flags stale ``active`` entries as ``needs_review`` in one
  conditional UPDATE; ``flagged`` counts only the rows it changed, so a second run flags
  nothing and two concurrent runs never count an entry twice. ``checked`` is the number
  of non-archived entries evaluated.

Numbers: ``score`` and ``percentage`` have 2 decimals, ``concentration_index`` 4,
``stale_percentage`` 2 and ``average_days_since_review`` 1, rounded half up by
``gateway.rounding``. SQL computes the counts and the index; scores and percentages are
rounded from their exact count ratios, never from a float.

Ordering (the seed is silent): persons by score descending, then name; departments by
concentration index descending, then name; stale entries by days since review
descending, then title. Ids break any remaining tie, so every answer is deterministic.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import half_up, ratio
from gateway.sql import table_of
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.tenancy import Department, User

ENTRY = table_of(KnowledgeEntry)
AUTHOR = table_of(EntryAuthor)
USER = table_of(User)
DEPARTMENT = table_of(Department)

TOP_HOLDERS = 5
# Lowest level first: the index of a level is its severity.
LEVELS = ("low", "medium", "high", "critical")
# (level, minimum score in percent): a person's risk.
PERSON_THRESHOLDS = (("critical", 50), ("high", 25), ("medium", 10))
# (level, minimum concentration index): a department's risk.
DEPARTMENT_THRESHOLDS = (("critical", 0.5), ("high", 0.25), ("medium", 0.15))
EPSILON = 1e-9


async def _all(conn: AsyncConnection, statement: Any) -> list[RowMapping]:
    return list((await conn.execute(statement)).mappings())


def counted(org_id: uuid.UUID) -> tuple[Any, ...]:
    """Entries of the organisation that count for bus factor (not archived)."""
    return (ENTRY.c.org_id == org_id, ENTRY.c.status != "archived")


# --- bus factor ---------------------------------------------------------------------


def _authorship(org_id: uuid.UUID) -> Any:
    """One row per (counted entry, author) with the entry's department and author count.

    The count is a window over the same join rather than a grouped subquery joined back:
    one pass, and no row estimate for ``count = 1`` to lead the planner astray.
    """
    authors = func.count().over(partition_by=AUTHOR.c.entry_id)
    return (
        select(AUTHOR.c.user_id, ENTRY.c.department_id, authors.label("authors"))
        .select_from(AUTHOR.join(ENTRY, ENTRY.c.id == AUTHOR.c.entry_id))
        .where(AUTHOR.c.org_id == org_id, *counted(org_id), ENTRY.c.department_id.is_not(None))
        .subquery("authorship")
    )


def _department_totals(org_id: uuid.UUID) -> Any:
    return (
        select(ENTRY.c.department_id, func.count().label("entries"))
        .where(*counted(org_id), ENTRY.c.department_id.is_not(None))
        .group_by(ENTRY.c.department_id)
        .subquery("department_totals")
    )


def _person_level(sole: Any, total: Any) -> Any:
    # sole <= total, so sole > 0 implies total > 0: no division, no rounding.
    whens = [(sole * 100 >= minimum * total, level) for level, minimum in PERSON_THRESHOLDS]
    return case((sole == 0, "low"), *whens, else_="low")


def _department_level(index: Any) -> Any:
    whens = [(index >= minimum - EPSILON, level) for level, minimum in DEPARTMENT_THRESHOLDS]
    return case(*whens, else_="low")


def _persons_statement(org_id: uuid.UUID) -> Any:
    """Every user's score, with the organisation's counts by level and holder ranks."""
    authorship = _authorship(org_id)
    sole = (
        select(authorship.c.user_id, authorship.c.department_id, func.count().label("sole"))
        .where(authorship.c.authors == 1)
        .group_by(authorship.c.user_id, authorship.c.department_id)
        .subquery("sole")
    )
    totals = _department_totals(org_id)
    scored = (
        select(
            USER.c.id.label("user_id"),
            USER.c.name.label("user_name"),
            USER.c.email.label("user_email"),
            USER.c.department_id,
            DEPARTMENT.c.name.label("department_name"),
            func.coalesce(sole.c.sole, 0).label("sole_entries"),
            func.coalesce(totals.c.entries, 0).label("total_department_entries"),
        )
        .select_from(
            USER.outerjoin(
                DEPARTMENT,
                and_(DEPARTMENT.c.id == USER.c.department_id, DEPARTMENT.c.org_id == org_id),
            )
            .outerjoin(
                sole,
                and_(sole.c.user_id == USER.c.id, sole.c.department_id == USER.c.department_id),
            )
            .outerjoin(totals, totals.c.department_id == USER.c.department_id)
        )
        .where(USER.c.org_id == org_id)
        .subquery("scored")
    )
    sole_n, total_n = scored.c.sole_entries, scored.c.total_department_entries
    level = _person_level(sole_n, total_n)
    score = case((total_n > 0, sole_n * literal(100.0, Float) / total_n), else_=0.0)
    # Window aggregates see every person before any outer filter applies.
    counts = [func.sum(case((level == name, 1), else_=0)).over().label(name) for name in LEVELS]
    holder_rank = func.row_number().over(
        partition_by=scored.c.department_id,
        order_by=(sole_n.desc(), scored.c.user_name, scored.c.user_id),
    )
    return select(
        scored,
        cast(score, Float).label("score"),
        level.label("risk_level"),
        holder_rank.label("holder_rank"),
        *counts,
    ).subquery("persons")


async def _persons(conn: AsyncConnection, org_id: uuid.UUID, *conditions: Any) -> list[RowMapping]:
    persons = _persons_statement(org_id)
    where = [condition(persons.c) for condition in conditions]
    return await _all(
        conn,
        select(persons)
        .where(*where)
        .order_by(persons.c.score.desc(), persons.c.user_name, persons.c.user_id),
    )


def _departments_statement(org_id: uuid.UUID) -> Any:
    """Every department's counted entries, concentration index and risk."""
    authorship = _authorship(org_id)
    weights = (
        select(
            authorship.c.department_id,
            authorship.c.user_id,
            func.sum(literal(1.0, Float) / authorship.c.authors).label("weight"),
        )
        .group_by(authorship.c.department_id, authorship.c.user_id)
        .subquery("holder_weights")
    )
    share = weights.c.weight / func.sum(weights.c.weight).over(partition_by=weights.c.department_id)
    shares = select(weights.c.department_id, share.label("share")).subquery("shares")
    hhi = (
        select(shares.c.department_id, func.sum(shares.c.share * shares.c.share).label("hhi"))
        .group_by(shares.c.department_id)
        .subquery("hhi")
    )
    totals = _department_totals(org_id)
    indexed = (
        select(
            DEPARTMENT.c.id.label("department_id"),
            DEPARTMENT.c.name.label("department_name"),
            func.coalesce(totals.c.entries, 0).label("total_entries"),
            cast(func.coalesce(hhi.c.hhi, 0.0), Float).label("concentration_index"),
        )
        .select_from(
            DEPARTMENT.outerjoin(totals, totals.c.department_id == DEPARTMENT.c.id).outerjoin(
                hhi, hhi.c.department_id == DEPARTMENT.c.id
            )
        )
        .where(DEPARTMENT.c.org_id == org_id)
        .subquery("indexed")
    )
    return select(
        indexed, _department_level(indexed.c.concentration_index).label("risk_level")
    ).subquery("departments")


async def _departments(
    conn: AsyncConnection, org_id: uuid.UUID, *conditions: Any
) -> list[RowMapping]:
    departments = _departments_statement(org_id)
    where = [condition(departments.c) for condition in conditions]
    return await _all(
        conn,
        select(departments)
        .where(*where)
        .order_by(
            departments.c.concentration_index.desc(),
            departments.c.department_name,
            departments.c.department_id,
        ),
    )


def _score(row: RowMapping) -> float:
    # From the counts, not SQL's float score: the exact ratio decides a half.
    return ratio(int(row["sole_entries"]) * 100, int(row["total_department_entries"]), 2)


def _person(row: RowMapping) -> dict[str, Any]:
    return {
        "user_id": row["user_id"],
        "user_name": row["user_name"],
        "user_email": row["user_email"],
        "sole_entries": int(row["sole_entries"]),
        "total_department_entries": int(row["total_department_entries"]),
        "score": _score(row),
        "risk_level": row["risk_level"],
        "department_id": row["department_id"],
        "department_name": row["department_name"],
    }


def _holders(persons: list[RowMapping]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Top holders per department, from persons already ranked in SQL."""
    ranked = sorted(
        (
            p
            for p in persons
            if p["department_id"] is not None
            and p["sole_entries"] > 0
            and p["holder_rank"] <= TOP_HOLDERS
        ),
        key=lambda p: p["holder_rank"],
    )
    holders: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for p in ranked:
        holders.setdefault(p["department_id"], []).append(
            {
                "user_id": p["user_id"],
                "user_name": p["user_name"],
                "sole_entries": int(p["sole_entries"]),
                "percentage": _score(p),
                "risk_level": p["risk_level"],
            }
        )
    return holders


def _department(row: RowMapping, holders: dict[uuid.UUID, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "department_id": row["department_id"],
        "department_name": row["department_name"],
        "total_entries": int(row["total_entries"]),
        "concentration_index": half_up(float(row["concentration_index"]), 4),
        "risk_level": row["risk_level"],
        "top_holders": holders.get(row["department_id"], []),
    }


def _is_holder(columns: Any) -> Any:
    return and_(columns.sole_entries > 0, columns.holder_rank <= TOP_HOLDERS)


async def bus_factor(conn: AsyncConnection, *, org_id: uuid.UUID) -> dict[str, Any]:
    """Every person's and department's risk, with counts of persons by level."""
    persons = await _persons(conn, org_id)
    departments = await _departments(conn, org_id)
    holders = _holders(persons)
    counts = {name: int(persons[0][name]) if persons else 0 for name in LEVELS}
    present = [name for name in LEVELS if counts[name]] + [d["risk_level"] for d in departments]
    return {
        "person_scores": [_person(p) for p in persons],
        "department_scores": [_department(d, holders) for d in departments],
        "critical_count": counts["critical"],
        "high_count": counts["high"],
        "medium_count": counts["medium"],
        "low_count": counts["low"],
        "overall_risk_level": max(present, key=LEVELS.index, default="low"),
    }


async def bus_factor_person(
    conn: AsyncConnection, *, org_id: uuid.UUID, user_id: uuid.UUID
) -> dict[str, Any] | None:
    """One user's score, or None if they are not in the organisation."""
    rows = await _persons(conn, org_id, lambda c: c.user_id == user_id)
    return _person(rows[0]) if rows else None


async def bus_factor_department(
    conn: AsyncConnection, *, org_id: uuid.UUID, department_id: uuid.UUID
) -> dict[str, Any] | None:
    """One department's risk with its top holders, or None if not in the organisation."""
    rows = await _departments(conn, org_id, lambda c: c.department_id == department_id)
    if not rows:
        return None
    members = await _persons(conn, org_id, lambda c: c.department_id == department_id, _is_holder)
    return _department(rows[0], _holders(members))


async def bus_factor_critical(conn: AsyncConnection, *, org_id: uuid.UUID) -> dict[str, Any]:
    """Only the persons and departments at critical risk."""
    departments = await _departments(conn, org_id, lambda c: c.risk_level == "critical")
    critical_ids = [d["department_id"] for d in departments]
    # One pass over persons: the critical ones, and the holders of critical departments.
    rows = await _persons(
        conn,
        org_id,
        lambda c: or_(
            c.risk_level == "critical", and_(c.department_id.in_(critical_ids), _is_holder(c))
        ),
    )
    persons = [p for p in rows if p["risk_level"] == "critical"]
    holders = _holders([p for p in rows if p["department_id"] in critical_ids])
    return {
        "critical_people": [_person(p) for p in persons],
        "critical_departments": [_department(d, holders) for d in departments],
        "total_critical": len(persons) + len(departments),
    }
