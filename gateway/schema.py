"""The root schema, assembled from each domain's Query and Mutation."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.extensions import CloseRequestConnection, classify
from resolvers.catalog import schema as catalog
from resolvers.knowledge import schema as knowledge
from resolvers.tenancy import schema as tenancy

QUERIES: tuple[type, ...] = (tenancy.Query, catalog.Query, knowledge.Query)
MUTATIONS: tuple[type, ...] = (catalog.Mutation, knowledge.Mutation)

MAX_DEPTH = 15
# Bounds on what one document may ask, so that no single request can make the gateway
# do unbounded work; 15 levels leave room for GraphiQL's introspection query. The rule
# classes are made once: each limiter instance makes new ones, and ValidationCache keys
# on them, so per-request limiters would re-validate every document (~5 ms a request).
LIMITS = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=100).validation_rules,
]

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
            lambda: ParserCache(maxsize=1024),
            lambda: ValidationCache(maxsize=1024),
            lambda: AddValidationRules(LIMITS),
            lambda: MaxTokensLimiter(max_token_count=5000),
        ],
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
