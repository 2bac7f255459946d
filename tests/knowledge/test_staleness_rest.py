"""The three staleness paths on the hand-worked dataset (tests/knowledge/dataset.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.knowledge import KnowledgeEntry
from tests.knowledge import expected

BASE = "/api/v1/analytics/staleness"


async def test_stale_entries_match_hand_worked_answer(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    response = await client.get(f"{BASE}/", headers=headers)
    assert response.status_code == 200
    assert response.json() == expected.stale_entries(acme, 30)


@pytest.mark.parametrize("days", [45, 60, 121])
async def test_stale_entries_with_a_threshold(client, factory, acme, days):
    headers = factory.headers(acme.users["bob"])
    response = await client.get(f"{BASE}/", params={"days": days}, headers=headers)
    body = response.json()
    assert body == expected.stale_entries(acme, days)
    assert body["total"] == {45: 4, 60: 3, 121: 0}[days]


async def test_stats_match_hand_worked_answer(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    response = await client.get(f"{BASE}/stats", headers=headers)
    assert response.status_code == 200
    assert response.json() == expected.stats(6, 30, 54.55)
    sixty = await client.get(f"{BASE}/stats?days=60", headers=headers)
    assert sixty.json() == expected.stats(3, 60, 27.27)


async def test_stats_of_an_empty_knowledge_base_are_zeros(client, factory):
    org = await factory.org()
    viewer = await factory.user(org, role="manager")
    response = await client.get(f"{BASE}/stats", headers=factory.headers(viewer))
    assert response.json() == {
        "total_active": 0,
        "needs_review_count": 0,
        "active_count": 0,
        "archived_count": 0,
        "stale_count": 0,
        "average_days_since_review": 0.0,
        "days_threshold": 30,
        "stale_percentage": 0.0,
    }


@pytest.mark.parametrize("raw", ["0", "-5", "abc", "", "2.5", "1e3"])
async def test_days_that_are_not_a_positive_integer_mean_thirty(client, factory, acme, raw):
    headers = factory.headers(acme.users["bob"])
    listed = (await client.get(f"{BASE}/?days={raw}", headers=headers)).json()
    assert listed == expected.stale_entries(acme, 30)
    stats = (await client.get(f"{BASE}/stats?days={raw}", headers=headers)).json()
    assert stats == expected.stats(6, 30, 54.55)


async def test_check_flags_stale_active_entries_once(client, factory, acme, db):
    headers = factory.headers(acme.users["alice"])
    # when: the first check at the default 30 days
    first = await client.post(f"{BASE}/check", headers=headers)
    # then: E1, E4, S2 and N1 flagged; E3 and S4 already needed review
    assert first.status_code == 200
    assert first.json() == {
        "checked": 11,
        "flagged": 4,
        "days_threshold": 30,
        "message": "Staleness check complete. 4 entries flagged for review.",
    }
    flagged = await _statuses(db, acme, "needs_review")
    assert flagged == {"E1", "E3", "E4", "N1", "S2", "S4"}
    # when: again
    second = await client.post(f"{BASE}/check", headers=headers)
    # then: nothing new; the stats agree
    assert second.json() == {
        "checked": 11,
        "flagged": 0,
        "days_threshold": 30,
        "message": "Staleness check complete. 0 entries flagged for review.",
    }
    stats = (await client.get(f"{BASE}/stats", headers=headers)).json()
    assert (stats["needs_review_count"], stats["active_count"]) == (6, 5)
    # Each run left an audit event with its outcome.
    async with db.connect() as conn:
        details = (
            await conn.execute(
                select(AuditEvent.details)
                .where(AuditEvent.action == "STALENESS_CHECK", AuditEvent.org_id == acme.org["id"])
                .order_by(AuditEvent.created_at)
            )
        ).scalars()
        assert [(d["flagged"], d["checked"], d["days_threshold"]) for d in details] == [
            (4, 11, 30),
            (0, 11, 30),
        ]


async def test_check_reads_days_from_the_json_body(client, factory, acme, db):
    headers = factory.headers(acme.users["alice"])
    # days 45: E1 (45) and N1 (75) are the stale active entries
    at_45 = await client.post(f"{BASE}/check", json={"days": 45}, headers=headers)
    assert at_45.json() == {
        "checked": 11,
        "flagged": 2,
        "days_threshold": 45,
        "message": "Staleness check complete. 2 entries flagged for review.",
    }
    assert await _statuses(db, acme, "needs_review") == {"E1", "E3", "N1", "S4"}
    # a non-integer days is 30: E4 and S2 remain
    lenient = await client.post(f"{BASE}/check", json={"days": "x"}, headers=headers)
    assert (lenient.json()["flagged"], lenient.json()["days_threshold"]) == (2, 30)
    # A single flag reads in the singular.
    await factory.entry(acme.org, acme.users["bob"], "Late", created_days_ago=40.5)
    one = await client.post(f"{BASE}/check", json={"days": 0}, headers=headers)
    assert one.json() == {
        "checked": 12,
        "flagged": 1,
        "days_threshold": 30,
        "message": "Staleness check complete. 1 entry flagged for review.",
    }


@pytest.mark.parametrize("body", [{"days": "x"}, {"days": 0}, {"days": None}, {"days": 2.5}, {}])
async def test_check_body_days_coercion(client, factory, acme, body):
    response = await client.post(
        f"{BASE}/check", json=body, headers=factory.headers(acme.users["alice"])
    )
    assert response.json()["days_threshold"] == 30
    assert response.json()["flagged"] == 4


async def test_check_with_a_body_that_is_not_json_is_a_validation_error(client, factory, acme, db):
    response = await client.post(
        f"{BASE}/check",
        content=b"days=45",
        headers={**factory.headers(acme.users["alice"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _statuses(db, acme, "needs_review") == {"E3", "S4"}


async def test_concurrent_checks_never_double_count(client, factory, acme, db):
    # given two admins' checks at once, twice over
    headers = factory.headers(acme.users["alice"])
    # when
    results = await asyncio.gather(
        client.post(f"{BASE}/check", headers=headers),
        client.post(f"{BASE}/check", headers=headers),
        client.post(f"{BASE}/check", json={"days": 30}, headers=headers),
    )
    # then: the four stale active entries are flagged exactly once between them
    bodies = [r.json() for r in results]
    assert [r.status_code for r in results] == [200, 200, 200], bodies
    assert sum(b["flagged"] for b in bodies) == 4
    assert all(b["checked"] == 11 for b in bodies)
    assert await _statuses(db, acme, "needs_review") == {"E1", "E3", "E4", "N1", "S2", "S4"}


async def test_check_leaves_the_other_organisation_alone(client, factory, acme, db):
    await client.post(f"{BASE}/check", headers=factory.headers(acme.users["alice"]))
    async with db.connect() as conn:
        statuses = (
            await conn.execute(
                select(KnowledgeEntry.status, func.count())
                .where(KnowledgeEntry.org_id == acme.other_org["id"])
                .group_by(KnowledgeEntry.status)
            )
        ).all()
    assert [tuple(row) for row in statuses] == [("active", 2)]


async def _statuses(db, acme, status):
    """The dataset keys (E1, S4, ...) of Acme's entries with ``status``."""
    by_id = {entry["id"]: key for key, entry in acme.entries.items()}
    async with db.connect() as conn:
        ids = (
            await conn.execute(
                select(KnowledgeEntry.id).where(
                    KnowledgeEntry.org_id == acme.org["id"], KnowledgeEntry.status == status
                )
            )
        ).scalars()
        return {by_id.get(i, "?") for i in ids}
