"""The route-table mechanism: a route is data, the handler is one function.

A documented path is one ``RestRoute``: method, path, the stored operation it runs,
a pydantic model of its parameters (``rest_compat.params``), the success status and,
only where GraphQL aliases cannot say it, a shaper. Errors come back from the schema
with a code and are drawn in the family's own envelope.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from graphql import FragmentDefinitionNode, parse, print_ast
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from gateway.body_limit import BodyTooLarge
from gateway.context import context_for
from gateway.errors import GatewayError, bad_input, retry_headers
from gateway.inputs import value_problem
from gateway.metrics import RATE_LIMIT_REJECTIONS
from gateway.request_log import note_operation
from rest_compat.params import NoParams, RouteParams, Variables, read_params

log = logging.getLogger("gateway.rest")

OPERATIONS = Path(__file__).parent / "operations"

# A shaper sees the operation's data, its variables and the request (for page links).
ShapeFn = Callable[[dict[str, Any], Variables, Request], Any]


@dataclass(frozen=True)
class Family:
    """One product's REST conventions: its name, how it draws an error, and that
    drawing's JSON Schema (for the OpenAPI document)."""

    name: str
    envelope: Callable[[GatewayError], dict[str, Any]]
    envelope_schema: dict[str, Any]
    # Where ``<name>/<op>.graphql`` live: the package's own folder, unless a family
    # (a plug-in, a test) keeps its stored operations elsewhere.
    operations: Path = OPERATIONS
    # A path asked without (or with) its trailing slash: the status of the redirect a
    # GET or HEAD gets, and whether other methods are redirected too (307 keeps their
    # method and body) or answered 404, as Django REST framework answers them.
    slash_redirect: int = 307
    redirect_writes: bool = True
    # A status this dialect answers for a code instead of the gateway's own (FastAPI
    # answers a refused parameter 422, where the gateway says 400).
    statuses: Mapping[str, int] = field(default_factory=dict)
    # Whom its rate limit counts per, "user" or "organization", if it has one (a limiter
    # by the family's name on the runtime, gateway/app.py limiters_for); its routes may
    # then answer 429, and the OpenAPI document lists it.
    rate_limit_per: Literal["user", "organization"] | None = None

    @property
    def rate_limited(self) -> bool:
        return self.rate_limit_per is not None


@dataclass(frozen=True)
class RestRoute:
    method: str
    path: str
    op: str
    family: Family
    params: type[RouteParams] = NoParams
    status: int = 200
    media_type: str = "application/json"
    # Default: the operation's `data` alias is the body, as GraphQL returned it.
    shape: ShapeFn | None = None

    @property
    def document(self) -> str:
        return load_operation(self.family.name, self.op, self.family.operations)

    @property
    def writes(self) -> bool:
        """Whether its stored operation is a mutation."""
        return is_mutation(self.document)


@cache
def is_mutation(document: str) -> bool:
    return get_operation_type(parse(document)) is OperationType.MUTATION


@cache
def load_operation(family: str, op: str, root: Path = OPERATIONS) -> str:
    """``operations/<family>/<op>.graphql``, with the family's shared fragments it uses.

    Shapes that several paths return (a person's risk score, say) are written once in
    ``operations/<family>/fragments.graphql``; only the fragments an operation spreads
    (directly or through another fragment) are appended, since GraphQL refuses a
    document with unused fragments.
    """
    text = (root / family / f"{op}.graphql").read_text()
    fragments = _fragments(family, root)
    wanted: list[str] = []
    pending = _SPREAD.findall(text)
    while pending:
        name = pending.pop()
        if name in fragments and name not in wanted:
            wanted.append(name)
            pending.extend(_SPREAD.findall(fragments[name]))
    return "\n".join([text, *(fragments[name] for name in sorted(wanted))])


_SPREAD = re.compile(r"\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)")


@cache
def _fragments(family: str, root: Path) -> dict[str, str]:
    path = root / family / "fragments.graphql"
    if not path.exists():
        return {}
    document = parse(path.read_text())
    return {
        definition.name.value: print_ast(definition)
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: a lone surrogate (which UTF-8 cannot carry) becomes U+FFFD.

    Inputs never carry one (``gateway.inputs``), but an answer must not fail on stored
    text either.
    """

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return _SURROGATE.sub("\ufffd", text).encode("utf-8")


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_request_text(request: Request) -> None:
    """Every query-string value and path segment obeys the input rules, or BAD_USER_INPUT."""
    values = [*request.query_params.keys(), *request.query_params.values()]
    problem = value_problem([*values, *request.path_params.values()])
    if problem is not None:
        raise bad_input(f"the request's parameters cannot be accepted: {problem}")


def error_of(errors: list[Any]) -> GatewayError:
    """The first GraphQL error as the GatewayError the schema raised."""
    first = errors[0]
    extensions = first.extensions or {}
    code = extensions.get("code", "INTERNAL_SERVER_ERROR")
    return GatewayError(code, first.message, details=extensions.get("details"))


def status_of(family: Family, error: GatewayError) -> int:
    return family.statuses.get(error.code, error.status)


def error_response(family: Family, error: GatewayError) -> JSONResponse:
    return SafeJSONResponse(
        family.envelope(error), status_code=status_of(family, error), headers=retry_headers(error)
    )


async def execute(route: RestRoute, request: Request) -> Response:
    """Run the route's operation for this request and answer in the family's terms."""
    schema = request.app.state.runtime.schema
    note_operation(f"{route.family.name}_{route.op}")
    context = context_for(request)
    context.stored_operation = f"{route.family.name}.{route.op}"
    try:
        if route.writes:
            # Wholly on the primary, the caller's lookup included (gateway/replica.py).
            await context.use_primary()
        limiter = request.app.state.runtime.limiters.get(route.family.name)
        if limiter is not None:
            # After authentication, before anything else, as DRF's throttles run. A
            # caller without a credential hears 401 uncounted.
            principal = await context.principal()
            key = [str(principal.org_id)]
            if route.family.rate_limit_per == "user":
                key.append(str(principal.user_id))
            refused = await limiter.hit(*key)
            if refused is not None:
                RATE_LIMIT_REJECTIONS.labels(route.family.name).inc()
                raise refused.error()
        try:
            check_request_text(request)
            params = await read_params(route.params, request, now=context.now)
            variables = params.variables()
        except GatewayError as error:
            # Who is asking comes before what they asked: a caller without a valid
            # credential hears 401/402, never whether their argument was well formed.
            await context.principal()
            raise error
        result = await schema.execute(
            route.document, variable_values=variables, context_value=context
        )
        if result.errors:
            raise error_of(result.errors)
        data = result.data or {}
        # A shaper may refuse too (a page past the last is a 404).
        body = route.shape(data, variables, request) if route.shape else data.get("data")
    except GatewayError as error:
        return error_response(route.family, error)
    except BodyTooLarge:
        raise  # answered 413 by the body limit, before anything else
    except Exception:
        # Internals never reach a client; the family's envelope does, even for a bug.
        log.exception("unexpected error answering %s %s", route.method, route.path)
        return error_response(
            route.family, GatewayError("INTERNAL_SERVER_ERROR", "Internal server error.")
        )
    finally:
        await context.close()
    if isinstance(body, Response):
        return body
    return SafeJSONResponse(body, status_code=route.status)


def endpoint(route: RestRoute) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        return await execute(route, request)

    handle.__name__ = f"{route.family.name}_{route.op}"
    return handle
