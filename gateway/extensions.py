"""Error codes and masking, and the request's connection: its lifetime, and which
database a mutation runs on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.context import Context
from gateway.errors import GatewayError

log = logging.getLogger("gateway.errors")

MASKED_MESSAGE = "Internal server error."


def classify(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: a code always, internals never."""
    if error.extensions and "code" in error.extensions:
        return error  # already classified
    original = error.original_error
    if isinstance(original, GatewayError):
        extensions: dict[str, Any] = {"code": original.code}
        if original.details:
            extensions["details"] = original.details
        error.extensions = extensions
        return error
    if error.path is None:
        # Raised before execution: a parse, validation or variable coercion error,
        # which is how a malformed UUID, enum or number argument surfaces.
        error.extensions = {"code": "BAD_USER_INPUT"}
        return error
    log.error("unexpected error at %s", error.path, exc_info=original or error)
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


class CloseRequestConnection(SchemaExtension):
    """Returns the request's read connection to the pool when the operation ends; lets
    a query guess its caller, and confirms the guess before the answer leaves
    (gateway/callers.py, "Guessed callers")."""

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            # A WebSocket's operations share one context: each may use the database again.
            context.reopen()
        try:
            yield
            if isinstance(context, Context):
                await context.confirm_caller()
        finally:
            if isinstance(context, Context):
                # After the operation (a REST path's shaping, its errors) the live
                # caller answers.
                context.guess_caller(query=False)
            close = getattr(self.execution_context.context, "close", None)
            if close is not None:
                await close()

    async def on_execute(self) -> AsyncIterator[None]:
        # Before the other extensions' on_execute: the answer cache's key and the cost
        # budget may read the guess too.
        context = self.execution_context.context
        if isinstance(context, Context):
            context.guess_caller(query=self.execution_context.operation_type is OperationType.QUERY)
        yield


class MutationsOnPrimary(SchemaExtension):
    """A mutation runs wholly on the primary, from its first statement: a read-modify-
    write that read the replica could decide on rows older than the ones it changes.
    Queries and subscriptions read the replica while it may serve (gateway/replica.py)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and self.execution_context.operation_type is OperationType.MUTATION
        ):
            await context.use_primary()
        yield
