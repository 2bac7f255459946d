"""Plain fields completed without graphql-core's per-field machinery.

A field that reads an attribute of its parent and returns a scalar or an enum (no
resolver, no arguments, no permission or other field extension: Strawberry's "basic"
field) cost the resolver path a Path, a resolve info, a resolver call and the
completion checks, each time, on every row: most of the nested query's time. Here such
a field's value is read and coerced directly. Anything unusual (a null where the type
forbids one, a value its type cannot coerce) goes the normal way, so the errors stay
graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Undefined
from strawberry.types.field import StrawberryField

# (read the value from a parent, the leaf type, whether null is allowed)
Plain = tuple[Callable[[Any], Any], GraphQLScalarType | GraphQLEnumType, bool]

_by_type: dict[int, tuple[GraphQLObjectType, dict[str, Plain]]] = {}


def plain_fields(schema: GraphQLSchema, parent: GraphQLObjectType) -> dict[str, Plain]:
    """The plain fields of ``parent`` by name (kept per type: a schema is built once)."""
    kept = _by_type.get(id(parent))
    if kept is not None and kept[0] is parent:
        return kept[1]
    found: dict[str, Plain] = {}
    for name, field in parent.fields.items():
        plain = _plain(field)
        if plain is not None:
            found[name] = plain
    _by_type[id(parent)] = (parent, found)
    return found


def _plain(field: GraphQLField) -> Plain | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    nullable = not isinstance(field.type, GraphQLNonNull)
    leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    resolver, attribute = definition.default_resolver, definition.python_name
    return (lambda source: resolver(source, attribute)), leaf, nullable


def complete_plain(plain: Plain, source: Any) -> Any:
    """The field's completed value, or Undefined where the normal way must answer (an
    error to report, at the field's path)."""
    read, leaf, nullable = plain
    try:
        value = read(source)
        if value is None:
            return None if nullable else Undefined
        coerced = leaf.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced
