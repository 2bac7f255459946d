"""Refuses a GraphQL request whose values break the input rules of ``gateway.inputs``.

One check over the request's inputs, right after parsing and before validation and
execution: the variables, the document's string and list literals, and the operation
name. So no resolver, driver or error message (which could quote the value) ever sees
a NUL, a lone surrogate, an oversized text or list, or a too deeply nested value. REST
calls run through the same schema, so their variables pass here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, ListValueNode, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from gateway.errors import bad_input
from gateway.inputs import MAX_LIST, text_problem, value_problem
from gateway.plan_cache import UNREAD, current_plan


class _Literals(Visitor):
    """The first problem among a document's string and list literals."""

    def __init__(self) -> None:
        super().__init__()
        self.problem: str | None = None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        self.problem = text_problem(node.value)
        return self.BREAK if self.problem else None

    def enter_list_value(self, node: ListValueNode, *_: Any) -> Any:
        if len(node.values) > MAX_LIST:
            self.problem = f"a list of more than {MAX_LIST} items"
            return self.BREAK
        return None


def document_problem(document: DocumentNode) -> str | None:
    plan = current_plan()
    if plan is not None and plan.document is document and plan.literal_problem != UNREAD:
        return plan.literal_problem
    visitor = _Literals()
    visit(document, visitor)
    if plan is not None and plan.document is document:
        plan.literal_problem = visitor.problem
    return visitor.problem


class InputGuard(SchemaExtension):
    """BAD_USER_INPUT, naming the rule but never the value, for a request that breaks one."""

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None:
            return  # the parse failed, and that is the answer
        for where, problem in (
            ("the operation name", text_problem(context.operation_name or "")),
            ("the query", text_problem(context.query or "", limit=len(context.query or ""))),
            ("the variables", value_problem(context.variables or {})),
            ("an argument", document_problem(context.graphql_document)),
        ):
            if problem is not None:
                raise bad_input(f"{where} cannot be accepted: {problem}")
