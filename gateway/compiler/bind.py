"""A root's whole statement, kept as one object per shape of its ``page`` rows.

A template (run.py) is built once per operation, but the ``page`` CTE under it comes
from the root resolver's own conditions on every request: values in fresh bound
parameters. Adding it to the template made a new statement per request, and SQLAlchemy
then walked the whole tree again for its cache key before finding the compiled SQL it
already had (the biggest part of a small query's own time). Here the rows' parameters
are swapped, once per shape (which conditions, not their values), for named ones; the
statement that results is kept and reused, so SQLAlchemy keys it once, and a request
only walks its small ``page`` for the values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, BindParameter, Select, bindparam
from sqlalchemy.sql.visitors import replacement_traverse

# Shapes kept per template: a root's filters, present or not, and its cursor.
SHAPES_PER_TEMPLATE = 16
_PREFIX = "page_"


class BoundStatements:
    """The template with each shape of ``page`` rows added, and their values per call."""

    __slots__ = ("_shapes", "_template")

    def __init__(self, template: Select[Any]) -> None:
        self._template = template
        self._shapes: dict[Any, Select[Any]] = {}

    def bind(self, rows: CTE) -> tuple[Select[Any], dict[str, Any]]:
        """The statement for ``rows`` and the values of its named parameters."""
        key = rows._generate_cache_key()
        if key is None:  # an element SQLAlchemy cannot cache: nothing to reuse
            return self._template.add_cte(rows), {}
        # One name per parameter object (an object may stand twice in the rows).
        names: dict[int, str] = {}
        values: dict[str, Any] = {}
        for parameter in key.bindparams:
            if id(parameter) not in names:
                name = names[id(parameter)] = f"{_PREFIX}{len(names)}"
                values[name] = parameter.effective_value
        statement = self._shapes.get(key.key)
        if statement is None:
            statement = self._template.add_cte(_named(rows, names))
            if len(self._shapes) < SHAPES_PER_TEMPLATE:
                self._shapes[key.key] = statement
        return statement, values


def _named(rows: CTE, names: dict[int, str]) -> CTE:
    """``rows`` with each bound parameter replaced by a named one of the same type."""

    def replace(element: Any) -> Any:
        if isinstance(element, BindParameter) and id(element) in names:
            return bindparam(
                names[id(element)],
                type_=element.type,
                expanding=element.expanding,
                literal_execute=element.literal_execute,
            )
        return None

    options: dict[str, Any] = {}
    named: CTE = replacement_traverse(rows, options, replace)  # type: ignore[call-overload]
    return named
