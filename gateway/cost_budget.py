"""The GraphQL cost budget: each /graphql operation's estimated cost (gateway/cost.py)
is taken from its organisation's budget per window (``GATEWAY_GRAPHQL_COST_BUDGET``,
gateway/rate_limits.py), and an operation the budget cannot take is refused before it
runs, as ``RATE_LIMITED``, charged nothing. REST calls run their family's own limits
(a REST call is one request to its family, whatever its operation costs), so the budget
is spent only by operations sent to /graphql, over HTTP or graphql-transport-ws.
"""

from __future__ import annotations

from graphql import GraphQLError

from gateway.context import Context
from gateway.errors import GatewayError
from gateway.metrics import RATE_LIMIT_REJECTIONS


async def charge(context: object, cost: int) -> GraphQLError | None:
    """Takes ``cost`` from the caller's organisation's budget; the refusal when it cannot."""
    if not isinstance(context, Context) or context.stored_operation is not None:
        return None
    budget = context.cost_budget
    if budget is None or cost == 0:
        return None
    try:
        principal = await context.principal()
    except GatewayError:
        # The fields refuse an unauthenticated caller themselves; nobody's budget pays.
        return None
    refused = await budget.hit(str(principal.org_id), cost=cost)
    if refused is None:
        return None
    RATE_LIMIT_REJECTIONS.labels("graphql").inc()
    error = refused.error()
    details = {**(error.details or {}), "cost": cost}
    return GraphQLError(error.message, extensions={"code": error.code, "details": details})
