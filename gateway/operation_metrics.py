"""How long each GraphQL operation takes, by type, name and outcome (``/metrics``).

Both front doors are counted: ``/graphql`` and the REST layer's stored operations
(rest_compat/routing.py runs ``schema.execute`` with ``Context.stored_operation`` set).

The ``operation`` label must keep a bounded number of series, and a client picks the
operationName of a ``/graphql`` request freely (a new one per request would create a new
series each time and exhaust the process's memory). So:
- a REST call is labelled with its stored operation (``family.op``): a fixed set;
- a ``/graphql`` operation keeps its name only if it looks like a name (at most 64 of
  ``[A-Za-z0-9_]``) and is among the first MAX_NAMES distinct names this process saw;
  any other is ``other``, and an operation without a name is ``anonymous``.
A subscription's duration is its whole life, from subscribe to its end.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

from prometheus_client import Histogram
from strawberry.extensions import SchemaExtension

from gateway.metrics import REGISTRY

MAX_NAMES = 200
NAME = re.compile(r"[A-Za-z0-9_]{1,64}")

OPERATION_DURATION = Histogram(
    "gateway_graphql_operation_duration_seconds",
    "Time to run a GraphQL operation (/graphql or a REST call's stored operation), by "
    "operation type, operation name (bounded: see gateway/operation_metrics.py) and "
    "outcome (ok, error).",
    ["type", "operation", "outcome"],
    registry=REGISTRY,
)

_seen: set[str] = set()


def name_label(name: str | None, stored: str | None) -> str:
    """The ``operation`` label: the stored operation, else a bounded client-given name."""
    if stored is not None:
        return stored
    if not name:
        return "anonymous"
    if NAME.fullmatch(name) is None:
        return "other"
    if name not in _seen:
        if len(_seen) >= MAX_NAMES:
            return "other"
        _seen.add(name)
    return name


class OperationMetrics(SchemaExtension):
    """Observes every operation's duration in ``gateway_graphql_operation_duration_seconds``."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        failed = True
        try:
            yield
            failed = self._failed()
        except (GeneratorExit, asyncio.CancelledError):
            # How a subscription ends when its client leaves (or a request is dropped):
            # not an error in itself; one the operation answered before still counts.
            failed = self._failed()
            raise
        finally:
            self._observe(time.perf_counter() - started, failed)

    def _failed(self) -> bool:
        # A subscription that ran leaves no result behind: only errors count.
        return bool(getattr(self.execution_context.result, "errors", None))

    def _observe(self, elapsed: float, failed: bool) -> None:
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:
            # Unparsable, or an operationName the document does not hold.
            kind = "unknown"
        stored = getattr(context.context, "stored_operation", None)
        try:
            name = context.operation_name
        except Exception:  # an unparsable document has no first operation
            name = None
        label = name_label(name, stored if isinstance(stored, str) else None)
        OPERATION_DURATION.labels(kind, label, "error" if failed else "ok").observe(elapsed)
