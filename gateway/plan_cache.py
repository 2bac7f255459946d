"""The plan cache: a repeated operation skips parsing and validation.

Keyed by the sha256 of the document's text, the operation's name and the token limit
it was parsed under, a plan holds the parsed document, the validation rule sets it has
passed, and the selection compiler's statement templates (gateway/compiler/run.py).

What a cached plan does NOT skip is every check that depends on the request or on the
limits: the token limit is part of the key (a document over it never parses, so never
enters the cache), and the document limits (gateway/limits.py), InputGuard (values and
variables), the cost estimate with the request's variables and the cost budget run on
every request, cached or not. Only a validation that found no error is remembered, so a
document that failed validation fails it again on its next sending.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from gateway.metrics import PLAN_CACHE_LOOKUPS

# Documents are at most MAX_TOKENS (5,000) tokens, a few hundred KB parsed at worst, so
# 1,024 plans stay within tens of MB even if every one were that large.
DEFAULT_SIZE = 1024

Key = tuple[str, str | None, int | None]
# A finding not made yet (no problem text reads so).
UNREAD = "unread"
Rules = tuple[Any, ...]


@dataclass
class Plan:
    document: DocumentNode
    # Rule tuples (with or without IntrospectionDisabled) this document passed.
    valid_under: set[Rules] = field(default_factory=set)
    # InputGuard's finding on the document's literals ("unread" until it first looks):
    # a property of the document, so a repeated one is not walked again.
    literal_problem: str | None = UNREAD
    # The selection compiler's statement templates for this operation's root fields
    # (gateway/compiler/run.py), keyed by root field and the variables they read.
    compiled: dict[Any, Any] = field(default_factory=dict)


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    parses: int = 0
    validations: int = 0


class PlanCache:
    """A bounded LRU of plans for one schema (its type system)."""

    def __init__(self, maxsize: int = DEFAULT_SIZE) -> None:
        self.maxsize = maxsize
        self.stats = Stats()
        self._plans: OrderedDict[Key, Plan] = OrderedDict()

    def __len__(self) -> int:
        return len(self._plans)

    def get(self, key: Key) -> Plan | None:
        plan = self._plans.get(key)
        if plan is None:
            self.stats.misses += 1
            PLAN_CACHE_LOOKUPS.labels("miss").inc()
            return None
        self.stats.hits += 1
        PLAN_CACHE_LOOKUPS.labels("hit").inc()
        self._plans.move_to_end(key)
        return plan

    def put(self, key: Key, plan: Plan) -> None:
        if self.maxsize <= 0:
            return
        self._plans[key] = plan
        self._plans.move_to_end(key)
        while len(self._plans) > self.maxsize:
            self._plans.popitem(last=False)

    def resize(self, maxsize: int) -> None:
        self.maxsize = maxsize
        while len(self._plans) > max(maxsize, 0):
            self._plans.popitem(last=False)

    def clear(self) -> None:
        self._plans.clear()
        self.stats = Stats()


# For schemas built without one (a plain strawberry.Schema in a test).
_FALLBACK = PlanCache()
# The plan of the operation being run, from on_parse to validation (same task).
_current: ContextVar[Plan | None] = ContextVar("gateway_plan", default=None)


def current_plan() -> Plan | None:
    """The plan of the operation being run (None outside one, or with the cache off)."""
    return _current.get()


def cache_of(schema: object) -> PlanCache:
    plans = getattr(schema, "plans", None)
    return plans if isinstance(plans, PlanCache) else _FALLBACK


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


class Plans(SchemaExtension):
    """Hands a cached document to Strawberry (which then does not parse), or keeps the
    one Strawberry parsed. Placed where ParserCache was: after DocumentLimits (which sets
    the token limit) and before InputGuard (which checks every request's values)."""

    def on_operation(self) -> Iterator[None]:
        reset = _current.set(None)
        try:
            yield
        finally:
            _current.reset(reset)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        cache = cache_of(context.schema)
        key: Key | None = None
        if context.graphql_document is None and context.query:
            key = (
                document_hash(context.query),
                context.operation_name,
                context.parse_options.get("max_tokens"),
            )
            plan = cache.get(key)
            if plan is not None:
                context.graphql_document = plan.document
                _current.set(plan)
                key = None
        yield
        if key is not None and context.graphql_document is not None:
            cache.stats.parses += 1
            plan = Plan(context.graphql_document)
            cache.put(key, plan)
            _current.set(plan)


def validate(
    schema: GraphQLSchema, cache: PlanCache, document: DocumentNode, rules: Rules
) -> list[GraphQLError]:
    """graphql-core's validation, skipped when this request's plan already passed it
    under the same rules. Failures are not remembered: they are computed again."""
    plan = _current.get()
    if plan is not None and plan.document is document and rules in plan.valid_under:
        return []
    cache.stats.validations += 1
    errors = list(validate_document(schema, document, rules))
    if not errors and plan is not None and plan.document is document:
        plan.valid_under.add(rules)
    return errors
