"""The app is assembled from family manifests: adding a family is one entry, and two
families claiming the same name fail at start-up."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Literal

import pytest
import strawberry
from sqlalchemy import select

from gateway.context import Info
from gateway.demo import seed_demo
from gateway.families import FAMILIES, import_entities, known_scopes
from gateway.family import FamilyConflict, FamilyManifest, contributed
from gateway.importer import load_file
from gateway.importer.entities import ORGANIZATIONS, EntitySpec, Ref
from gateway.importer.records import Record
from gateway.permissions import requires
from gateway.schema import build_schema
from models.catalog import Environment
from resolvers.tenancy.types import User
from rest_compat.envelopes import CODE_ENVELOPE_SCHEMA, code_envelope
from rest_compat.routing import Family, RestRoute
from tests.gateway.safety import app_client

# --- a family of its own, declared as a plug-in would declare it ------------------------


@strawberry.type
class DummyQuery:
    @strawberry.field(extensions=requires(scope="dummy:read"))
    async def dummy_greeting(self, info: Info) -> str:
        return f"hello {(await info.context.principal()).username}"


class DummyNoteRecord(Record):
    entity: Literal["dummy_note"]
    id: uuid.UUID
    org_id: uuid.UUID
    name: str


def dummy_family(operations: Path, seeded: list[Any]) -> FamilyManifest:
    (operations / "dummy").mkdir(parents=True, exist_ok=True)
    (operations / "dummy" / "greeting.graphql").write_text("query Greeting { data: dummyGreeting }")

    async def seed(_seeder: Any, org: Any) -> None:
        seeded.append(org.spec.name)

    return FamilyManifest(
        name="dummy",
        query=DummyQuery,
        routes=[
            RestRoute(
                "GET",
                "/api/v1/dummy/greeting",
                op="greeting",
                family=Family("dummy", code_envelope, CODE_ENVELOPE_SCHEMA, operations=operations),
            )
        ],
        envelope=code_envelope,
        # Notes are stored as environments: the test needs a table, not a migration.
        import_entities=[
            EntitySpec(
                "dummy_note",
                DummyNoteRecord,
                Environment.__table__,  # type: ignore[arg-type]
                refs=(Ref("org_id", ORGANIZATIONS),),
                to_row=lambda record: record.model_dump(exclude={"entity"}),
            )
        ],
        demo=seed,
        scopes=("dummy:read",),
    )


async def test_adding_a_family_is_one_manifest_entry(db, factory, settings, tmp_path):
    seeded: list[Any] = []
    families = (*FAMILIES, dummy_family(tmp_path / "operations", seeded))
    org = await factory.org()
    jane = await factory.user(org, "jane")
    headers = factory.headers(jane, scopes=["dummy:read"])

    # the schema and the REST routes
    async with app_client(db, settings, families=families) as client:
        graphql = await client.post(
            "/graphql", json={"query": "{ dummyGreeting }"}, headers=headers
        )
        rest = await client.get("/api/v1/dummy/greeting", headers=headers)
        unscoped = await client.get(
            "/api/v1/dummy/greeting", headers=factory.headers(jane, scopes=["catalog:read"])
        )
    assert graphql.json()["data"] == {"dummyGreeting": "hello jane"}
    assert (rest.status_code, rest.json()) == (200, "hello jane")
    assert unscoped.json()["error"]["code"] == "INSUFFICIENT_SCOPE"

    # the importer
    note = {"entity": "dummy_note", "id": str(uuid.uuid4()), "org_id": str(org["id"]), "name": "n"}
    path = tmp_path / "notes.ndjson"
    path.write_text(json.dumps(note) + "\n")
    report = await load_file(db, path, entities=import_entities(families))
    assert dict(report.counts) == {"dummy_note": 1}
    async with db.connect() as conn:
        stored = select(Environment.name).where(Environment.id == uuid.UUID(note["id"]))
        assert await conn.scalar(stored) == "n"

    # the scopes a credential may carry
    assert known_scopes(families)[-1] == "dummy:read"
    assert "dummy:read" not in known_scopes()

    # the demo runs the family's seeder for each demo organisation
    await seed_demo(db, progress=lambda _: None, replace=True, families=families)
    assert seeded == ["Northwind Robotics", "Bluebird Analytics"]


# --- conflicts fail at start-up ----------------------------------------------------------


@strawberry.type
class ClaimsViewer:
    @strawberry.field
    def viewer(self) -> str:
        return "mine"


@strawberry.type
class UndeclaredScope:
    @strawberry.field(extensions=requires(scope="nobody:declares"))
    def orphan(self) -> str:
        return "x"


@strawberry.field
def username(root: User) -> str:
    return root.username


def test_a_root_field_claimed_twice_fails():
    with pytest.raises(FamilyConflict, match="query field 'viewer' is claimed by tenancy"):
        build_schema((*FAMILIES, FamilyManifest(name="other", query=ClaimsViewer)))


def test_a_route_claimed_twice_fails():
    portal = next(f for f in FAMILIES if f.name == "portal")
    copy = FamilyManifest(name="copy", routes=portal.routes[:1])
    with pytest.raises(FamilyConflict, match=r"route \('GET', '/api/v1/analytics/catalog'\)"):
        build_schema((*FAMILIES, copy))


def test_a_socket_claimed_twice_fails():
    agents = next(f for f in FAMILIES if f.name == "agents")
    copy = FamilyManifest(name="copy", sockets=agents.sockets[:1])
    with pytest.raises(FamilyConflict, match=r"socket '/api/analytics/ws/realtime/\{user_email\}'"):
        build_schema((*FAMILIES, copy))


def test_an_import_entity_claimed_twice_fails():
    tenancy = next(f for f in FAMILIES if f.name == "tenancy")
    copy = FamilyManifest(name="copy", import_entities=tenancy.import_entities[:1])
    with pytest.raises(FamilyConflict, match="import entity 'organization'"):
        build_schema((*FAMILIES, copy))


def test_a_field_added_to_a_type_that_has_it_fails():
    adds = FamilyManifest(name="adds", extends={User: [contributed("username", username)]})
    with pytest.raises(FamilyConflict, match=r"adds User\.username, which the type already has"):
        build_schema((*FAMILIES, adds))


def test_a_scope_no_family_declares_fails():
    with pytest.raises(FamilyConflict, match="nobody:declares"):
        build_schema((*FAMILIES, FamilyManifest(name="x", query=UndeclaredScope)))


def test_the_knowledge_family_contributes_user_knowledge_entries():
    # Tenancy's own User has no knowledge field; the knowledge manifest adds it.
    knowledge = next(f for f in FAMILIES if f.name == "knowledge")
    assert [f.python_name for f in knowledge.extends[User]] == ["knowledge_entries"]
    sdl = build_schema().as_str()
    assert "knowledgeEntries(includeArchived: Boolean! = false, first: Int! = 20)" in sdl
