"""What a query will cost, estimated before it runs, and refused above the budget.

The cost is the sum over the selected fields of how many times each will resolve: the
product of the list sizes along its path. A field with a ``first`` argument (a literal,
a variable, or the argument's default) multiplies what it selects by that value. A list
without ``first`` multiplies by DEFAULT_LIST_SIZE, except inside a page: the lists of
an object only ever returned by fields with ``first`` (a Connection's ``edges`` and
``nodes``, ``StaleEntryList.entries``) were counted at that field. Introspection
(``__schema``, ``__type``, ``__typename``) is free, so GraphiQL always works.

    { components(first: 500) { nodes { id } } }   1 + 500 (nodes) + 500 (id) = 1,001

A fragment is costed once per request and multiplied at each spread, so the estimate is
linear in the document like the other document checks (gateway/limits.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_interface_type,
    is_object_type,
    value_from_ast_untyped,
)
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

from gateway.cost_budget import charge
from gateway.metrics import REGISTRY

# A list without ``first`` is taken to hold 10 items. Such lists are short by design
# (an entry's authors, a department's top 5 holders, the top 10 components, the
# lifecycle stages) or computed whole in SQL (bus-factor scores), so what the estimate
# must catch is their fan-out when nested, which 10 per level shows.
DEFAULT_LIST_SIZE = 10
DEFAULT_BUDGET = 50_000

COST_ESTIMATE = Histogram(
    "gateway_graphql_cost_estimate",
    "Estimated cost of each GraphQL operation before it runs (gateway/cost.py).",
    # Around the default budget (50,000): where operations sit relative to it.
    buckets=(1, 10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 1_000_000),
    registry=REGISTRY,
)
COST_REFUSALS = Counter(
    "gateway_graphql_cost_refusals_total",
    "GraphQL operations refused before running as QUERY_TOO_COSTLY.",
    registry=REGISTRY,
)


@lru_cache(maxsize=4)
def page_types(schema: GraphQLSchema) -> frozenset[str]:
    """Object types that only fields with ``first`` return: their lists are the page."""
    with_first: set[str] = set()
    without_first: set[str] = set()
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not (is_object_type(type_) or is_interface_type(type_)):
            continue
        for field in type_.fields.values():
            returned = get_nullable_type(field.type)
            if isinstance(returned, GraphQLList):
                continue
            target = with_first if "first" in field.args else without_first
            target.add(get_named_type(returned).name)
    return frozenset(with_first - without_first)


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.pages = page_types(schema)
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.costed: dict[str, int] = {}

    def included(self, selection: SelectionNode) -> bool:
        for directive in selection.directives or ():
            if directive.name.value not in ("skip", "include") or not directive.arguments:
                continue
            node = directive.arguments[0].value
            value = value_from_ast_untyped(node, self.variables)
            if isinstance(value, bool) and value == (directive.name.value == "skip"):
                return False
        return True

    def first(self, node: FieldNode, default: Any) -> int:
        value = default
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, default)
            elif isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
        # Anything but an integer fails coercion later; count the default meanwhile.
        if not isinstance(value, int) or isinstance(value, bool):
            value = default if isinstance(default, int) else 1
        return max(value, 0)

    def multiplier(self, node: FieldNode, field: Any, parent: str) -> int:
        if "first" in field.args:
            return self.first(node, field.args["first"].default_value)
        returned = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(returned, GraphQLList) and parent not in self.pages:
            return DEFAULT_LIST_SIZE
        return 1

    def fragment(self, name: str) -> int:
        if name not in self.costed:
            self.costed[name] = 0  # a cycle costs nothing (validation refused it already)
            fragment = self.fragments.get(name)
            if fragment is not None:
                on = fragment.type_condition.name.value
                self.costed[name] = self.selection(fragment.selection_set, on)
        return self.costed[name]

    def selection(self, selection_set: SelectionSetNode, parent: str) -> int:
        parent_type = self.schema.get_type(parent)
        fields = getattr(parent_type, "fields", {})
        total = 0
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                field = fields.get(selection.name.value)
                if field is None:  # introspection (__typename, __schema, __type) is free
                    continue
                total += 1
                if selection.selection_set is not None:
                    inner = self.selection(selection.selection_set, get_named_type(field.type).name)
                    total += self.multiplier(selection, field, parent) * inner
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition.name.value if selection.type_condition else parent
                total += self.selection(selection.selection_set, on)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """The estimated cost of running one operation of a valid document."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Estimate(schema, document, operation, variables or {}).selection(
        operation.selection_set, root.name
    )


class QueryCost(SchemaExtension):
    """Estimates the operation's cost before it runs; refuses it above the limit
    (``ctx.max_query_cost``), or when its organisation's budget per window cannot take
    it (gateway/cost_budget.py), and reports the estimate in ``extensions.cost``."""

    def __init__(self) -> None:
        self.cost: int | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        self.cost = estimate_cost(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            context.variables,
        )
        COST_ESTIMATE.observe(self.cost)
        budget = getattr(context.context, "max_query_cost", DEFAULT_BUDGET)
        if self.cost > budget:
            COST_REFUSALS.inc()
            # A result set before execution is answered as is: nothing runs.
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"query too costly: estimated {self.cost}, the limit is {budget}",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "details": {"cost": self.cost, "limit": budget},
                        },
                    )
                ],
            )
        else:
            refused = await charge(context.context, self.cost)
            if refused is not None:
                context.result = ExecutionResult(data=None, errors=[refused])
        yield

    def get_results(self) -> dict[str, Any]:
        return {} if self.cost is None else {"cost": self.cost}
