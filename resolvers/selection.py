"""What the operation asks of the field being resolved, read from its document."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from gateway.context import Info


def selects(info: Info, name: str) -> bool:
    """Whether the field being resolved selects ``name`` on its result, directly or
    through fragments. ``@include``/``@skip`` are not evaluated: a skipped field counts
    as selected, so a caller may prefetch more than needed, never less."""
    raw = info._raw_info
    seen: set[str] = set()
    return any(_selects(node.selection_set, name, raw.fragments, seen) for node in raw.field_nodes)


def _selects(
    selection_set: SelectionSetNode | None,
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    # Each fragment is walked once per question: a document that spreads one fragment
    # many times (or fragments that spread each other twice over) stays linear.
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _selects(selection.selection_set, name, fragments, seen):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            spread = selection.name.value
            if spread in seen:
                continue
            seen.add(spread)
            fragment = fragments.get(spread)
            if fragment is not None and _selects(fragment.selection_set, name, fragments, seen):
                return True
    return False
