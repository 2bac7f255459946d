"""GraphQL over HTTP and graphql-transport-ws: Strawberry's ASGI app with the gateway's
rules on top (one context per request, the response media type from Accept, the
WebSocket's credential in connection_init, 503 and 429 statuses for operations the
database or a budget refused, a body that is not a JSON object refused with a 400)."""

from __future__ import annotations

import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from gateway.auth import read_credential
from gateway.compiler.run import dumps
from gateway.context import Context, context_for
from gateway.errors import GatewayError, retry_headers, unavailable
from gateway.media_types import GRAPHQL_RESPONSE_JSON, is_request_error, response_media_type
from gateway.persisted import PersistedQueries, PersistedRefusal
from gateway.request_log import note_operation
from gateway.ui import page

# Strawberry refuses a request at the HTTP level (a body that is not JSON, no query…)
# with a status and a reason; each is answered in GraphQL's own error shape.
HTTP_REFUSAL_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


class GraphQLApp(GraphQL[Context, None]):
    # Automatic persisted queries and the allow-list (gateway/persisted.py); create_app sets it.
    persisted: PersistedQueries | None = None

    async def get_context(self, request: Any, response: Any = None) -> Context:
        context = context_for(request)
        # Over HTTP the answer is written by encode_json, which splices compiled JSON.
        context.splice_json = isinstance(request, Request)
        return context

    def encode_json(self, data: object) -> str:
        return dumps(data)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Chosen once from Accept and carried to create_response, which has no request.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if self.persisted is not None:
            for item in data if isinstance(data, list) else [data]:
                await self.persisted.resolve(item)
        # The access line's operation: a batch is named by its first operation.
        first = data[0] if isinstance(data, list) and data else data
        if isinstance(first, GraphQLRequestData):
            note_operation(first.operation_name)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        wants_spec = response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON
        if wants_spec and is_request_error(result):
            # The spec's type tells "never ran" (no data entry) from "ran, data is null".
            answer.pop("data", None)
        return answer

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws's ``connection_init``: the caller is authenticated here,
        from the payload (``{"Authorization": "Bearer …"}`` or ``{"X-API-Key": …}``, also
        inside ``"headers"``) or else the upgrade request's headers and cookie. Without a
        valid credential the socket is closed with 4403 (the protocol's "Forbidden")."""
        params = context.connection_params or {}
        nested = params.get("headers")
        offered = {
            str(name).lower(): value
            for source in (params, nested if isinstance(nested, dict) else {})
            for name, value in source.items()
            if isinstance(value, str)
        }
        credential = read_credential(offered, {})
        if credential is not None:
            # Sent by the client's own code, not attached by a browser: no CSRF rule.
            context.credential, context.refused = credential, None
        try:
            await context.principal()
        except GatewayError as error:
            raise ConnectionRejectionError({"code": error.code}) from None
        finally:
            # Each operation on the socket is a request of its own (Context.reopen).
            await context.close()
        return await super().on_ws_connect(context)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with a persisted query's hash and no query is an operation, not a browser.
        has_hash = request.query_params.get("extensions") is not None
        return not has_hash and super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page over vendored assets, instead of Strawberry's CDN one.
        return page("graphiql.html")

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        answers = response_data if isinstance(response_data, list) else [response_data]
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if not isinstance(response_data, list) and "data" not in response_data:
                response.status_code = 400
        # A database that is away is the server's failure, not the query's: answer 503
        # with Retry-After, as the REST families do, so clients and balancers back off.
        if any(
            _error_code(error) == "SERVICE_UNAVAILABLE"
            for answer in answers
            for error in answer.get("errors") or []
        ):
            response.status_code = 503
            response.headers.update(retry_headers(unavailable()))
        # An operation over its organisation's cost budget never ran: 429 with the
        # Retry-After and RateLimit fields a REST family's refusal carries (batching is
        # off, so no other operation of the request ran either).
        refusals = [refusal for answer in answers if (refusal := _rate_limited(answer))]
        if refusals:
            response.status_code = 429
            response.headers.update(retry_headers(refusals[0]))
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as refusal:
            code = HTTP_REFUSAL_CODES.get(refusal.status_code, "BAD_USER_INPUT")
            response = graphql_error_response(GatewayError(code, refusal.reason))
            response.status_code = refusal.status_code
        except PersistedRefusal as refusal:
            response = graphql_error_response(refusal.error)
            response.status_code = refusal.status
            # Apollo's rule: the client is about to register the query, so no cache
            # between it and us may keep this answer.
            response.headers["cache-control"] = "private, no-cache, must-revalidate"
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """A JSON object, or a batch list of them; anything else is refused with a 400.

        Strawberry would call ``.get`` on a body such as ``"x"``, ``5`` or ``null``, and
        lets a body nested past the interpreter's stack, or not UTF-8, escape as a 500.
        """
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            decoded = json.loads(text)
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not valid UTF-8") from None
        except RecursionError:
            raise HTTPException(400, "The request's JSON is nested too deeply") from None
        except ValueError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        items = decoded if isinstance(decoded, list) else [decoded]
        if not all(isinstance(item, dict) for item in items):
            raise HTTPException(400, "The request must be a JSON object (or a list of them)")
        # Strawberry checks `query`, `variables` and `extensions`, but passes any
        # `operationName` on; the spec asks for a string or null.
        if not all(isinstance(item.get("operationName"), str | None) for item in items):
            raise HTTPException(400, "The operationName must be a string or null")
        return decoded


def _error_code(error: object) -> object:
    """A formatted GraphQL error's ``extensions.code`` (Strawberry types errors as objects)."""
    if not isinstance(error, dict):
        return None
    extensions = error.get("extensions")
    return extensions.get("code") if isinstance(extensions, dict) else None


def _rate_limited(answer: GraphQLHTTPResponse) -> GatewayError | None:
    """The rate-limit refusal an answer carries (gateway/cost_budget.py), if it does."""
    for error in answer.get("errors") or []:
        if _error_code(error) == "RATE_LIMITED":
            assert isinstance(error, dict)
            details = error["extensions"].get("details")
            return GatewayError("RATE_LIMITED", error["message"], details=details)
    return None


def graphql_error_response(error: GatewayError) -> Response:
    """A refusal drawn before GraphQL runs, in GraphQL's own error shape."""
    extensions: dict[str, Any] = {"code": error.code}
    if error.details:
        extensions["details"] = error.details
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": extensions}]},
        status_code=error.status,
        headers=retry_headers(error),
    )
