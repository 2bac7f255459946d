"""The baseline issue 14 measures the resolver path against: a plain Strawberry app with
DataLoaders serving the bench's catalog query, as a team would write it without the
gateway. No authentication, extensions, middleware, compiler or cost rules; the same SQL
shape as the gateway's loaders (one statement per level: the page of components, the
newest deployments per component with LATERAL ... LIMIT, the environments by id), each
batch on a connection of its own from the pool. Served in process through Strawberry's
ASGI app, timed with the same client as the gateway (bench/asgi.py)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader

from gateway.sql import keys_parameter, newest_per_key, table_of
from models.catalog import Component as ComponentRow
from models.catalog import Deployment as DeploymentRow
from models.catalog import Environment as EnvironmentRow

COMPONENTS = table_of(ComponentRow)
DEPLOYMENTS = table_of(DeploymentRow)
ENVIRONMENTS = table_of(EnvironmentRow)


@strawberry.enum
class DeploymentStatus(enum.Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


@strawberry.type
class Environment:
    id: uuid.UUID
    name: str


@strawberry.type
class Deployment:
    id: uuid.UUID
    version: str
    status: DeploymentStatus
    started_at: datetime
    environment_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def environment(self, info: strawberry.Info) -> Environment:
        return await info.context["environments"].load(self.environment_id)


@strawberry.type
class Component:
    id: uuid.UUID
    name: str

    @strawberry.field
    async def deployments(self, info: strawberry.Info, first: int = 20) -> list[Deployment]:
        return await info.context["deployments"](first).load(self.id)


@strawberry.type
class ComponentConnection:
    nodes: list[Component]


class Loaders:
    """The request's DataLoaders (one per ``first`` for deployments)."""

    def __init__(self, engine: AsyncEngine, org_id: uuid.UUID) -> None:
        self.engine = engine
        self.org_id = org_id
        dialect = engine.dialect.name
        key = DEPLOYMENTS.c.component_id
        self._newest = newest_per_key(
            dialect,
            select(*DEPLOYMENTS.c).where(DEPLOYMENTS.c.org_id == bindparam("org_id")),
            key,
            keys_parameter(dialect, key),
            (DEPLOYMENTS.c.started_at.desc(), DEPLOYMENTS.c.id.desc()),
            bindparam("first", type_=Integer(), literal_execute=True),
        )
        self._by_first: dict[int, DataLoader[uuid.UUID, list[Deployment]]] = {}
        self.environments = DataLoader(load_fn=self._environments)

    def deployments(self, first: int) -> DataLoader[uuid.UUID, list[Deployment]]:
        if first not in self._by_first:

            async def load(keys: Sequence[uuid.UUID]) -> list[list[Deployment]]:
                return await self._deployments(keys, first)

            self._by_first[first] = DataLoader(load_fn=load)
        return self._by_first[first]

    async def _deployments(self, keys: Sequence[uuid.UUID], first: int) -> list[list[Deployment]]:
        values = {"org_id": self.org_id, "keys": list(keys), "first": first}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._newest, values)).mappings().all()
        found: dict[uuid.UUID, list[Deployment]] = {key: [] for key in keys}
        for row in rows:
            found[row["component_id"]].append(
                Deployment(
                    id=row["id"],
                    version=row["version"],
                    status=DeploymentStatus(row["status"]),
                    started_at=row["started_at"],
                    environment_id=row["environment_id"],
                )
            )
        return [found[key] for key in keys]

    async def _environments(self, keys: Sequence[uuid.UUID]) -> list[Environment]:
        statement = select(ENVIRONMENTS.c.id, ENVIRONMENTS.c.name).where(
            ENVIRONMENTS.c.org_id == self.org_id, ENVIRONMENTS.c.id.in_(list(keys))
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        found = {row.id: Environment(id=row.id, name=row.name) for row in rows}
        return [found[key] for key in keys]


@strawberry.type
class Query:
    @strawberry.field
    async def components(self, info: strawberry.Info, first: int = 20) -> ComponentConnection:
        loaders: Loaders = info.context["loaders"]
        statement = (
            select(COMPONENTS.c.id, COMPONENTS.c.name)
            .where(COMPONENTS.c.org_id == loaders.org_id)
            .order_by(COMPONENTS.c.name, COMPONENTS.c.id)
            .limit(first)
        )
        async with loaders.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return ComponentConnection(nodes=[Component(id=row.id, name=row.name) for row in rows])


class PlainApp(GraphQL[dict[str, Any], None]):
    def __init__(self, engine: AsyncEngine, org_id: uuid.UUID) -> None:
        super().__init__(strawberry.Schema(query=Query), graphql_ide=None)
        self.engine = engine
        self.org_id = org_id

    async def get_context(self, request: Any, response: Any = None) -> dict[str, Any]:
        loaders = Loaders(self.engine, self.org_id)
        return {
            "loaders": loaders,
            "deployments": loaders.deployments,
            "environments": loaders.environments,
        }


@asynccontextmanager
async def plain_app(engine: AsyncEngine, org_id: uuid.UUID) -> AsyncIterator[ASGIApp]:
    yield PlainApp(engine, org_id)
