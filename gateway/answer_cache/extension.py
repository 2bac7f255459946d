"""Serving a GraphQL query's answer from the answer cache, and storing it there.

Both front doors pass here: ``/graphql`` (POST, GET, WebSocket) and the REST paths,
whose stored operations run on the same schema (rest_compat/routing.py).

What is cached: the answer of a *query* (never a mutation or a subscription) that ran
without a single error, asked with a credential that authenticated. A refusal is an
error, so it is never stored; and the key holds everything the permission checks read
(``Context.require``: role, plan, token scopes), so an answer is only ever served to a
caller whom every check of the document would have let through the same way.

The key: the organisation, its generation (gateway/answer_cache/store.py), and a
digest of the caller's role, plan and scopes, the document, the operation name and
the variables as canonical JSON. Answers are shared by the organisation's callers with
the same rights, except where a field's answer depends on who asks beyond those:

- ``metadata=PER_USER`` on a field adds the user to the key of any document selecting
  it (``viewer``, and the dashboards, which a user opens by department and authorship);
- ``metadata=NEVER_CACHED`` keeps any document selecting it out of the cache (the live
  figures of this replica's own requests and host, which another replica must not
  serve for it).

An answer depends on the request's "now" too (windows ending at now): within the TTL
the cached one's "now" stands, as the seed's "cache aggregates" advice accepts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.answer_cache.store import AnswerCache, Found
from gateway.auth import Principal
from gateway.compiler.run import dumps
from gateway.context import Context
from gateway.metrics import ANSWER_CACHE_LOOKUPS

POLICY = "answer_cache"
PER_USER = {POLICY: "per_user"}
NEVER_CACHED = {POLICY: "never"}


class _Policies(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        field = self.type_info.get_field_def()
        definition = (field.extensions or {}).get("strawberry-definition") if field else None
        metadata = getattr(definition, "metadata", None) or {}
        if POLICY in metadata:
            self.found.add(metadata[POLICY])


@lru_cache(maxsize=1024)
def policy_of(schema: GraphQLSchema, query: str) -> str:
    """``never``, ``per_user`` or ``shared``: the strictest of the document's fields.

    Every field of the document counts, whichever operation runs: a superset is safe,
    and one walk per distinct document (cached) is cheap.
    """
    type_info = TypeInfo(schema)
    policies = _Policies(type_info)
    visit(parse(query), TypeInfoVisitor(type_info, policies))
    for strictest in ("never", "per_user"):
        if strictest in policies.found:
            return strictest
    return "shared"


def answer_digest(
    principal: Principal,
    *,
    per_user: bool,
    query: str,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> str:
    """What, besides the organisation, one cached answer is for."""
    rights = [
        principal.role,
        principal.plan,
        None if principal.scopes is None else sorted(principal.scopes),
        str(principal.user_id) if per_user else None,
    ]
    text = json.dumps(
        [rights, query, operation_name, variables or {}],
        sort_keys=True,
        separators=(",", ":"),
        # REST params hand in UUIDs, dates and decimals; GraphQL reads them as strings.
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class _Plan:
    cache: AnswerCache
    org: Any
    digest: str


class CachedAnswers(SchemaExtension):
    """Answers a query from the cache (skipping execution), or stores its answer."""

    async def on_execute(self) -> AsyncIterator[None]:
        plan = await self._plan()
        found = None if plan is None else await plan.cache.lookup(plan.org, plan.digest)
        if plan is not None and found is None:
            ANSWER_CACHE_LOOKUPS.labels("skipped").inc()
        if plan is None or found is None:
            yield
            return
        if found.answer is not None:
            ANSWER_CACHE_LOOKUPS.labels("hit").inc()
            # Strawberry runs nothing when on_execute has set the result.
            self.execution_context.result = ExecutionResult(data=json.loads(found.answer))
            yield
            return
        ANSWER_CACHE_LOOKUPS.labels("miss").inc()
        yield
        await self._store(plan, found)

    async def _plan(self) -> _Plan | None:
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, Context) or context.answers is None:
            return None
        if not context.answers.enabled or context.credential is None:
            return None
        query = execution.query
        if execution.operation_type is not OperationType.QUERY or not isinstance(query, str):
            return None
        policy = policy_of(execution.schema._schema, query)
        if policy == "never":
            return None
        try:
            principal = await context.principal()
        except Exception:
            # Not cacheable; the fields raise the same failure as they always have.
            return None
        digest = answer_digest(
            principal,
            per_user=policy == "per_user",
            query=query,
            operation_name=execution.operation_name,
            variables=execution.variables,
        )
        return _Plan(context.answers, principal.org_id, digest)

    async def _store(self, plan: _Plan, found: Found) -> None:
        result = self.execution_context.result
        if not isinstance(result, ExecutionResult) or result.errors or result.data is None:
            return
        context = self.execution_context.context
        # The key holds the caller's rights: a guessed caller is confirmed first, and an
        # answer given to a wrong guess is never stored (gateway/callers.py).
        await context.confirm_caller()
        if context.guessed_wrong:
            return
        try:
            answer = dumps(result.data)
        except (TypeError, ValueError):
            return  # not plain JSON: served as computed, never from the cache
        await plan.cache.store(plan.org, found, plan.digest, answer)
