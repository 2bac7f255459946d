"""A selection, as graphql-core collected it, built into one JSON expression in SQL.

Walks each selection set once (graphql-core's ``collect_subfields`` has already applied
fragments, aliases, ``@include``/``@skip`` and merged repeated fields), so the work is
linear in the selection. A field a node does not declare becomes a *fallback*: null in
the SQL, filled afterwards by the type's own resolver (gateway/compiler/run.py), if the
field may be null; a non-null one makes its whole root field go to the resolvers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    get_argument_values,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    TableClause,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
    table,
)
from sqlalchemy import column as sql_column

from gateway.compiler.render import MAX_KEYS, JsonSql
from gateway.compiler.spec import NODES, Column, Node, ToMany, ToOne, kind_of
from gateway.errors import GatewayError
from gateway.sql import inline_limit

# The hidden key of an object with fallback fields: its row, to rebuild the object.
ROW = "__row"
PAGE = "page"
ORG = "org_id"


def _guarded(graphql_field: Any) -> bool:
    definition = (graphql_field.extensions or {}).get("strawberry-definition")
    return bool(getattr(definition, "extensions", None))


class NotCompilable(Exception):
    """This selection goes to the resolvers."""


@dataclass
class Fallback:
    field_details: FieldDetailsList
    parent_type: GraphQLObjectType


@dataclass
class Shape:
    """Where, under a compiled value, fallback fields wait for their resolvers."""

    node: Node | None = None
    fallbacks: dict[str, Fallback] = field(default_factory=dict)
    children: dict[str, Shape] = field(default_factory=dict)
    # Keys holding a cursor's values, to encode (where the database cannot).
    cursors: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.fallbacks or self.children or self.cursors)


# What a wrapper's member leaves to the answer's reader (gateway/compiler/run.py): the
# shape of fallbacks under it, a cursor to encode (where the database cannot), or nothing.
Read = Shape | Literal["cursor"] | None


@dataclass(frozen=True)
class Keyset:
    """A root connection's rows: its table's conditions (the organisation's among them),
    keyset order, the columns its cursor holds, and the page size."""

    table: FromClause
    conditions: Sequence[ColumnElement[bool]]
    order: Sequence[ColumnElement[Any]]
    cursor: Sequence[str]
    first: int


class Builder:
    def __init__(self, executor: Any, sql: JsonSql) -> None:
        self.executor = executor
        self.sql = sql
        self._names = itertools.count()

    def _org(self, table: FromClause) -> ColumnElement[Any]:
        # Bound per execution: a template serves every organisation.
        return bindparam(ORG, type_=table.c.org_id.type)

    def _alias(self, node: Node) -> FromClause:
        return node.table.alias(f"t{next(self._names)}")

    def _subfields(
        self, graphql_type: GraphQLObjectType, field_details: FieldDetailsList
    ) -> dict[str, FieldDetailsList]:
        collected = self.executor.collect_subfields(graphql_type, field_details)
        grouped: dict[str, FieldDetailsList] = collected.grouped_field_set
        return grouped

    # --- objects -------------------------------------------------------------------

    def object(
        self,
        node: Node,
        graphql_type: GraphQLObjectType,
        rows: FromClause,
        field_details: FieldDetailsList,
    ) -> tuple[ColumnElement[Any], Shape]:
        """The JSON object of one row of ``rows`` (``node``'s table or a select of it)."""
        pairs: list[tuple[str, ColumnElement[Any]]] = []
        shape = Shape(node)
        for response_name, details in self._subfields(graphql_type, field_details).items():
            name = details[0].node.name.value
            if name == "__typename":
                pairs.append((response_name, literal(graphql_type.name, String)))
                continue
            graphql_field = graphql_type.fields[name]
            # A field with a guard of its own (a role, a scope) is its resolver's to
            # answer: the compiler checks only the organisation.
            member = None if _guarded(graphql_field) else node.fields.get(name)
            value: ColumnElement[Any] | None = None
            if isinstance(member, Column):
                kind = kind_of(node.table.c[member.column])
                if kind is not None:
                    value = self.sql.value(rows.c[member.column], kind)
            elif isinstance(member, ToOne):
                value = self._to_one(
                    member, graphql_field.type, rows, details, shape, response_name
                )
            elif isinstance(member, ToMany):
                value = self._to_many(member, graphql_field, rows, details, shape, response_name)
            if value is None:
                if isinstance(graphql_field.type, GraphQLNonNull) or name in node.to_resolvers:
                    raise NotCompilable(f"{graphql_type.name}.{name}")
                shape.fallbacks[response_name] = Fallback(details, graphql_type)
                value = null()
            pairs.append((response_name, value))
        if shape.fallbacks:
            pairs.append((ROW, self._row(node, rows)))
        if len(pairs) > MAX_KEYS:
            raise NotCompilable("too many fields for one JSON object")
        return self.sql.obj(pairs), shape

    def _row(self, node: Node, rows: FromClause) -> ColumnElement[Any]:
        pairs = []
        for column in node.table.c:
            kind = kind_of(column)
            if kind is not None:
                pairs.append((column.name, self.sql.value(rows.c[column.name], kind)))
        if len(pairs) > MAX_KEYS:
            raise NotCompilable("too many columns to carry for a fallback")
        return self.sql.obj(pairs)

    def _nested(
        self,
        target_name: str,
        graphql_type: Any,
        details: FieldDetailsList,
        shape: Shape,
        response_name: str,
    ) -> tuple[FromClause, ColumnElement[Any]]:
        """A related node's own alias and its object, its fallbacks noted in ``shape``."""
        target = NODES[target_name]
        table = self._alias(target)
        built, sub = self.object(target, get_named_type(graphql_type), table, details)
        if sub:
            shape.children[response_name] = sub
        return table, built

    def _to_one(
        self,
        member: ToOne,
        graphql_type: Any,
        rows: FromClause,
        details: FieldDetailsList,
        shape: Shape,
        response_name: str,
    ) -> ColumnElement[Any]:
        table, built = self._nested(member.target, graphql_type, details, shape, response_name)
        one = (
            select(built)
            .where(table.c.id == rows.c[member.key], table.c.org_id == self._org(table))
            .correlate(rows)
            .scalar_subquery()
        )
        return self.sql.nested(one)

    def _to_many(
        self,
        member: ToMany,
        graphql_field: Any,
        rows: FromClause,
        details: FieldDetailsList,
        shape: Shape,
        response_name: str,
    ) -> ColumnElement[Any]:
        arguments = get_argument_values(
            graphql_field, details[0].node, self.executor.variable_values
        )
        table, built = self._nested(
            member.target, graphql_field.type, details, shape, response_name
        )
        try:
            conditions, limit = member.arguments(table, arguments)
        except GatewayError as refusal:
            # The resolver answers it, with its error at each parent's path.
            raise NotCompilable(refusal.message) from None
        order = [
            table.c[column].desc() if descending else table.c[column]
            for column, descending in member.order
        ]
        org = self._org(table)
        listed = select(built.label("j"), func.row_number().over(order_by=order).label("n"))
        if member.through is None:
            assert member.foreign_key is not None
            listed = listed.where(table.c[member.foreign_key] == rows.c.id)
        else:
            link = member.through.table.alias(f"t{next(self._names)}")
            listed = listed.select_from(
                table.join(
                    link,
                    and_(
                        link.c[member.through.target] == table.c.id,
                        link.c.org_id == table.c.org_id,
                    ),
                )
            ).where(link.c[member.through.own] == rows.c.id, link.c.org_id == org)
        listed = (
            listed.where(table.c.org_id == org, *conditions)
            .order_by(*order)
            .limit(None if limit is None else inline_limit(limit))
            # Read inside a derived table, which correlates only when told to.
            .correlate(rows)
        )
        return self.sql.array(listed, "j", "n")

    # --- roots ---------------------------------------------------------------------
    # A root's statement is a template over the rows it answers, read from a CTE named
    # ``page`` that ``rows_of`` builds per request (the root's own conditions). The
    # template, which depends only on the selection, is built once per operation and
    # root field (gateway/compiler/run.py); the organisation and page size are bound
    # parameters.

    def one(self, graphql_type: Any, field_details: FieldDetailsList) -> tuple[Select[Any], Shape]:
        node, object_type = self._node_of(graphql_type)
        page = _page_table(node)
        built, shape = self.object(node, object_type, page, field_details)
        # As a scalar subquery: no row found is one row of NULL (the field's null).
        found = select(self.sql.as_text(built)).select_from(page)
        return select(found.scalar_subquery()), shape

    def rows(self, graphql_type: Any, field_details: FieldDetailsList) -> tuple[Select[Any], Shape]:
        node, object_type = self._node_of(graphql_type)
        page = _page_table(node)
        built, shape = self.object(node, object_type, page, field_details)
        listed = select(built.label("j"), page.c.ord.label("n"))
        return select(self.sql.as_text(self.sql.array(listed, "j", "n"))), shape

    def page(
        self, graphql_type: Any, cursor_columns: Sequence[str], field_details: FieldDetailsList
    ) -> tuple[Select[Any], Shape]:
        """A connection (edges, nodes, pageInfo) over one keyset page: ``page`` holds up
        to ``first + 1`` rows, the last telling whether more follow."""
        connection = get_named_type(graphql_type)
        assert isinstance(connection, GraphQLObjectType)
        edge_type = get_named_type(connection.fields["edges"].type)
        node, node_type = self._node_of(edge_type.fields["node"].type)
        ordered = _page_table(node)
        first = bindparam("first", type_=Integer())
        kept = ordered.c.ord <= first

        def cursor() -> ColumnElement[Any]:
            values = []
            for column in cursor_columns:
                kind = kind_of(node.table.c[column])
                assert kind is not None
                values.append(self.sql.value(ordered.c[column], kind))
            return self.sql.cursor(values)

        def edge(name: str, details: FieldDetailsList) -> tuple[ColumnElement[Any], Read]:
            if name == "cursor":
                return cursor(), "cursor"
            if name == "node":
                return self.object(node, node_type, ordered, details)
            raise NotCompilable(f"{edge_type.name}.{name}")

        def page_info(
            info_type: GraphQLObjectType,
        ) -> Callable[[str, FieldDetailsList], tuple[ColumnElement[Any], Read]]:
            def member(name: str, details: FieldDetailsList) -> tuple[ColumnElement[Any], Read]:
                if name == "hasNextPage":
                    count = select(func.count()).select_from(ordered).scalar_subquery()
                    return self.sql.boolean(count > first), None
                if name == "endCursor":
                    last = (
                        select(cursor())
                        .where(kept)
                        .order_by(ordered.c.ord.desc())
                        .limit(inline_limit(1))
                        .scalar_subquery()
                    )
                    return self.sql.nested(last), "cursor"
                raise NotCompilable(f"{info_type.name}.{name}")

            return member

        def member(name: str, details: FieldDetailsList) -> tuple[ColumnElement[Any], Read]:
            if name == "nodes":
                built, sub = self.object(node, node_type, ordered, details)
                return self._listed(built, ordered, kept), sub
            if name == "edges":
                built, sub = self._wrapper(edge_type, details, edge)
                return self._listed(built, ordered, kept), sub
            if name == "pageInfo":
                info_type = get_named_type(connection.fields["pageInfo"].type)
                return self._wrapper(info_type, details, page_info(info_type))
            raise NotCompilable(f"{connection.name}.{name}")

        built, shape = self._wrapper(connection, field_details, member)
        return select(self.sql.as_text(built)), shape

    def offset_page(
        self, graphql_type: Any, field_details: FieldDetailsList
    ) -> tuple[Select[Any], Shape]:
        """A ``{totalCount, results}`` page by first/offset: ``page`` holds every row of
        the list, numbered, so that the count and the page come from one read of it."""
        listing = get_named_type(graphql_type)
        assert isinstance(listing, GraphQLObjectType)
        node, node_type = self._node_of(listing.fields["results"].type)
        ordered = _page_table(node)
        kept = and_(
            ordered.c.ord > bindparam("offset", type_=Integer()),
            ordered.c.ord <= bindparam("until", type_=Integer()),
        )

        def member(name: str, details: FieldDetailsList) -> tuple[ColumnElement[Any], Read]:
            if name == "totalCount":
                return select(func.count()).select_from(ordered).scalar_subquery(), None
            if name == "results":
                built, sub = self.object(node, node_type, ordered, details)
                return self._listed(built, ordered, kept), sub
            raise NotCompilable(f"{listing.name}.{name}")

        built, shape = self._wrapper(listing, field_details, member)
        return select(self.sql.as_text(built)), shape

    def _wrapper(
        self,
        graphql_type: GraphQLObjectType,
        field_details: FieldDetailsList,
        member: Callable[[str, FieldDetailsList], tuple[ColumnElement[Any], Read]],
    ) -> tuple[ColumnElement[Any], Shape]:
        """The JSON object of a type around the rows (a page, an edge, page info), each
        field but ``__typename`` built by ``member``, which also says how the answer's
        reader finishes it (``Read``)."""
        pairs: list[tuple[str, ColumnElement[Any]]] = []
        shape = Shape()
        for response_name, details in self._subfields(graphql_type, field_details).items():
            name = details[0].node.name.value
            if name == "__typename":
                pairs.append((response_name, literal(graphql_type.name, String)))
                continue
            value, read = member(name, details)
            if read == "cursor":
                if not self.sql.cursors:
                    shape.cursors.add(response_name)
            elif read:
                shape.children[response_name] = read
            pairs.append((response_name, value))
        return self.sql.obj(pairs), shape

    def _listed(
        self, built: ColumnElement[Any], ordered: FromClause, kept: ColumnElement[bool]
    ) -> ColumnElement[Any]:
        listed = select(built.label("j"), ordered.c.ord.label("n")).where(kept)
        return self.sql.array(listed, "j", "n")

    def _node_of(self, graphql_type: Any) -> tuple[Node, GraphQLObjectType]:
        return node_of(graphql_type)


def node_of(graphql_type: Any) -> tuple[Node, GraphQLObjectType]:
    """The declared node of a field's (named) type, or NotCompilable."""
    named = get_named_type(graphql_type)
    node = NODES.get(named.name)
    if node is None or not isinstance(named, GraphQLObjectType):
        raise NotCompilable(f"{named.name} declares no compilable fields")
    return node, named


def _page_table(node: Node) -> TableClause:
    """The ``page`` CTE as the template reads it: the node's columns and ``ord``."""
    columns = [sql_column(c.name, c.type) for c in node.table.c]
    return table(PAGE, *columns, sql_column("ord", Integer()))


def rows_of(
    table_: FromClause,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    limit: int | None = None,
) -> CTE:
    """The rows a root answers, numbered in ``order``: the template's ``page``."""
    numbered = select(*table_.c, func.row_number().over(order_by=order).label("ord")).where(
        *conditions
    )
    if limit is not None:
        numbered = numbered.order_by(*order).limit(inline_limit(limit))
    return numbered.cte(PAGE)
