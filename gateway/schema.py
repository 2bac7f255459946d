"""The root schema, assembled from each domain's Query and Mutation."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.cost import QueryCost
from gateway.extensions import CloseRequestConnection, classify
from gateway.input_guard import InputGuard
from gateway.limits import DocumentLimits
from resolvers.catalog import schema as catalog
from resolvers.knowledge import schema as knowledge
from resolvers.tenancy import schema as tenancy

QUERIES: tuple[type, ...] = (tenancy.Query, catalog.Query, knowledge.Query)
MUTATIONS: tuple[type, ...] = (catalog.Mutation, knowledge.Mutation)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Every path (parse, validation, execution) passes its result's own error list
        # through here, so classifying in place gives every error a code and masks
        # the unexpected ones (logged with their traceback) before a client sees them.
        del execution_context
        errors[:] = [classify(error) for error in errors]


def build_schema() -> strawberry.Schema:
    """The one schema both front doors (GraphQL and REST) execute against."""
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            CloseRequestConnection,
            # DocumentLimits caps tokens for the parser, then checks the document's
            # limits (gateway/limits.py) and validates it, both cached per document.
            DocumentLimits,
            lambda: ParserCache(maxsize=1024),
            # Right after parsing, before validation: values break no input rule.
            InputGuard,
            QueryCost,
        ],
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
