"""NHI mutations: the rows they write (config changes, audit events), who may call them,
bad values, and another organisation's NHIs and guardians behaving as unknown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.identities import Nhi, NhiGuardian
from tests.governance.test_guardian_writes import code, config_changes, gql

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
FIELDS = "id label kind tier federationStatus ownerId createdAt lastSeenAt"
CREATE = f"mutation($input: NhiInput!) {{ createNhi(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"""mutation($id: UUID!, $input: NhiPatch!) {{
  updateNhi(id: $id, input: $input) {{ {FIELDS} }}
}}"""
BIND = """mutation($nhi: UUID!, $guardian: UUID!) {
  bindGuardian(nhiId: $nhi, guardianId: $guardian) { id label }
}"""
UNBIND = """mutation($nhi: UUID!, $guardian: UUID!) {
  unbindGuardian(nhiId: $nhi, guardianId: $guardian) { id label }
}"""


@pytest.fixture
async def acme(factory):
    org = await factory.org()
    admin = await factory.user(org, "alice", role="admin")
    manager = await factory.user(org, "bob", role="manager")
    runner = await factory.nhi(org, "ci-runner-prod", 2, kind="ci_runner")
    shield = await factory.guardian(org, "Shield")
    return org, admin, manager, runner, shield


async def nhi_row(db, id):
    async with db.connect() as conn:
        return dict((await conn.execute(select(Nhi).where(Nhi.id == id))).mappings().one())


async def bindings(db):
    async with db.connect() as conn:
        statement = select(NhiGuardian.nhi_id, NhiGuardian.guardian_id, NhiGuardian.org_id)
        return sorted(tuple(row) for row in await conn.execute(statement))


async def nhi_audit(db):
    async with db.connect() as conn:
        statement = (
            select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.actor_id)
            .where(AuditEvent.family == "governance", AuditEvent.subject_type == "nhi")
            .order_by(AuditEvent.created_at)
        )
        return [tuple(row) for row in await conn.execute(statement)]


async def test_create_writes_the_nhi_and_an_audit_event(client_at, factory, db, acme):
    org, admin, _, _, _ = acme
    data = {"label": " agent-7 ", "tier": 1, "kind": "ai_agent", "ownerId": str(admin["id"])}
    async with client_at(NOW) as client:
        body = await gql(client, factory.headers(admin), CREATE, {"input": data})
    created = body["data"]["createNhi"]
    assert {k: v for k, v in created.items() if k != "id"} == {
        "label": "agent-7",  # trimmed
        "kind": "ai_agent",
        "tier": 1,
        "federationStatus": "unverified",  # the default
        "ownerId": str(admin["id"]),
        "createdAt": "2026-05-04T10:30:00+00:00",
        "lastSeenAt": None,
    }
    id = uuid.UUID(created["id"])
    assert id.version == 7
    assert (await nhi_row(db, id))["org_id"] == org["id"]
    assert await config_changes(db) == []
    assert await nhi_audit(db) == [("CREATE", id, admin["id"])]


async def test_create_takes_the_defaults(client, factory, acme):
    _, admin, _, _, _ = acme
    body = await gql(client, factory.headers(admin), CREATE, {"input": {"label": "w", "tier": 4}})
    created = body["data"]["createNhi"]
    assert (created["kind"], created["federationStatus"], created["ownerId"]) == (
        "service_account",
        "unverified",
        None,
    )


async def test_update_writes_one_config_change_per_changed_field(client_at, factory, db, acme):
    _, admin, manager, runner, _ = acme
    patch = {
        "label": "ci-runner-main",
        "kind": "ci_runner",  # as it was: no row
        "tier": 3,
        "federationStatus": "pending",
        "ownerId": str(manager["id"]),
    }
    async with client_at(NOW) as client:
        body = await gql(
            client, factory.headers(admin), UPDATE, {"id": str(runner["id"]), "input": patch}
        )
    updated = body["data"]["updateNhi"]
    assert (updated["label"], updated["tier"], updated["ownerId"]) == (
        "ci-runner-main",
        3,
        str(manager["id"]),
    )
    target = ("nhi", str(runner["id"]))
    assert await config_changes(db) == [
        (*target, "federation_status", "verified", "pending", admin["id"], NOW),
        (*target, "label", "ci-runner-prod", "ci-runner-main", admin["id"], NOW),
        (*target, "owner_id", None, str(manager["id"]), admin["id"], NOW),
        (*target, "tier", 2, 3, admin["id"], NOW),
    ]
    row = await nhi_row(db, runner["id"])
    assert (row["label"], row["kind"], row["tier"], row["federation_status"]) == (
        "ci-runner-main",
        "ci_runner",
        3,
        "pending",
    )
    assert row["owner_id"] == manager["id"]
    assert await nhi_audit(db) == [("UPDATE", runner["id"], admin["id"])]


async def test_omitted_fields_stay_and_null_clears_the_owner(client_at, factory, db, acme):
    org, admin, manager, _, _ = acme
    owned = await factory.nhi(org, "owned", 3, owner_id=manager["id"])
    async with client_at(NOW) as client:
        headers = factory.headers(admin)
        empty = await gql(client, headers, UPDATE, {"id": str(owned["id"]), "input": {}})
        cleared = await gql(
            client, headers, UPDATE, {"id": str(owned["id"]), "input": {"ownerId": None}}
        )
    assert empty["data"]["updateNhi"]["ownerId"] == str(manager["id"])
    assert cleared["data"]["updateNhi"]["ownerId"] is None
    assert cleared["data"]["updateNhi"]["tier"] == 3
    target = ("nhi", str(owned["id"]))
    assert await config_changes(db) == [
        (*target, "owner_id", str(manager["id"]), None, admin["id"], NOW)
    ]


async def test_bind_and_unbind_record_the_guardian_list(client_at, factory, db, acme):
    org, admin, _, runner, shield = acme
    redactor = await factory.guardian(org, "Redactor")
    ids = {"nhi": str(runner["id"])}
    async with client_at(NOW) as client:
        headers = factory.headers(admin)
        first = await gql(client, headers, BIND, {**ids, "guardian": str(shield["id"])})
        again = await gql(client, headers, BIND, {**ids, "guardian": str(shield["id"])})
        await gql(client, headers, BIND, {**ids, "guardian": str(redactor["id"])})
        assert await bindings(db) == sorted(
            [(runner["id"], shield["id"], org["id"]), (runner["id"], redactor["id"], org["id"])]
        )
        unbound = await gql(client, headers, UNBIND, {**ids, "guardian": str(shield["id"])})
        not_bound = await gql(client, headers, UNBIND, {**ids, "guardian": str(shield["id"])})
    assert first["data"]["bindGuardian"] == {"id": str(runner["id"]), "label": "ci-runner-prod"}
    # binding twice and unbinding what is not bound succeed and change nothing
    assert again["data"]["bindGuardian"]["id"] == str(runner["id"])
    assert not_bound["data"]["unbindGuardian"]["id"] == str(runner["id"])
    assert unbound["data"]["unbindGuardian"]["id"] == str(runner["id"])
    assert await bindings(db) == [(runner["id"], redactor["id"], org["id"])]
    target = ("nhi", str(runner["id"]), "guardians")
    both = sorted([str(shield["id"]), str(redactor["id"])])
    # one clock for the whole test: the three changes share their time
    changes = await config_changes(db)
    assert sorted(change[:5] for change in changes) == sorted(
        [
            (*target, [], [str(shield["id"])]),
            (*target, [str(shield["id"])], both),
            (*target, both, [str(redactor["id"])]),
        ]
    )
    actions = sorted(action for action, _, _ in await nhi_audit(db))
    assert actions == ["BIND_GUARDIAN"] * 3 + ["UNBIND_GUARDIAN"] * 2


@pytest.mark.parametrize("target", ["other-org", "unknown"])
async def test_another_organisations_nhi_or_guardian_is_not_found(
    client, factory, db, acme, target
):
    _, admin, _, runner, shield = acme
    globex = await factory.org("Globex")
    their_nhi = await factory.nhi(globex, "theirs", 1)
    their_guardian = await factory.guardian(globex, "Theirs")
    nhi = str(their_nhi["id"] if target == "other-org" else uuid.uuid4())
    guardian = str(their_guardian["id"] if target == "other-org" else uuid.uuid4())
    headers = factory.headers(admin)
    answers = [
        await gql(client, headers, UPDATE, {"id": nhi, "input": {"label": "mine now"}}),
        await gql(client, headers, BIND, {"nhi": nhi, "guardian": str(shield["id"])}),
        await gql(client, headers, UNBIND, {"nhi": nhi, "guardian": str(shield["id"])}),
        await gql(client, headers, BIND, {"nhi": str(runner["id"]), "guardian": guardian}),
        await gql(client, headers, UNBIND, {"nhi": str(runner["id"]), "guardian": guardian}),
        # the whole pair of another organisation
        await gql(client, headers, BIND, {"nhi": nhi, "guardian": guardian}),
    ]
    assert [code(body) for body in answers] == ["NOT_FOUND"] * 6
    assert (await nhi_row(db, their_nhi["id"]))["label"] == "theirs"
    assert await bindings(db) == []
    assert await config_changes(db) == []
    assert await nhi_audit(db) == []


async def test_an_owner_outside_the_organisation_is_bad_input(client, factory, db, acme):
    _, admin, _, runner, _ = acme
    globex = await factory.org("Globex")
    stranger = await factory.user(globex, "eve")
    headers = factory.headers(admin)
    for owner in (str(stranger["id"]), str(uuid.uuid4())):
        created = await gql(
            client, headers, CREATE, {"input": {"label": "x", "tier": 2, "ownerId": owner}}
        )
        updated = await gql(
            client, headers, UPDATE, {"id": str(runner["id"]), "input": {"ownerId": owner}}
        )
        for body in (created, updated):
            assert code(body) == "BAD_USER_INPUT", body
            assert body["errors"][0]["extensions"]["details"]["argument"] == "ownerId"
    assert (await nhi_row(db, runner["id"]))["owner_id"] is None
    assert await config_changes(db) == []


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CREATE, {"input": {"label": "new", "tier": 2}}),
        (UPDATE, {"input": {"tier": 1}}),
        (BIND, {}),
        (UNBIND, {}),
    ],
    ids=["create", "update", "bind", "unbind"],
)
async def test_who_may_write(client, factory, db, acme, query, variables):
    org, admin, manager, runner, shield = acme
    if "$id" in query:
        variables = {"id": str(runner["id"]), **variables}
    if "$nhi" in query:
        variables = {"nhi": str(runner["id"]), "guardian": str(shield["id"])}
    before = await nhi_row(db, runner["id"])
    refused = [
        (None, "UNAUTHENTICATED"),
        (factory.scoped_headers(admin, ["nhi:read", "mcp:read"]), "INSUFFICIENT_SCOPE"),
        (factory.headers(manager), "INSUFFICIENT_ROLE"),
        (factory.headers(await factory.user(org, "carol")), "INSUFFICIENT_ROLE"),
    ]
    for headers, expected in refused:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
        )
        assert code(response.json()) == expected
    assert await nhi_row(db, runner["id"]) == before
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Nhi)) == 1
    assert await bindings(db) == []
    assert await nhi_audit(db) == []
    writer = factory.scoped_headers(admin, ["governance:write"])
    body = await gql(client, writer, query, variables)
    assert "errors" not in body, body


@pytest.mark.parametrize(
    ("input", "field", "said"),
    [
        ({"label": "ok", "tier": 0}, "tier", "tier"),
        ({"label": "ok", "tier": 5}, "tier", "tier"),
        ({"label": "ok", "tier": 2, "kind": "robot"}, "kind", "kind must be one of"),
        (
            {"label": "ok", "tier": 2, "federationStatus": "trusted"},
            "federationStatus",
            "federationStatus",
        ),
        ({"label": "x" * 201, "tier": 2}, "label", "longer than 200"),
        ({"label": "   ", "tier": 2}, "label", "label cannot be blank"),
        # the input guard refuses it before any model sees it, naming the character
        ({"label": "nul\x00byte", "tier": 2}, "label", "NUL character"),
    ],
)
async def test_bad_values_are_refused_naming_the_field(
    client, factory, db, acme, input, field, said
):
    _, admin, _, runner, _ = acme
    headers = factory.headers(admin)
    created = await gql(client, headers, CREATE, {"input": input})
    patch = {k: v for k, v in input.items() if k == field}
    updated = await gql(client, headers, UPDATE, {"id": str(runner["id"]), "input": patch})
    for body in (created, updated):
        assert code(body) == "BAD_USER_INPUT", body
        assert said in body["errors"][0]["message"], body
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Nhi)) == 1
    assert await config_changes(db) == []
    assert await nhi_audit(db) == []


async def test_null_is_refused_where_an_nhi_needs_a_value(client, factory, acme):
    _, admin, _, runner, _ = acme
    for field in ("label", "kind", "tier", "federationStatus"):
        variables = {"id": str(runner["id"]), "input": {field: None}}
        body = await gql(client, factory.headers(admin), UPDATE, variables)
        assert code(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["details"]["argument"] == field
