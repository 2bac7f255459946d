"""The demo's knowledge base: entries per department and the people who wrote them.

Shaped to give the knowledge analytics something to find: departments whose entries
almost all rest on one person, entries nobody ever reviewed, entries flagged for
review, archived ones, and some written by people who have since left.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from gateway.demo.base import Seeder, pick_weighted, random_id, rng_for
from gateway.demo.catalog import CATALOGS, audit_event, parse_catalog
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.audit import AuditEvent
from models.knowledge import EntryAuthor, KnowledgeEntry

TITLES = (
    "Runbook: {}",
    "How {} is deployed",
    "Architecture decision: {}",
    "Postmortem: {} outage",
    "Onboarding to {}",
    "FAQ: {}",
    "On-call guide for {}",
    "Capacity planning for {}",
)
STATUSES = ("active", "needs_review", "archived")
STATUS_WEIGHTS = (0.7, 0.15, 0.15)


async def seed_knowledge(seeder: Seeder, org: OrgData) -> int:
    """Entries and their authors for one organisation; returns how many entries."""
    rng = rng_for(org.spec.key, "knowledge")
    subjects = _subjects(org)
    entries: list[dict[str, Any]] = []
    authors: list[dict[str, Any]] = []
    for department, department_id in sorted(org.departments.items()):
        # Everyone who ever worked here, including people who have since left.
        people = [u for u in org.users if u["department_id"] == department_id]
        owner = org.spec.concentrated.get(department)
        for _ in range(rng.randint(6, 18)):
            if owner and rng.random() < 0.9:
                creator = org.by_username(owner)
            else:
                creator = rng.choice(people)
            entry = _entry(rng, seeder, org, department_id, creator, subjects[department])
            entries.append(entry)
            # Concentrated departments rarely co-author; the others often do.
            coauthor_chance = 0.08 if owner else 0.35
            co_authors = (
                rng.sample(people, k=rng.randint(1, 2)) if rng.random() < coauthor_chance else []
            )
            for person in {p["id"]: p for p in [creator, *co_authors]}.values():
                authors.append({"entry_id": entry["id"], "user_id": person["id"], "org_id": org.id})
    for subject in ("the engineering handbook", "the incident process"):
        # Organisation-wide pages belong to no department.
        entry = _entry(rng, seeder, org, None, org.admin, [subject])
        entries.append(entry)
        authors.append({"entry_id": entry["id"], "user_id": org.admin["id"], "org_id": org.id})
    label = org.spec.key
    await seeder.write(table_of(KnowledgeEntry), entries, label=f"{label} knowledge entries")
    await seeder.write(table_of(EntryAuthor), authors, label=f"{label} entry authors")
    events = _audit_events(org, entries)
    await seeder.write(table_of(AuditEvent), events, label=f"{label} knowledge audit events")
    return len(entries)


def _audit_events(org: OrgData, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry's creation and last review, in the knowledge family, as its mutations write.

    A generator of their own, so that adding them left the entries as they were.
    """
    rng = rng_for(org.spec.key, "knowledge-audit")
    events = []
    for entry in entries:
        subject = ("knowledge_entry", entry["id"])
        details = {"entity": "knowledge_entry", "id": str(entry["id"]), "title": entry["title"]}
        creator = {"id": entry["created_by"]}
        at = entry["created_at"]
        events.append(
            audit_event(
                rng,
                org,
                "CREATE",
                creator,
                None,
                at,
                family="knowledge",
                subject=subject,
                **details,
            )
        )
        if entry["last_reviewed_at"] is not None:
            reviewer = {"id": entry["last_reviewed_by"]}
            at = entry["last_reviewed_at"]
            events.append(
                audit_event(
                    rng,
                    org,
                    "REVIEW",
                    reviewer,
                    None,
                    at,
                    family="knowledge",
                    subject=subject,
                    **details,
                )
            )
    return events


def _subjects(org: OrgData) -> dict[str, list[str]]:
    subjects: dict[str, list[str]] = {name: [] for name in org.departments}
    for name, _kind, department, _lifecycle, _owner in parse_catalog(CATALOGS[org.spec.key]):
        subjects[department].append(name)
    return subjects


def _entry(
    rng: random.Random,
    seeder: Seeder,
    org: OrgData,
    department_id: uuid.UUID | None,
    creator: dict[str, Any],
    subjects: list[str],
) -> dict[str, Any]:
    status = pick_weighted(rng, STATUSES, STATUS_WEIGHTS)
    age_days = rng.uniform(10, 720)
    created = seeder.ago(days=age_days)
    reviewed_at, reviewed_by = None, None
    # A quarter were never reviewed; the rest were, some time after being written.
    if rng.random() >= 0.25:
        reviewed_at = created + timedelta(days=rng.uniform(0, age_days))
        reviewers = [u for u in org.active_users if u["role"] != "member"]
        reviewed_by = rng.choice(reviewers)["id"]
    title = rng.choice(TITLES).format(rng.choice(subjects))
    return {
        "id": random_id(rng),
        "org_id": org.id,
        "department_id": department_id,
        "title": title,
        "status": status,
        "created_by": creator["id"],
        "created_at": created,
        "last_reviewed_at": reviewed_at,
        "last_reviewed_by": reviewed_by,
    }
