"""Plain fields (an attribute, a scalar or enum, no resolver, arguments or extension) are
completed without graphql-core's per-field machinery (gateway/compiler/plain.py): the
answers, their key order and every error are the ones graphql-core gives."""

from __future__ import annotations

import enum
import json
from typing import Any

import strawberry
from strawberry.permission import PermissionExtension

from gateway.compiler import plain
from gateway.compiler.run import CompilingExecutor


@strawberry.enum
class Status(enum.Enum):
    UP = "up"
    DOWN = "down"


@strawberry.type
class Item:
    name: str
    note: str | None
    status: Status
    count: int

    @strawberry.field
    def shout(self, suffix: str = "!") -> str:
        return self.name.upper() + suffix


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        # Nullable items: an error nulls its item alone, so every item's errors show.
        return [
            Item(name="a", note=None, status=Status.UP, count=1),
            Item(name=None, note="n", status=Status.DOWN, count=2),  # type: ignore[arg-type]
            Item(name="c", note="x", status="sideways", count=3),  # type: ignore[arg-type]
            Item(name="d", note="y", status=Status.UP, count="many"),  # type: ignore[arg-type]
        ]


QUERY = """{ items { __typename count label: name note status shout(suffix: "?")
  again: note } }"""


def _answer(schema: strawberry.Schema) -> str:
    result = schema.execute_sync(QUERY)
    errors = [(e.message, e.path) for e in result.errors or []]
    return json.dumps({"data": result.data, "errors": sorted(errors, key=str)})


def test_the_same_answer_and_errors_as_graphql_core(monkeypatch: Any) -> None:
    completed: list[str] = []
    original = plain.complete_plain

    def counting(spec: Any, source: Any) -> Any:
        completed.append(source.name)
        return original(spec, source)

    monkeypatch.setattr("gateway.compiler.run.complete_plain", counting)
    fast = strawberry.Schema(query=Query, execution_context_class=CompilingExecutor)
    assert _answer(fast) == _answer(strawberry.Schema(query=Query))
    # count, label, note, status and again for each of the 4 items: the fast path ran
    assert len(completed) == 20


def test_a_field_with_a_resolver_arguments_or_a_guard_is_not_plain() -> None:
    schema = strawberry.Schema(query=Query)._schema
    assert sorted(plain.plain_fields(schema, schema.type_map["Item"])) == [
        "count",
        "name",
        "note",
        "status",
    ]
    guarded = strawberry.Schema(query=Root)._schema
    assert plain.plain_fields(guarded, guarded.type_map["Guarded"]) == {}


@strawberry.type
class Guarded:
    secret: str = strawberry.field(extensions=[PermissionExtension(permissions=[])])


@strawberry.type
class Root:
    guarded: Guarded
