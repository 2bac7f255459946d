"""The hand-worked answers of conftest.py, in the REST API's snake_case shapes.

GraphQL tests compare the same answers through ``camel()``.
"""

from __future__ import annotations

from typing import Any

from tests.knowledge.dataset import Acme


def person(
    acme: Acme, name: str, sole: int, total: int, score: float, level: str, dept: str | None
) -> dict[str, Any]:
    return {
        "user_id": acme.id(name),
        "user_name": name.title(),
        "user_email": f"{name}@example.com",
        "sole_entries": sole,
        "total_department_entries": total,
        "score": score,
        "risk_level": level,
        "department_id": acme.id(dept) if dept else None,
        "department_name": dept,
    }


def holder(acme: Acme, name: str, sole: int, percentage: float, level: str) -> dict[str, Any]:
    return {
        "user_id": acme.id(name),
        "user_name": name.title(),
        "sole_entries": sole,
        "percentage": percentage,
        "risk_level": level,
    }


def persons(acme: Acme) -> dict[str, dict[str, Any]]:
    return {
        "alice": person(acme, "alice", 3, 5, 60.0, "critical", "Engineering"),
        "gina": person(acme, "gina", 2, 5, 40.0, "high", "Sales"),
        "bob": person(acme, "bob", 1, 5, 20.0, "medium", "Engineering"),
        "dave": person(acme, "dave", 1, 5, 20.0, "medium", "Sales"),
        "erin": person(acme, "erin", 1, 5, 20.0, "medium", "Sales"),
        "carol": person(acme, "carol", 0, 5, 0.0, "low", "Engineering"),
        "frank": person(acme, "frank", 0, 0, 0.0, "low", None),
    }


def departments(acme: Acme) -> dict[str, dict[str, Any]]:
    return {
        "Engineering": {
            "department_id": acme.id("Engineering"),
            "department_name": "Engineering",
            "total_entries": 5,
            "concentration_index": 0.54,
            "risk_level": "critical",
            "top_holders": [
                holder(acme, "alice", 3, 60.0, "critical"),
                holder(acme, "bob", 1, 20.0, "medium"),
            ],
        },
        "Sales": {
            "department_id": acme.id("Sales"),
            "department_name": "Sales",
            "total_entries": 5,
            "concentration_index": 0.36,
            "risk_level": "high",
            "top_holders": [
                holder(acme, "gina", 2, 40.0, "high"),
                holder(acme, "dave", 1, 20.0, "medium"),
                holder(acme, "erin", 1, 20.0, "medium"),
            ],
        },
        "Legal": {
            "department_id": acme.id("Legal"),
            "department_name": "Legal",
            "total_entries": 0,
            "concentration_index": 0.0,
            "risk_level": "low",
            "top_holders": [],
        },
    }


def bus_factor(acme: Acme) -> dict[str, Any]:
    p, d = persons(acme), departments(acme)
    order = ["alice", "gina", "bob", "dave", "erin", "carol", "frank"]
    return {
        "person_scores": [p[name] for name in order],
        "department_scores": [d["Engineering"], d["Sales"], d["Legal"]],
        "critical_count": 1,
        "high_count": 1,
        "medium_count": 3,
        "low_count": 2,
        "overall_risk_level": "critical",
    }


def critical(acme: Acme) -> dict[str, Any]:
    return {
        "critical_people": [persons(acme)["alice"]],
        "critical_departments": [departments(acme)["Engineering"]],
        "total_critical": 2,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def stale_entry(
    acme: Acme, key: str, dept: str | None, creator: str, status: str, days: int
) -> dict[str, Any]:
    entry = acme.entries[key]
    return {
        "entry_id": str(entry["id"]),
        "title": entry["title"],
        "department_id": acme.id(dept) if dept else None,
        "department_name": dept,
        "created_by": acme.id(creator),
        "creator_name": creator.title(),
        "status": status,
        "last_reviewed_at": _iso(entry["last_reviewed_at"]),
        "days_since_review": days,
        "created_at": _iso(entry["created_at"]),
    }


def stale_entries(acme: Acme, days: int = 30) -> dict[str, Any]:
    rows = [
        stale_entry(acme, "S4", "Sales", "gina", "needs_review", 120),
        stale_entry(acme, "N1", None, "frank", "active", 75),
        stale_entry(acme, "E3", "Engineering", "alice", "needs_review", 60),
        stale_entry(acme, "E1", "Engineering", "alice", "active", 45),
        stale_entry(acme, "E4", "Engineering", "bob", "active", 31),
        stale_entry(acme, "S2", "Sales", "erin", "active", 30),
    ]
    rows = [r for r in rows if r["days_since_review"] >= days]
    return {"entries": rows, "total": len(rows), "days_threshold": days}


def stats(stale: int, days: int, percentage: float) -> dict[str, Any]:
    return {
        "total_active": 11,
        "needs_review_count": 2,
        "active_count": 9,
        "archived_count": 1,
        "stale_count": stale,
        "average_days_since_review": 38.9,
        "days_threshold": days,
        "stale_percentage": percentage,
    }


def camel(value: Any) -> Any:
    """snake_case keys to GraphQL's camelCase, recursively."""
    if isinstance(value, dict):
        return {_camel(k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def person_without_entries(user: dict[str, Any]) -> dict[str, Any]:
    """A user with no department and no entries."""
    return {
        "user_id": str(user["id"]),
        "user_name": user["name"],
        "user_email": user["email"],
        "sole_entries": 0,
        "total_department_entries": 0,
        "score": 0.0,
        "risk_level": "low",
        "department_id": None,
        "department_name": None,
    }
