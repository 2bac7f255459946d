"""Running a compiled root field: the executor that hands its JSON to the answer, the
helpers a root resolver calls, and the response encoder that splices JSON text.

A root resolver runs as always (its scope and plan checks run first, as Strawberry
field extensions), validates its arguments with its own checks, and then asks
``compiled_rows``/``compiled_page``/``compiled_row`` for its value. These answer None
when the selection does not compile (the resolver then reads as before), else a
``Compiled`` value that ``CompilingExecutor.complete_value`` returns as the field's
completed value, without graphql-core walking it. Fallback fields inside it are
resolved then, through ``execute_field``, with their own paths and errors.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import FieldDetails, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from sqlalchemy import CTE, ColumnElement, FromClause, Select, func, literal_column, select, true
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.compiler.bind import SHAPES_PER_TEMPLATE, BoundStatements
from gateway.compiler.build import ORG, PAGE, ROW, Builder, Keyset, NotCompilable, Shape, rows_of
from gateway.compiler.plain import complete_plain, plain_fields
from gateway.compiler.render import JsonSql, json_sql
from gateway.context import Info
from gateway.cursors import encode_cursor
from gateway.errors import GatewayError
from gateway.plan_cache import current_plan

Built = tuple[Select[Any], Shape]

# The operation's executor, for the root resolvers it calls (set per operation).
_executor: ContextVar[CompilingExecutor | None] = ContextVar("gateway_executor", default=None)


class RawJSON:
    """JSON text that goes into the response as it is (see ``dumps``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass
class Compiled:
    text: str
    shape: Shape
    splice: bool

    def finish(self, executor: CompilingExecutor, path: Path) -> Any:
        if self.splice and not self.shape:
            return RawJSON(self.text)
        value = json.loads(self.text)
        pending: list[tuple[dict[str, Any], str, Awaitable[Any]]] = []
        _fill(executor, value, self.shape, path, pending)
        if not pending:
            return value

        async def settled() -> Any:
            # Together, so that the fallbacks' DataLoaders batch across every parent.
            results = await asyncio.gather(*(awaitable for _, _, awaitable in pending))
            for (parent, name, _), result in zip(pending, results, strict=True):
                parent[name] = result
            return value

        return settled()


def _fill(
    executor: CompilingExecutor,
    value: Any,
    shape: Shape,
    path: Path,
    pending: list[tuple[dict[str, Any], str, Awaitable[Any]]],
) -> None:
    if value is None or not shape:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _fill(executor, item, shape, path.add_key(index, None), pending)
        return
    for name, child in shape.children.items():
        _fill(executor, value[name], child, path.add_key(name, None), pending)
    for name in shape.cursors:
        if value[name] is not None:
            value[name] = encode_cursor(*value[name])
    if shape.fallbacks:
        assert shape.node is not None and shape.node.build is not None
        source = shape.node.build(shape.node.from_json(value.pop(ROW)))
        for name, fallback in shape.fallbacks.items():
            result = executor.execute_field(
                fallback.parent_type,
                source,
                fallback.field_details,
                path.add_key(name, fallback.parent_type.name),
                None,
            )
            if executor.is_awaitable(result):
                pending.append((value, name, result))
            else:
                value[name] = result


class CompilingExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        _executor.set(self)
        return super().execute_operation(*args, **kwargs)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """The plain fields completed at once (gateway/compiler/plain.py); the others,
        and any plain one that must report an error, the normal way."""
        # A resolve middleware (a tracing extension's per-field spans) must see every field.
        middleware = self.middleware_manager
        wrapped = middleware is not None and bool(middleware.middlewares)
        plain = {} if wrapped else plain_fields(self.schema, parent_type)
        done: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for name, details in grouped_field_set.items():
            spec = plain.get(details[0].node.name.value)
            value = Undefined if spec is None else complete_plain(spec, source_value)
            if value is Undefined:
                rest[name] = details
            else:
                done[name] = value
        if not done:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        if not rest:
            return done
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)

        def merged(results: dict[str, Any]) -> dict[str, Any]:
            # In the selection's order: the answer's keys are in the order asked.
            return {
                name: done[name] if name in done else results[name]
                for name in grouped_field_set
                if name in done or name in results
            }

        if not isinstance(others, dict):

            async def later() -> dict[str, Any]:
                return merged(await others)

            return later()
        return merged(others)

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if isinstance(result, Compiled):
            return result.finish(self, path)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )


# Templates kept per plan: one per root field and value of the variables it reads.
TEMPLATES_PER_PLAN = 64


@dataclass(frozen=True)
class Template:
    statement: Select[Any]
    shape: Shape
    bound: BoundStatements = field(init=False)
    # Bound statements with a caller's lookup beside them, by (statement, lookup).
    _with_caller: dict[tuple[Select[Any], Select[Any]], Select[Any]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "bound", BoundStatements(self.statement))

    def with_caller(self, statement: Select[Any], lookup: Select[Any]) -> Select[Any]:
        """``statement``'s answer and ``lookup``'s row (or nulls: no such caller) in one
        row. Kept, as the bound statements are: built anew, SQLAlchemy would walk it
        for its cache key on every request."""
        kept = self._with_caller.get((statement, lookup))
        if kept is not None:
            return kept
        answer = statement.subquery("answer")
        caller = lookup.add_columns(literal_column("1").label("found")).subquery("caller")
        both = select(answer.c[0].label("answer"), *caller.c).select_from(
            answer.outerjoin(caller, true())
        )
        if len(self._with_caller) < 2 * SHAPES_PER_TEMPLATE:
            self._with_caller[(statement, lookup)] = both
        return both


def _template(
    info: Info,
    executor: CompilingExecutor,
    sql: JsonSql,
    build: Callable[[Builder, Any, FieldDetailsList], Built],
) -> Template | None:
    """The root field's statement template, from the plan when built before (a repeated
    operation skips the compiler), else built and kept. None: it does not compile."""
    raw = info._raw_info
    plan = current_plan()
    key: tuple[Any, ...] | None = None
    if plan is not None:
        names = plan.compiled.get(("variables", raw.path.key))
        if names is None:
            names = plan.compiled[("variables", raw.path.key)] = _variables_read(
                raw.field_nodes, raw.fragments
            )
        # Strawberry hands resolvers graphql-core's coerced values as a plain dict.
        values: Mapping[str, Any] = getattr(raw.variable_values, "coerced", raw.variable_values)  # type: ignore[arg-type]
        # The dialect too: one schema (and plan cache) may serve both databases.
        key = (sql.name, raw.path.key, *(json.dumps(values.get(n), default=str) for n in names))
        if key in plan.compiled:
            cached: Template | None = plan.compiled[key]
            return cached
    details = [FieldDetails(node, None) for node in raw.field_nodes]
    try:
        template: Template | None = Template(
            *build(Builder(executor, sql), raw.return_type, details)
        )
    except NotCompilable:
        template = None
    if plan is not None and key is not None and len(plan.compiled) < TEMPLATES_PER_PLAN:
        plan.compiled[key] = template
    return template


def _variables_read(
    field_nodes: Sequence[FieldNode], fragments: Mapping[str, Any]
) -> tuple[str, ...]:
    """The variables the fields' selections read (directives, nested arguments; not the
    root field's own arguments, which its resolver reads), fragments walked once each."""
    names: dict[str, None] = {}
    spread: dict[str, None] = {}

    class Reader(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names[node.name.value] = None

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            spread.setdefault(node.name.value, None)

    for field_node in field_nodes:
        if field_node.selection_set is not None:
            visit(field_node.selection_set, Reader())
    walked: set[str] = set()
    while len(walked) < len(spread):
        for name in [n for n in spread if n not in walked]:
            walked.add(name)
            fragment = fragments.get(name)
            if fragment is not None:
                visit(getattr(fragment, "definition", fragment), Reader())
    return tuple(sorted(names))


async def _compiled(
    info: Info,
    org_id: uuid.UUID,
    rows: Callable[[], CTE],
    build: Callable[[Builder, Any, FieldDetailsList], Built],
    **parameters: Any,
) -> Compiled | None:
    """The root field's answer as one statement's JSON, or None when it does not compile
    (the resolver reads it). ``rows`` builds the root's ``page`` rows, only once the
    field is known to compile: the resolver path never pays for them."""
    executor = _executor.get()
    ctx = info.context
    sql = json_sql(ctx.engine.dialect.name)
    if executor is None or sql is None or not ctx.settings.compile_selections:
        return None
    if executor.operation is not info._raw_info.operation:
        # Left in this task's context by an earlier operation: not the one resolving.
        return None
    template = _template(info, executor, sql, build)
    if template is None:
        return None
    statement, values = template.bound.bind(rows())
    values = {ORG: org_id, **parameters, **values}
    async with ctx.reading(confirms=True) as connection:
        # A guessed caller is confirmed here, its row read beside the answer: one
        # statement (gateway/callers.py, "Guessed callers").
        lookup = ctx.unconfirmed()
        if isinstance(lookup, GatewayError):
            # The credential itself no longer passes: the operation runs again.
            ctx.settle(lookup, None)
            raise lookup
        if lookup is None:
            text = (await connection.execute(statement, values)).scalar_one()
        else:
            both = template.with_caller(statement, lookup.statement)
            row = await ctx.first_row(connection, both, {**values, **lookup.values})
            ctx.settle(lookup, None if row.found is None else row)
            text = row.answer
    return Compiled("null" if text is None else text, template.shape, splice=ctx.splice_json)


async def compiled_row(
    info: Info,
    org_id: uuid.UUID,
    table: FromClause,
    conditions: Sequence[ColumnElement[bool]],
) -> Compiled | None:
    """A root field answering one row (or null) of ``table``."""
    return await _compiled(
        info, org_id, lambda: rows_of(table, conditions, [table.c.id]), lambda b, t, d: b.one(t, d)
    )


async def compiled_rows(
    info: Info,
    org_id: uuid.UUID,
    table: FromClause,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    limit: int | None = None,
) -> Compiled | None:
    """A root field answering a list of rows of ``table`` in ``order`` (the first
    ``limit`` of them, if given)."""
    return await _compiled(
        info, org_id, lambda: rows_of(table, conditions, order, limit), lambda b, t, d: b.rows(t, d)
    )


async def compiled_page(info: Info, org_id: uuid.UUID, keyset: Keyset) -> Compiled | None:
    """A root field answering a connection over one ``keyset`` page."""
    cursor = keyset.cursor
    return await _compiled(
        info,
        org_id,
        lambda: rows_of(keyset.table, keyset.conditions, keyset.order, keyset.first + 1),
        lambda b, t, d: b.page(t, cursor, d),
        first=keyset.first,
    )


async def compiled_offset_page(
    info: Info,
    org_id: uuid.UUID,
    statement: Select[Any],
    order: Sequence[ColumnElement[Any]],
    *,
    first: int,
    offset: int,
) -> Compiled | None:
    """A root field answering ``{totalCount, results}`` over its resolver's ``statement``
    (rows of one table, at least the columns its type declares): how many rows it
    selects, and ``first`` of them in ``order`` after the first ``offset``. The statement
    is read as it stands, so both paths count and list the same rows, and a column it
    leaves out (a secret) is not read either."""

    def rows() -> CTE:
        numbered = statement.add_columns(func.row_number().over(order_by=order).label("ord"))
        return numbered.cte(PAGE)

    # ``until`` is offset + first, added here: asyncpg cannot type a sum of parameters.
    until = offset + first
    return await _compiled(
        info, org_id, rows, lambda b, t, d: b.offset_page(t, d), offset=offset, until=until
    )


def dumps(data: object) -> str:
    """Compact JSON (as Strawberry writes a response) with each RawJSON's text spliced
    in where it stands, never parsed. A placeholder carries a per-call random token, so
    no string of the answer can pass for one."""
    raws: list[str] = []
    token = secrets.token_hex(8)

    def default(value: object) -> object:
        if isinstance(value, RawJSON):
            raws.append(value.text)
            return f"\x00{token}:{len(raws) - 1}"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(data, separators=(",", ":"), default=default)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00{token}:{index}"), raw, 1)
    return text


def loads_spliced(data: Any) -> Any:
    """``data`` with every RawJSON parsed, for code that reads an answer's values."""
    if isinstance(data, RawJSON):
        return json.loads(data.text)
    if isinstance(data, dict):
        return {key: loads_spliced(value) for key, value in data.items()}
    if isinstance(data, list):
        return [loads_spliced(value) for value in data]
    return data


__all__ = ["Compiled", "CompilingExecutor", "Keyset", "RawJSON", "dumps"]
