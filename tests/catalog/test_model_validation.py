"""Mutation inputs are validated by the models' Create/Update classes, and a refusal
reads the same for every field: BAD_USER_INPUT naming it, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.catalog import Component
from tests.catalog.test_graphql import gql

CREATE = """mutation($input: ComponentInput!) { createComponent(input: $input) { id } }"""
UPDATE = """mutation($id: UUID!, $input: ComponentPatch!) {
    updateComponent(id: $id, input: $input) { name } }"""
START = """mutation($c: UUID!, $e: UUID!, $v: String!) {
    startDeployment(componentId: $c, environmentId: $e, version: $v) { id } }"""


@pytest.mark.parametrize(
    ("input", "message", "argument"),
    [
        ({"name": "   ", "kind": "service"}, "name cannot be blank", "name"),
        (
            {"name": "api", "kind": "k" * 51},
            "kind cannot be accepted: text longer than 50 characters",
            "kind",
        ),
        (
            {"name": "api", "kind": "service", "lifecycle": "retired"},
            "lifecycle must be one of: production, experimental, planned, deprecated, "
            "decommissioned",
            "lifecycle",
        ),
    ],
    ids=["blank", "too-long", "not-a-choice"],
)
async def test_create_refusals_name_the_field(
    client, db, factory, input: dict, message: str, argument: str
) -> None:
    # given
    manager = await factory.user(await factory.org(), "maria", role="manager")

    # when
    body = await gql(client, factory.headers(manager), CREATE, {"input": input})

    # then
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "details": {"argument": argument},
    }
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Component)) == 0


async def test_an_update_may_not_null_a_required_field(client, factory) -> None:
    # given
    org = await factory.org()
    manager = await factory.user(org, "maria", role="manager")
    component = await factory.component(org, "api")

    # when
    body = await gql(
        client,
        factory.headers(manager),
        UPDATE,
        {"id": str(component["id"]), "input": {"kind": None}},
    )

    # then
    assert body["errors"][0]["message"] == "kind cannot be null"
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "details": {"argument": "kind"},
    }


async def test_a_deployment_version_is_checked_by_its_model(client, factory) -> None:
    # given
    org = await factory.org()
    user = await factory.user(org)
    component = await factory.component(org, "api")
    environment = await factory.environment(org, "prod")
    ids = {"c": str(component["id"]), "e": str(environment["id"])}

    # when
    long = await gql(client, factory.headers(user), START, {**ids, "v": "v" * 101})
    trimmed = await gql(client, factory.headers(user), START, {**ids, "v": " 1.2.3 "})

    # then
    assert long["errors"][0]["message"] == (
        "version cannot be accepted: text longer than 100 characters"
    )
    assert long["errors"][0]["extensions"]["details"] == {"argument": "version"}
    assert "errors" not in trimmed
