"""The CSRF rule for cookie authentication, as Apollo's CSRF prevention has it.

A browser attaches the ``access_token`` cookie to any request a page makes it send,
including a form post or a ``text/plain`` fetch from another site, which need no CORS
preflight. So a state-changing request authenticated by the cookie must be JSON (a
content type only a preflighted request can carry) and must show where it comes from:
a trusted ``Origin`` (the gateway's own, or one of ``GATEWAY_ALLOWED_ORIGINS``), or, when
the browser sent none, a custom header (``X-Requested-With`` or
``Apollo-Require-Preflight``), which a page can only set after a preflight. A foreign
``Origin`` is refused whatever else the request carries. Header credentials
(``Authorization``, ``X-API-Key``) are never sent by a browser on its own: the rule
does not apply to them.

A WebSocket handshake is a GET that no CORS rule guards: any page can open one to the
gateway, and the browser attaches the cookie (cross-site WebSocket hijacking). So a
cookie-authenticated WebSocket must come from a trusted ``Origin``; a handshake without
one is not a browser's (browsers always send it there), which has no ambient cookie to
abuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.errors import GatewayError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PREFLIGHT_HEADERS = ("x-requested-with", "apollo-require-preflight")


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def csrf_refusal(request: Any, allowed_origins: Sequence[str]) -> GatewayError | None:
    """Why a cookie-authenticated request may not run, or None if it may."""
    if request.scope["type"] == "websocket":
        return websocket_refusal(request, allowed_origins)
    if request.method in SAFE_METHODS:
        return None
    if not is_json(request.headers.get("content-type", "")):
        return _refused("a cookie-authenticated write must have Content-Type application/json")
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") not in (own, *allowed_origins):
            return _refused("the request's Origin is not trusted for cookie-authenticated writes")
        return None
    if not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
        return _refused(
            "a cookie-authenticated write needs a trusted Origin or an X-Requested-With header"
        )
    return None


def websocket_refusal(websocket: Any, allowed_origins: Sequence[str]) -> GatewayError | None:
    """Why a cookie-authenticated WebSocket may not open, or None if it may."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(websocket.url.scheme, websocket.url.scheme)
    if origin.rstrip("/") in (f"{scheme}://{websocket.url.netloc}", *allowed_origins):
        return None
    return _refused("the WebSocket's Origin is not trusted for cookie authentication")


def _refused(message: str) -> GatewayError:
    return GatewayError("CSRF_REJECTED", message)
