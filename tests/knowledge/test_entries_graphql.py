"""Knowledge entries through GraphQL: relations batched, writes, who may write, audit."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from models.audit import AuditEvent
from models.knowledge import EntryAuthor, KnowledgeEntry

ENTRIES = """query($first: Int!, $after: String) {
  knowledgeEntries(first: $first, after: $after) {
    nodes {
      title status
      creator { name }
      department { name }
      authors { name }
      lastReviewedBy { name }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = """mutation($input: KnowledgeEntryInput!) {
  createKnowledgeEntry(input: $input) {
    id title status departmentId createdById lastReviewedAt
    department { name } authors { name }
  }
}"""
UPDATE = """mutation($id: UUID!, $input: KnowledgeEntryPatch!) {
  updateKnowledgeEntry(id: $id, input: $input) { title department { name } authors { name } }
}"""
REVIEW = """mutation($id: UUID!) {
  reviewKnowledgeEntry(id: $id) { status lastReviewedAt lastReviewedBy { name } }
}"""
ARCHIVE = "mutation($id: UUID!) { archiveKnowledgeEntry(id: $id) { status } }"


async def gql(client, headers, query, variables=None):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


def code(body):
    return body["errors"][0]["extensions"]["code"]


async def _many_entries(factory, db, n):
    org = await factory.org()
    depts = [await factory.department(org, f"D{i}") for i in range(3)]
    people = [
        await factory.user(org, f"user{i:02d}", department_id=depts[i % 3]["id"]) for i in range(6)
    ]
    viewer = await factory.user(org, "viewer", role="manager")
    for i in range(n):
        await factory.entry(
            org,
            people[i % 6],
            f"entry-{i:03d}",
            department=depts[i % 3],
            created_days_ago=n - i,
            authors=[people[(i + 1) % 6]],
        )
    # every other entry reviewed by the viewer: creators and reviewers share one batch
    async with db.begin() as conn:
        await conn.execute(
            update(KnowledgeEntry)
            .where(KnowledgeEntry.org_id == org["id"], KnowledgeEntry.title.like("%1"))
            .values(last_reviewed_by=viewer["id"], last_reviewed_at=factory.now)
        )
    return viewer


async def test_entries_with_relations_cost_constant_statements(
    client, resolver_client, factory, db, statements
):
    # given 10 and then 40 entries, each with a creator, a department and two authors
    viewer = await _many_entries(factory, db, 10)
    statements.statements.clear()
    small = await gql(resolver_client, factory.headers(viewer), ENTRIES, {"first": 100})
    ten = statements.count
    assert "errors" not in small
    viewer = await _many_entries(factory, db, 40)
    # when
    statements.statements.clear()
    body = await gql(resolver_client, factory.headers(viewer), ENTRIES, {"first": 100})
    # then: principal, entries, users (creators and reviewers), departments, authors
    nodes = body["data"]["knowledgeEntries"]["nodes"]
    assert len(nodes) == 40
    assert nodes[0] == {
        "title": "entry-039",
        "status": "active",
        "creator": {"name": "User03"},
        "department": {"name": "D0"},
        "authors": [{"name": "User03"}, {"name": "User04"}],
        "lastReviewedBy": None,
    }
    assert nodes[8]["title"] == "entry-031"
    assert nodes[8]["lastReviewedBy"] == {"name": "Viewer"}
    assert ten == statements.count == 5, statements.statements
    # and the compiled path answers the same in one statement after the principal's
    statements.statements.clear()
    assert await gql(client, factory.headers(viewer), ENTRIES, {"first": 100}) == body
    assert statements.count == 2, statements.statements


async def test_user_knowledge_entries_are_batched_per_user(client, factory, acme, statements):
    query = """{ knowledgeEntries(first: 50) { nodes { title authors {
        name knowledgeEntries { title } } } } }"""
    headers = factory.headers(acme.users["bob"])
    statements.statements.clear()
    body = await gql(client, headers, query)
    # principal, entries, authors, entries of all authors at once
    assert statements.count == 4, statements.statements
    nodes = {n["title"]: n for n in body["data"]["knowledgeEntries"]["nodes"]}
    assert len(nodes) == 12  # Acme's, archived included; never Globex's
    carol = next(a for a in nodes["Onboarding"]["authors"] if a["name"] == "Carol")
    assert carol["knowledgeEntries"] == [{"title": "Onboarding"}]  # Old wiki is archived
    archived = await gql(
        client,
        headers,
        "query($id: UUID!) { knowledgeEntry(id: $id) { creator { "
        "knowledgeEntries(includeArchived: true) { title } } } }",
        {"id": acme.id("E6")},
    )
    titles = archived["data"]["knowledgeEntry"]["creator"]["knowledgeEntries"]
    assert titles == [{"title": "Onboarding"}, {"title": "Old wiki"}]


async def test_entries_page_and_filter(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    page = await gql(client, headers, ENTRIES, {"first": 5})
    first = page["data"]["knowledgeEntries"]
    assert [n["title"] for n in first["nodes"]] == [
        "Quota sheet",
        "CRM guide",
        "Onboarding",
        "API design",
        "Discounts",
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client, headers, ENTRIES, {"first": 50, "after": first["pageInfo"]["endCursor"]}
    )
    assert len(rest["data"]["knowledgeEntries"]["nodes"]) == 7
    filtered = await gql(
        client,
        headers,
        'query($a: UUID!) { knowledgeEntries(status: "active", authorId: $a) { nodes { title } } }',
        {"a": acme.id("alice")},
    )
    assert [n["title"] for n in filtered["data"]["knowledgeEntries"]["nodes"]] == [
        "Onboarding",
        "Incident playbook",
        "Deploy runbook",
    ]
    bad = await gql(client, headers, '{ knowledgeEntries(status: "lost") { nodes { id } } }')
    assert code(bad) == "BAD_USER_INPUT"


async def test_member_creates_and_edits_their_own_entry(client, factory, acme, db):
    # given a member of Engineering
    carol = factory.headers(acme.users["carol"])
    # when she writes an entry with Dave as co-author
    created = await gql(
        client,
        carol,
        CREATE,
        {"input": {"title": "  Feature flags  ", "departmentId": acme.id("Engineering"),
                   "authorIds": [acme.id("dave")]}},
    )  # fmt: skip
    entry = created["data"]["createKnowledgeEntry"]
    # then she is its creator and an author
    assert entry["title"] == "Feature flags"
    assert entry["status"] == "active"
    assert entry["createdById"] == acme.id("carol")
    assert entry["lastReviewedAt"] is None
    assert entry["department"] == {"name": "Engineering"}
    assert entry["authors"] == [{"name": "Carol"}, {"name": "Dave"}]
    # when she changes its title and authors (Dave out, Erin in)
    updated = await gql(
        client,
        carol,
        UPDATE,
        {"id": entry["id"], "input": {"title": "Flags", "authorIds": [acme.id("erin")]}},
    )
    # then the creator stays an author
    assert updated["data"]["updateKnowledgeEntry"] == {
        "title": "Flags",
        "department": {"name": "Engineering"},
        "authors": [{"name": "Carol"}, {"name": "Erin"}],
    }
    # and both writes are in the audit log
    actions = await _audit(db, acme, entry["id"])
    assert actions == ["CREATE", "UPDATE"]


async def test_member_cannot_change_someone_elses_entry_or_archive(client, factory, acme, db):
    carol = factory.headers(acme.users["carol"])
    e1 = acme.id("E1")  # Alice's
    assert code(await gql(client, carol, UPDATE, {"id": e1, "input": {"title": "x"}})) == (
        "INSUFFICIENT_ROLE"
    )
    assert code(await gql(client, carol, REVIEW, {"id": e1})) == "INSUFFICIENT_ROLE"
    # Carol co-authors E5, but archiving needs a manager
    assert code(await gql(client, carol, ARCHIVE, {"id": acme.id("E5")})) == "INSUFFICIENT_ROLE"
    assert await _audit(db, acme, e1) == []


async def test_review_resets_status_and_reviewer(client, factory, acme, db):
    # given E3, never reviewed and flagged; Bob (a manager) reviews it
    bob = factory.headers(acme.users["bob"])
    body = await gql(client, bob, REVIEW, {"id": acme.id("E3")})
    reviewed = body["data"]["reviewKnowledgeEntry"]
    assert reviewed["status"] == "active"
    assert reviewed["lastReviewedBy"] == {"name": "Bob"}
    assert reviewed["lastReviewedAt"] is not None
    # then it is no longer stale, and the stats moved by one
    stale = await client.get("/api/v1/analytics/staleness/", headers=bob)
    assert "DB failover" not in [e["title"] for e in stale.json()["entries"]]
    stats = (await client.get("/api/v1/analytics/staleness/stats", headers=bob)).json()
    assert (stats["needs_review_count"], stats["stale_count"]) == (1, 5)
    assert await _audit(db, acme, acme.id("E3")) == ["REVIEW"]


async def test_archive_removes_an_entry_from_the_analytics(client, factory, acme, db):
    bob = factory.headers(acme.users["bob"])
    body = await gql(client, bob, ARCHIVE, {"id": acme.id("S4")})
    assert body["data"]["archiveKnowledgeEntry"] == {"status": "archived"}
    stats = (await client.get("/api/v1/analytics/staleness/stats", headers=bob)).json()
    assert (stats["total_active"], stats["archived_count"], stats["stale_count"]) == (10, 2, 5)
    gina = await client.get(f"/api/v1/analytics/bus-factor/person/{acme.id('gina')}", headers=bob)
    assert (gina.json()["sole_entries"], gina.json()["score"]) == (1, 25.0)
    # an archived entry cannot be reviewed
    assert code(await gql(client, bob, REVIEW, {"id": acme.id("S4")})) == "CONFLICT"
    assert await _audit(db, acme, acme.id("S4")) == ["ARCHIVE"]


async def test_writes_stay_inside_the_organisation(client, factory, acme, db):
    alice = factory.headers(acme.users["alice"])
    mallory_entry = await factory.entry(acme.other_org, acme.other_user, "Globex only")
    for mutation, variables in [
        (REVIEW, {"id": str(mallory_entry["id"])}),
        (ARCHIVE, {"id": str(mallory_entry["id"])}),
        (UPDATE, {"id": str(mallory_entry["id"]), "input": {"title": "mine"}}),
        (REVIEW, {"id": str(uuid.uuid4())}),
    ]:
        assert code(await gql(client, alice, mutation, variables)) == "NOT_FOUND"
    for input in [
        {"title": "x", "departmentId": str(acme.other_department["id"])},
        {"title": "x", "authorIds": [str(acme.other_user["id"])]},
    ]:
        assert code(await gql(client, alice, CREATE, {"input": input})) == "NOT_FOUND"
    bad_title = await gql(client, alice, CREATE, {"input": {"title": "   "}})
    assert code(bad_title) == "BAD_USER_INPUT"
    async with db.connect() as conn:
        titles = (
            await conn.execute(
                select(KnowledgeEntry.title, KnowledgeEntry.status).where(
                    KnowledgeEntry.id == mallory_entry["id"]
                )
            )
        ).one()
        orphans = (
            await conn.execute(
                select(EntryAuthor.entry_id).where(EntryAuthor.user_id == acme.other_user["id"])
            )
        ).all()
    assert tuple(titles) == ("Globex only", "active")
    assert len(orphans) == 3  # Mallory's own three entries, nothing of Acme's


async def test_writes_need_the_write_scope(client, factory, acme):
    reader = factory.headers(acme.users["alice"], scopes=["knowledge:read"])
    body = await gql(client, reader, CREATE, {"input": {"title": "x"}})
    assert code(body) == "INSUFFICIENT_SCOPE"


async def _audit(db, acme, entry_id):
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(AuditEvent.action, AuditEvent.details)
                .where(AuditEvent.org_id == acme.org["id"])
                .order_by(AuditEvent.created_at)
            )
        ).all()
    return [action for action, details in rows if details.get("id") == str(entry_id)]
