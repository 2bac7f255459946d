"""GraphiQL and Swagger UI in a real browser (Debian's headless Chromium, driven by
Playwright), against a real uvicorn server on 127.0.0.1, with every request that would
leave 127.0.0.1 recorded and refused.

The pages do not depend on the database, so this runs on SQLite only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.app import create_app
from gateway.settings import Settings
from gateway.ui import CONTENT_SECURITY_POLICY
from tests.factories import Factory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    # CI installs Chromium (.ci/run), so there a missing browser fails instead of skipping.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="browser test skipped: no Chromium at /usr/bin/chromium "
        "(apt-get install chromium; .ci/run installs it)",
    ),
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

VIEWER = "{ viewer { username } }"

# Used only when the app has no /openapi.json of its own yet: two operations to list.
STUB_OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "stub", "version": "0"},
    "paths": {
        "/api/v1/analytics/dora": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/api/v1/analytics/bus-factor": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
}


async def stub_openapi(_: Request) -> JSONResponse:
    return JSONResponse(STUB_OPENAPI)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def base_url(db: AsyncEngine, settings: Settings) -> AsyncIterator[str]:
    """A uvicorn server on a free local port, in this event loop (where the engine lives)."""
    app = create_app(settings, engine=db, run_migrations=False)
    if not any(getattr(route, "path", None) == "/openapi.json" for route in app.routes):
        app.router.routes.append(Route("/openapi.json", stub_openapi))
    port = free_port()
    # log_config=None leaves logging alone, so the access log reaches caplog.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


class Watch:
    """What a page asked for beyond 127.0.0.1, and what it reported as broken."""

    def __init__(self) -> None:
        self.foreign: list[str] = []
        self.problems: list[str] = []

    async def attach(self, page: Any) -> None:
        async def route(request_route: Any) -> None:
            url = request_route.request.url
            if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
                await request_route.continue_()
            else:
                self.foreign.append(url)
                await request_route.abort()

        await page.route("**/*", route)
        page.on("websocket", lambda ws: self._local(ws.url))
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.problems.append(f"console: {message.text}")
            ),
        )
        # Content-Security-Policy refusals, as the page itself sees them.
        await page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )

    def _local(self, url: str) -> None:
        if urlsplit(url).hostname != "127.0.0.1":
            self.foreign.append(url)


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[tuple[Any, Watch]]:
    context = await browser.new_context()
    page = await context.new_page()
    watch = Watch()
    await watch.attach(page)
    yield page, watch
    await context.close()


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    yield caplog


async def test_graphiql_runs_a_query_with_the_token_from_the_url(
    base_url: str, page: tuple[Any, Watch], factory: Factory, access_log: Any
) -> None:
    # given
    browser_page, watch = page
    org = await factory.org()
    user = await factory.user(org, username="grace")
    token = factory.token(user)

    # when
    response = await browser_page.goto(f"{base_url}/graphql?token={token}")
    editor = browser_page.locator(".graphiql-query-editor .CodeMirror")
    await editor.wait_for(timeout=20_000)
    headers_text = await browser_page.locator(
        ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
    ).inner_text()
    await editor.click()
    await browser_page.keyboard.press("Control+A")
    await browser_page.keyboard.press("Delete")
    await browser_page.keyboard.type(VIEWER)
    await browser_page.locator(".graphiql-execute-button").click()
    result = browser_page.locator(".graphiql-response")
    await result.get_by_text('"grace"').wait_for(timeout=20_000)

    # then
    assert response.status == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert f'"Authorization": "Bearer {token}"' in " ".join(headers_text.split())
    answer = " ".join((await result.inner_text()).split())
    assert '"viewer": { "username": "grace" }' in answer
    stored = await browser_page.evaluate(
        "JSON.stringify(Object.assign({}, localStorage, sessionStorage))"
    )
    assert token not in stored
    assert watch.foreign == []
    assert watch.problems == []
    logged = [record.getMessage() for record in access_log.records]
    assert any("GET /graphql?token=[redacted]" in line for line in logged), logged
    assert not any(token in line for line in logged)


async def test_swagger_ui_lists_the_openapi_operations(
    base_url: str, page: tuple[Any, Watch]
) -> None:
    # given
    browser_page, watch = page
    async with httpx.AsyncClient() as http:
        document = (await http.get(f"{base_url}/openapi.json")).json()
    expected = sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    )

    # when
    response = await browser_page.goto(f"{base_url}/docs")
    blocks = browser_page.locator(".opblock-summary")
    await blocks.first.wait_for(timeout=20_000)
    listed = []
    for index in range(await blocks.count()):
        block = blocks.nth(index)
        method = await block.locator(".opblock-summary-method").inner_text()
        path = await block.locator(".opblock-summary-path").get_attribute("data-path")
        listed.append((method.strip(), path))

    # then
    assert response.status == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert expected
    assert sorted(listed) == expected
    assert watch.foreign == []
    assert watch.problems == []
