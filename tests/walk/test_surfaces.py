"""The call builder says what to declare when it cannot call a field, instead of
leaving the field out of the walks."""

from __future__ import annotations

import uuid

import pytest
import strawberry

from tests.walk.surfaces import Undeclared, every_call

KINDS = {"User", "Component"}


def calls_of(query: type) -> None:
    every_call(strawberry.Schema(query=query)._schema, [], KINDS)


def test_an_id_argument_naming_no_known_row_asks_for_an_alias() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def gadget(self, widget_id: uuid.UUID) -> int:
            return 1

    with pytest.raises(Undeclared) as refused:
        calls_of(Query)

    assert str(refused.value) == (
        "Query.gadget.widgetId: cannot tell which row the id argument 'widgetId' names "
        "(tried Widget); declare it in ID_ALIASES in tests/walk/surfaces.py, and give the "
        "walk's dataset (tests/walk/dataset.py) a row of that type"
    )


def test_a_required_uuid_not_named_like_an_id_asks_for_a_value() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def gadget(self, token: uuid.UUID) -> int:
            return 1

    with pytest.raises(Undeclared) as refused:
        calls_of(Query)

    assert str(refused.value) == (
        "Query.gadget.token: a required UUID not named like an id; declare its value in "
        "VALUES in tests/walk/surfaces.py"
    )


def test_ids_named_by_their_type_or_an_alias_become_slots() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def gadget(self, component_id: uuid.UUID, author_ids: list[uuid.UUID] | None = None) -> int:
            return 1

    (call,) = every_call(strawberry.Schema(query=Query)._schema, [], KINDS)

    assert [(s.where, s.kind, s.required) for s in call.slots] == [
        ("Query.gadget.componentId", "Component", True),
        ("Query.gadget.authorIds", "User", False),
    ]
    assert call.document == (
        "query($componentId: UUID!, $authorIds: [UUID!]) "
        "{ gadget(componentId: $componentId, authorIds: $authorIds)  }"
    )
