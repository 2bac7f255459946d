"""The root schema, assembled from each domain's Query and Mutation."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.extensions import CloseRequestConnection, ErrorCodes
from resolvers.catalog import schema as catalog
from resolvers.tenancy import schema as tenancy

QUERIES: tuple[type, ...] = (tenancy.Query, catalog.Query)
MUTATIONS: tuple[type, ...] = (catalog.Mutation,)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client mistakes are answers, not incidents: only unexpected errors are
        # logged, and ErrorCodes logs those with their traceback when it masks them.
        del errors, execution_context


def build_schema() -> strawberry.Schema:
    """The one schema both front doors (GraphQL and REST) execute against."""
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            CloseRequestConnection,
            ErrorCodes,
            lambda: ParserCache(maxsize=1024),
            lambda: ValidationCache(maxsize=1024),
        ],
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
