"""Guardian mutations: the rows they write (config changes, audit events), who may call
them, and another organisation's guardians behaving as unknown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.governance import ConfigChange, Guardian
from resolvers.governance import service

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
FIELDS = "id name description environment tags config isActive createdAt"
CREATE = f"mutation($input: GuardianInput!) {{ createGuardian(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"""mutation($id: UUID!, $input: GuardianPatch!) {{
  updateGuardian(id: $id, input: $input) {{ {FIELDS} }}
}}"""
ACTIVE = f"""mutation($id: UUID!, $active: Boolean!) {{
  setGuardianActive(id: $id, active: $active) {{ {FIELDS} }}
}}"""


async def gql(client, headers, query, variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


def code(body):
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture
async def acme(factory):
    org = await factory.org()
    admin = await factory.user(org, "alice", role="admin")
    manager = await factory.user(org, "bob", role="manager")
    shield = await factory.guardian(
        org, "Shield", environment="live", tags=["security"], config={"threshold": 0.5}
    )
    return org, admin, manager, shield


async def config_changes(db):
    async with db.connect() as conn:
        statement = select(
            ConfigChange.target_type,
            ConfigChange.target_id,
            ConfigChange.field,
            ConfigChange.old_value,
            ConfigChange.new_value,
            ConfigChange.actor_id,
            ConfigChange.changed_at,
        ).order_by(ConfigChange.field)
        return [tuple(row) for row in await conn.execute(statement)]


async def guardian_row(db, id):
    async with db.connect() as conn:
        statement = select(Guardian).where(Guardian.id == id)
        return dict((await conn.execute(statement)).mappings().one())


async def governance_audit(db):
    async with db.connect() as conn:
        statement = select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.actor_id).where(
            AuditEvent.family == "governance"
        )
        return [tuple(row) for row in await conn.execute(statement)]


async def test_create_writes_the_guardian_and_an_audit_event(client_at, factory, db, acme):
    org, admin, _, _ = acme
    data = {"name": " PII-Redactor ", "environment": "test", "tags": ["pii"], "config": {"a": 1}}
    async with client_at(NOW) as client:
        body = await gql(client, factory.headers(admin), CREATE, {"input": data})
    created = body["data"]["createGuardian"]
    assert {k: v for k, v in created.items() if k != "id"} == {
        "name": "PII-Redactor",  # trimmed
        "description": None,
        "environment": "test",
        "tags": ["pii"],
        "config": {"a": 1},
        "isActive": True,
        "createdAt": "2026-05-04T10:30:00+00:00",
    }
    id = uuid.UUID(created["id"])
    assert id.version == 7  # time-ordered, as every governance row
    assert (await guardian_row(db, id))["org_id"] == org["id"]
    # a creation changes no field: the audit event records it, no config change
    assert await config_changes(db) == []
    assert await governance_audit(db) == [("CREATE", id, admin["id"])]


async def test_update_writes_one_config_change_per_changed_field(client_at, factory, db, acme):
    _, admin, _, shield = acme
    patch = {
        "name": "Shield-2",
        "description": "blocks injections",
        "environment": "live",  # as it was: no row
        "tags": ["security", "llm"],
        "config": {"threshold": 0.8},
    }
    async with client_at(NOW) as client:
        body = await gql(
            client, factory.headers(admin), UPDATE, {"id": str(shield["id"]), "input": patch}
        )
    assert body["data"]["updateGuardian"]["name"] == "Shield-2"
    assert body["data"]["updateGuardian"]["tags"] == ["security", "llm"]
    target = ("guardian", str(shield["id"]))
    assert await config_changes(db) == [
        (*target, "config", {"threshold": 0.5}, {"threshold": 0.8}, admin["id"], NOW),
        (*target, "description", None, "blocks injections", admin["id"], NOW),
        (*target, "name", "Shield", "Shield-2", admin["id"], NOW),
        (*target, "tags", ["security"], ["security", "llm"], admin["id"], NOW),
    ]
    row = await guardian_row(db, shield["id"])
    assert (row["name"], row["description"], row["environment"]) == (
        "Shield-2",
        "blocks injections",
        "live",
    )
    assert await governance_audit(db) == [("UPDATE", shield["id"], admin["id"])]


async def test_unchanged_fields_write_no_config_change(client, factory, db, acme):
    _, admin, _, shield = acme
    same = {"name": "Shield", "tags": ["security"], "config": {"threshold": 0.5}}
    body = await gql(
        client, factory.headers(admin), UPDATE, {"id": str(shield["id"]), "input": same}
    )
    assert body["data"]["updateGuardian"]["name"] == "Shield"
    empty = await gql(
        client, factory.headers(admin), UPDATE, {"id": str(shield["id"]), "input": {}}
    )
    assert empty["data"]["updateGuardian"]["config"] == {"threshold": 0.5}
    assert await config_changes(db) == []


async def test_set_active_records_the_switch_only_when_it_changes(client_at, factory, db, acme):
    _, admin, _, shield = acme
    variables = {"id": str(shield["id"]), "active": False}
    async with client_at(NOW) as client:
        first = await gql(client, factory.headers(admin), ACTIVE, variables)
        again = await gql(client, factory.headers(admin), ACTIVE, variables)
    assert first["data"]["setGuardianActive"]["isActive"] is False
    assert again["data"]["setGuardianActive"]["isActive"] is False
    target = ("guardian", str(shield["id"]))
    assert await config_changes(db) == [(*target, "is_active", True, False, admin["id"], NOW)]
    assert (await guardian_row(db, shield["id"]))["is_active"] is False
    actions = [action for action, _, _ in await governance_audit(db)]
    assert actions == ["DEACTIVATE", "DEACTIVATE"]


async def test_a_failed_write_leaves_neither_the_change_nor_its_record(
    client, factory, db, acme, monkeypatch
):
    _, admin, _, shield = acme

    async def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    # The audit event is written last: failing it must undo the update and config change.
    monkeypatch.setattr(service, "audit", broken)
    patch = {"name": "Renamed", "config": {"threshold": 0.9}}
    body = await gql(
        client, factory.headers(admin), UPDATE, {"id": str(shield["id"]), "input": patch}
    )
    assert body["data"] is None and body["errors"]
    row = await guardian_row(db, shield["id"])
    assert (row["name"], row["config"]) == ("Shield", {"threshold": 0.5})
    assert await config_changes(db) == []


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CREATE, {"input": {"name": "New"}}),
        (UPDATE, {"input": {"name": "New"}}),
        (ACTIVE, {"active": False}),
    ],
    ids=["create", "update", "set-active"],
)
async def test_who_may_write(client, factory, db, acme, query, variables):
    org, admin, manager, shield = acme
    variables = {"id": str(shield["id"]), **variables} if "$id" in query else variables
    before = await guardian_row(db, shield["id"])
    refused = [
        (None, "UNAUTHENTICATED"),
        (factory.scoped_headers(admin, ["logs:read", "mcp:read"]), "INSUFFICIENT_SCOPE"),
        (factory.headers(manager), "INSUFFICIENT_ROLE"),
        (factory.headers(await factory.user(org, "carol")), "INSUFFICIENT_ROLE"),
    ]
    for headers, expected in refused:
        # GraphQL answers each refusal in the body, its code the REST status's name.
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
        )
        assert code(response.json()) == expected
    assert await guardian_row(db, shield["id"]) == before
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Guardian)) == 1
    assert await config_changes(db) == []
    # a token with the write scope and an admin's role may
    writer = factory.scoped_headers(admin, ["governance:write"])
    body = await gql(client, writer, query, variables)
    assert "errors" not in body, body


@pytest.mark.parametrize("target", ["other-org", "unknown"])
async def test_another_organisations_guardian_is_not_found(client, factory, db, acme, target):
    _, admin, _, _ = acme
    globex = await factory.org("Globex")
    theirs = await factory.guardian(globex, "Theirs", config={"k": 1})
    id = str(theirs["id"] if target == "other-org" else uuid.uuid4())
    headers = factory.headers(admin)
    update = await gql(client, headers, UPDATE, {"id": id, "input": {"name": "Mine now"}})
    active = await gql(client, headers, ACTIVE, {"id": id, "active": False})
    assert code(update) == code(active) == "NOT_FOUND"
    row = await guardian_row(db, theirs["id"])
    assert (row["name"], row["is_active"], row["config"]) == ("Theirs", True, {"k": 1})
    assert await config_changes(db) == []


@pytest.mark.parametrize(
    ("input", "argument"),
    [
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "ok", "environment": "prod"}, "environment"),
        ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "ok", "tags": ["x" * 51]}, "tags"),
        ({"name": "ok", "tags": [" "]}, "tags"),
        ({"name": "ok", "config": [1, 2]}, "config"),
        ({"name": "ok", "config": "on"}, "config"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(client, factory, db, acme, input, argument):
    _, admin, _, shield = acme
    headers = factory.headers(admin)
    created = await gql(client, headers, CREATE, {"input": input})
    patch = {k: v for k, v in input.items() if k != "name" or argument == "name"}
    updated = await gql(client, headers, UPDATE, {"id": str(shield["id"]), "input": patch})
    for body in (created, updated):
        assert code(body) == "BAD_USER_INPUT", body
        assert body["errors"][0]["extensions"]["details"]["argument"] == argument
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Guardian)) == 1
    assert await config_changes(db) == []


async def test_null_is_refused_where_a_guardian_needs_a_value(client, factory, acme):
    _, admin, _, shield = acme
    for field in ("name", "environment", "tags", "config"):
        variables = {"id": str(shield["id"]), "input": {field: None}}
        body = await gql(client, factory.headers(admin), UPDATE, variables)
        assert code(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["details"]["argument"] == field
