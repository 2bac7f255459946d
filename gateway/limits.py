"""Document limits, checked before validation, in time linear in the document.

A fragment may be spread many times, and a fragment may spread others, so anything that
re-walks a fragment at each spread does work exponential in the document's length: 30
lines of ``fragment Fn on Query {...Fn-1 ...Fn-1}`` stand for 2^29 fields. Here each
fragment's body is walked once, in dependency order, and what it contributes (depth,
aliases, fields, response paths) is kept and reused at every spread. A spread cycle
contributes nothing: graphql-core's NoFragmentCycles rule reports it.

These checks run before graphql-core's standard rules, because one of those is not
linear either: OverlappingFieldsCanBeMerged compares every pair of fields that share a
response path (1,200 copies of ``viewer { id }`` take it 2 s). The path bound below
keeps that comparison small.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from gateway.plan_cache import cache_of, validate

# 5,000 tokens is some 25 KB of GraphQL; the largest stored REST operation has ~150.
MAX_TOKENS = 5000
# Nested field levels ({ a { b } } is 2). GraphiQL's introspection query needs all 15.
MAX_DEPTH = 15
MAX_ALIASES = 100
MAX_FRAGMENTS = 100
# Fields once every spread is replaced by its fragment, over the whole document. The
# largest stored operation expands to 37 fields and GraphiQL's introspection query to 220, so
# 2,000 is ten times the largest real need. It bounds the work of validation and of
# execution planning, which walk the expanded document, whatever the data.
MAX_FIELDS = 2000
# How often one response path (``viewer.department.name``) may be asked in the expanded
# document. OverlappingFieldsCanBeMerged compares the fields at one path pairwise; with
# at most 20 per path that is at most MAX_FIELDS x 19 / 2 comparisons (~20 ms).
MAX_SAME_PATH = 20

Path = tuple[str, ...]


class DocumentTooLarge(Exception):
    def __init__(self, message: str, limit: str, maximum: int) -> None:
        super().__init__(message)
        self.message, self.limit, self.maximum = message, limit, maximum


@dataclass
class Shape:
    """What a selection set contributes wherever it appears: fields, aliases, depth and
    the number of fields at each response path below it."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    paths: dict[Path, int] = field(default_factory=dict)

    def add(self, other: Shape, prefix: Path = ()) -> None:
        self.aliases += other.aliases
        self.fields += other.fields
        if self.fields > MAX_FIELDS:
            raise DocumentTooLarge(
                f"the document asks for more than {MAX_FIELDS} fields once fragments are expanded",
                "fields",
                MAX_FIELDS,
            )
        for path, count in other.paths.items():
            key = prefix + path
            total = self.paths[key] = self.paths.get(key, 0) + count
            if total > MAX_SAME_PATH:
                raise DocumentTooLarge(
                    f"'{'.'.join(key)}' is asked more than {MAX_SAME_PATH} times",
                    "same_path",
                    MAX_SAME_PATH,
                )
        self.depth = max(self.depth, other.depth + len(prefix))
        if self.aliases > MAX_ALIASES:
            raise DocumentTooLarge(
                f"the document uses more than {MAX_ALIASES} aliases", "aliases", MAX_ALIASES
            )


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    """The fragment names spread anywhere in a selection set (no recursion into them)."""
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif (
                isinstance(selection, FieldNode | InlineFragmentNode)
                and selection.selection_set is not None
            ):
                stack.append(selection.selection_set)


def _dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after every fragment it spreads (iterative: no recursion
    limit to hit on a long chain; a cycle's back edge is ignored)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in fragments:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(list(_spreads(fragments[root].selection_set))))]
        while stack:
            name, children = stack[-1]
            child = next((c for c in children if c in fragments and c not in state), None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            else:
                state[child] = 1
                stack.append((child, iter(list(_spreads(fragments[child].selection_set)))))
    return order


def _too_deep() -> DocumentTooLarge:
    return DocumentTooLarge(
        f"the document nests fields deeper than {MAX_DEPTH} levels", "depth", MAX_DEPTH
    )


def _shape(
    selection_set: SelectionSetNode, done: dict[str, Shape], level: int = 0, nesting: int = 0
) -> Shape:
    """A selection set's shape, using the shapes of fragments already measured.

    ``level`` counts the fields above; ``nesting`` also counts inline fragments, which
    add no depth but do add recursion, so it has the same bound.
    """
    if nesting > 2 * MAX_DEPTH:
        raise _too_deep()
    shape = Shape()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = (selection.alias or selection.name).value
            own = Shape(depth=1, aliases=1 if selection.alias else 0, fields=1)
            own.paths[(name,)] = 1
            if selection.selection_set is not None:
                if level + 1 >= MAX_DEPTH:
                    raise _too_deep()
                inner = _shape(selection.selection_set, done, level + 1, nesting + 1)
                own.add(inner, (name,))
            shape.add(own)
        elif isinstance(selection, InlineFragmentNode):
            shape.add(_shape(selection.selection_set, done, level, nesting + 1))
        elif isinstance(selection, FragmentSpreadNode):
            # Unknown or cyclic: nothing here; validation reports it.
            spread = done.get(selection.name.value)
            if spread is not None:
                shape.add(spread)
        if shape.depth + level > MAX_DEPTH:
            raise _too_deep()
    return shape


def check_document(document: DocumentNode) -> None:
    """Raise DocumentTooLarge if the document exceeds a limit; linear in its size."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if len(fragments) > MAX_FRAGMENTS:
        raise DocumentTooLarge(
            f"the document defines more than {MAX_FRAGMENTS} fragments",
            "fragments",
            MAX_FRAGMENTS,
        )
    done: dict[str, Shape] = {}
    for name in _dependency_order(fragments):
        done[name] = _shape(fragments[name].selection_set, done)
    # Validation checks every operation of the document, so their sum is what counts.
    total = Shape()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operation = _shape(definition.selection_set, done)
            total.add(Shape(aliases=operation.aliases, fields=operation.fields))


@lru_cache(maxsize=1024)
def _refusal(document: DocumentNode) -> tuple[str, str, int] | None:
    try:
        check_document(document)
    except DocumentTooLarge as exc:
        return exc.message, exc.limit, exc.maximum
    return None


class IntrospectionDisabled(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule (any field of an introspection type: __schema, __type; not
    __typename), its errors carrying a code clients can act on."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                f"{error.message} Introspection is off in production mode "
                "(GATEWAY_INTROSPECTION=true turns it on).",
                error.nodes,
                extensions={"code": "INTROSPECTION_DISABLED"},
            )
        )


def introspection_allowed(context: Any) -> bool:
    """Whether the request's settings allow introspection. The schema is shared by apps
    with different settings, so this is read per request from its Context; a bare
    ``schema.execute`` without one (tests, scripts) is the development default."""
    settings = getattr(context, "settings", None)
    return settings is None or bool(settings.introspection_enabled)


class DocumentLimits(SchemaExtension):
    """Tokens while parsing, then the limits above, then graphql-core's validation.

    Strawberry's ValidationCache validates whatever ran before it, so this extension
    takes its place: a refused document is never handed to the standard rules. The
    limits are checked on every request (their outcome memoised per document); a
    validation that passed is remembered in the request's plan (gateway/plan_cache.py)
    per rule tuple, which holds IntrospectionDisabled when the request's settings turn
    introspection off.
    """

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        refusal = _refusal(context.graphql_document)
        if refusal is not None:
            message, limit, maximum = refusal
            context.pre_execution_errors = [
                GraphQLError(
                    f"document too large: {message}",
                    extensions={
                        "code": "BAD_USER_INPUT",
                        "details": {"limit": limit, "maximum": maximum},
                    },
                )
            ]
        else:
            schema = context.schema._schema
            rules = context.validation_rules
            if not introspection_allowed(context.context):
                # A rule tuple of its own, so the cache keeps the two outcomes apart.
                rules = (*rules, IntrospectionDisabled)
            plans = cache_of(context.schema)
            context.pre_execution_errors = validate(
                schema, plans, context.graphql_document, tuple(rules)
            )
        yield
