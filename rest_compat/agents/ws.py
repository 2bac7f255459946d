"""``WS /api/analytics/ws/realtime/{user_email}`` (seed 004): the realtime figures, pushed.

- Authentication on the upgrade request: ``X-API-Key``, ``Authorization`` or the
  ``access_token`` cookie, as for any request. A cookie counts only from a trusted
  ``Origin`` (the gateway's own or one of ``GATEWAY_ALLOWED_ORIGINS``), since any page
  can open a WebSocket with it (gateway/csrf.py).
- The socket is accepted first, then closed with a code if the caller may not have it:
  a close code is all a browser's WebSocket API can read (a refused handshake reaches a
  page as a bare error). 4401: no credential, or one that is not valid. 4403: the
  ``agents:read`` scope is missing, the credential's user is not ``{user_email}``
  (compared case-insensitively), or a cookie came from an untrusted origin. Other
  refusals are 4000 + their HTTP status; 1013 when the database is unavailable.
- Then the seed's ``connection`` message, and a ``metrics_update`` every
  ``GATEWAY_WS_INTERVAL`` seconds from the organisation's one shared ticker
  (resolvers/agents/stream.py says what each figure is).
- Each socket has a queue of ``GATEWAY_WS_SEND_QUEUE`` updates. A client that stops
  reading fills it and is dropped: closed with 1008 (policy violation: it must keep up),
  without holding up the ticker or the organisation's other sockets. A close that cannot
  be sent either (the client reads nothing) is abandoned after a second.
- Leaving (either side) is cleaned up at once (the queue, the socket count, the ticker
  when it was the last one) and counted: ``gateway_live_clients{kind="websocket"}`` and
  ``gateway_live_disconnects_total{kind="websocket",reason}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.context import context_for
from gateway.errors import GatewayError
from gateway.live import Feed
from resolvers.agents.scopes import AGENTS_READ
from resolvers.agents.stream import Tick, connection_message, email_of, realtime_ticks
from rest_compat.agents import API

log = logging.getLogger("gateway.live")

SLOW_CLIENT = 1008
CLOSE_TIMEOUT = 1.0


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        # A close frame's reason holds at most 123 bytes.
        self.reason = reason.encode()[:123].decode(errors="ignore")


def close_code(error: GatewayError) -> int:
    if error.status == 503:
        return 1013
    if 400 <= error.status < 500:
        return 4000 + error.status
    return 1011


async def admit(websocket: WebSocket, email: str) -> uuid.UUID:
    """The caller's organisation if they may have ``email``'s stream, else Refused."""
    ctx = context_for(websocket)
    try:
        principal = await ctx.require(scope=AGENTS_READ)
        own = await email_of(ctx, principal)
    except GatewayError as error:
        raise Refused(close_code(error), error.message) from None
    finally:
        await ctx.close()
    if own is None or own.casefold() != email.casefold():
        raise Refused(4403, "this stream belongs to another user")
    return principal.org_id


async def realtime_socket(websocket: WebSocket) -> None:
    runtime: Any = websocket.app.state.runtime
    email: str = websocket.path_params["user_email"]
    await websocket.accept()
    try:
        org_id = await admit(websocket, email)
    except Refused as refused:
        await websocket.close(refused.code, refused.reason)
        return
    try:
        await websocket.send_json(connection_message(email, runtime.clock()))
    except (WebSocketDisconnect, OSError):
        return  # gone before the first message
    async with realtime_ticks(runtime, org_id, "websocket") as feed:
        await pump(websocket, feed)


async def pump(websocket: WebSocket, feed: Feed[Tick]) -> None:
    """Sends the ticks until the client leaves or is dropped."""
    sending = asyncio.create_task(_send(websocket, feed))
    leaving = asyncio.create_task(_until_disconnect(websocket))
    dropped = asyncio.create_task(feed.dropped.wait())
    tasks = (sending, leaving, dropped)
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    if feed.dropped.is_set():
        # A client that reads nothing may not take the close frame either.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                websocket.close(SLOW_CLIENT, "too slow: the send queue is full"), CLOSE_TIMEOUT
            )
        return
    failure = results[0]
    if isinstance(failure, Exception) and not isinstance(failure, WebSocketDisconnect | OSError):
        feed.reason = "error"
        log.error("live: a realtime WebSocket failed", exc_info=failure)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(1011), CLOSE_TIMEOUT)


async def _send(websocket: WebSocket, feed: Feed[Tick]) -> None:
    async for tick in feed:
        await websocket.send_text(tick.message)


async def _until_disconnect(websocket: WebSocket) -> None:
    # The client has nothing to say; whatever it sends is read and ignored.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


SOCKETS: list[BaseRoute] = [
    WebSocketRoute(f"{API}/ws/realtime/{{user_email}}", realtime_socket),
]
