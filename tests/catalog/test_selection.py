"""``selects``: whether a field's selection asks for a name, through fragments, walking
each fragment once (a document that spreads fragments twice over stays linear)."""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from resolvers.selection import _selects


class CountingFragments(dict[str, FragmentDefinitionNode]):
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        super().__init__(fragments)
        self.looked_up = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.looked_up += 1
        return super().get(key, default)


def chain(levels: int, last: str) -> str:
    """``F0 { ...F1 ...F1 }``, ``F1 { ...F2 ...F2 }``, …: 2^levels spreads when expanded."""
    body = [f"fragment F{n} on Deployment {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    body.append(f"fragment F{levels} on Deployment {{ {last} }}")
    return "{ components { nodes { deployments { ...F0 } } } }\n" + "\n".join(body)


def question(document: str) -> tuple[Any, CountingFragments]:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = CountingFragments(
        {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    )
    components = operation.selection_set.selections[0]
    nodes = components.selection_set.selections[0]  # type: ignore[union-attr]
    deployments = nodes.selection_set.selections[0]  # type: ignore[union-attr]
    return deployments.selection_set, fragments  # type: ignore[union-attr]


def test_a_name_found_at_the_end_of_a_doubling_chain_of_fragments() -> None:
    # given: 16 levels, 2^16 spreads when expanded
    selection, fragments = question(chain(16, "environment { name }"))

    # when
    found = _selects(selection, "environment", fragments, set())

    # then: found, with each fragment looked up once
    assert found is True
    assert fragments.looked_up == 17


def test_a_name_absent_from_a_doubling_chain_is_answered_in_one_walk() -> None:
    # given
    selection, fragments = question(chain(16, "version"))

    # when
    found = _selects(selection, "environment", fragments, set())

    # then: each fragment looked up once, its second spread skipped
    assert found is False
    assert fragments.looked_up == 17
