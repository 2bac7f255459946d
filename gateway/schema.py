"""The root schema, assembled from the families' manifests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.field import StrawberryField

from gateway.answer_cache.extension import CachedAnswers
from gateway.compiler.run import CompilingExecutor
from gateway.context import Context
from gateway.cost import QueryCost
from gateway.extensions import CloseRequestConnection, MutationsOnPrimary, classify
from gateway.families import FAMILIES, known_scopes
from gateway.family import FamilyConflict, FamilyManifest, apply_extensions, check
from gateway.input_guard import InputGuard
from gateway.limits import DocumentLimits
from gateway.operation_metrics import OperationMetrics
from gateway.permissions import Requires
from gateway.persisted import AllowList
from gateway.plan_cache import PlanCache, Plans

EXTENSIONS: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
    # First, so that its time includes every other extension's work (parse, validation).
    OperationMetrics,
    CloseRequestConnection,
    # DocumentLimits caps tokens for the parser, then checks the document's limits
    # (gateway/limits.py) on every request and validates it unless its plan passed.
    DocumentLimits,
    # The plan cache hands back a parsed document it has seen (gateway/plan_cache.py).
    Plans,
    # After DocumentLimits' validation: an unregistered document in allow-list mode.
    AllowList,
    # Right after parsing, before validation: values break no input rule.
    InputGuard,
    QueryCost,
    # Before execution: the operation's type is known once the document is parsed.
    MutationsOnPrimary,
    # Last: every check above runs before a cached answer is served.
    CachedAnswers,
]


class GatewaySchema(strawberry.Schema):
    # Parsed and validated documents (gateway/plan_cache.py); create_app sizes it.
    plans: PlanCache

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """The operation's result; run a second time, with the live caller, when the
        caller it guessed proved to be someone else (gateway/callers.py): the first
        answer was decided by checks the live caller may not pass, and no one sees it."""
        result = await super().execute(*args, **kwargs)
        context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
        if isinstance(context, Context) and context.guessed_wrong:
            context.replay()
            result = await super().execute(*args, **kwargs)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Every path (parse, validation, execution) passes its result's own error list
        # through here, so classifying in place gives every error a code and masks
        # the unexpected ones (logged with their traceback) before a client sees them.
        del execution_context
        errors[:] = [classify(error) for error in errors]


def build_schema(families: Sequence[FamilyManifest] = FAMILIES) -> strawberry.Schema:
    """The one schema both front doors (GraphQL and REST) execute against."""
    check(families)
    apply_extensions(families)
    mutations = tuple(f.mutation for f in families if f.mutation is not None)
    subscriptions = tuple(f.subscription for f in families if f.subscription is not None)
    built = GatewaySchema(
        query=merge_types("Query", tuple(f.query for f in families if f.query is not None)),
        mutation=merge_types("Mutation", mutations) if mutations else None,
        subscription=merge_types("Subscription", subscriptions) if subscriptions else None,
        extensions=EXTENSIONS,
        # Hands a compiled root field's JSON to the answer (gateway/compiler/run.py).
        execution_context_class=CompilingExecutor,
    )
    built.plans = PlanCache()
    unknown = sorted(set(_checked_scopes(built)) - set(known_scopes(families)))
    if unknown:
        # A field no credential could ever reach is a typo, or a family that forgot to
        # declare its scope (which the CLI would then refuse to issue).
        raise FamilyConflict(f"fields check scopes no family declares: {', '.join(unknown)}")
    return built


def _checked_scopes(built: strawberry.Schema) -> Iterator[str]:
    """Every scope a field's guard checks."""
    for graphql_type in built._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get("strawberry-definition")
            if not isinstance(definition, StrawberryField):
                continue
            for extension in definition.extensions:
                if isinstance(extension, PermissionExtension):
                    for guard in extension.permissions:
                        if isinstance(guard, Requires) and guard.scope is not None:
                            yield guard.scope


schema = build_schema()

__all__ = ["build_schema", "schema"]
