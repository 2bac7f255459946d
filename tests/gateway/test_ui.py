"""The browser UIs' pages and vendored assets, over HTTP (the browser test drives them)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.settings import Settings

VENDOR = Path(__file__).resolve().parents[2] / "gateway" / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "vendor.json").read_text())
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HTML = {"Accept": "text/html"}


def vendored() -> dict[str, str]:
    return {
        path: digest
        for package in MANIFEST["packages"].values()
        for path, digest in package["files"].items()
    }


def test_vendored_files_match_their_recorded_checksums() -> None:
    on_disk = {
        str(path.relative_to(VENDOR)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "vendor.json"
    }
    assert on_disk == vendored()


def test_vendored_versions_are_the_pinned_umd_builds() -> None:
    versions = {name: package["version"] for name, package in MANIFEST["packages"].items()}
    assert versions == {
        "react": "18.3.1",
        "react-dom": "18.3.1",
        "graphiql": "3.9.0",
        "@graphiql/plugin-explorer": "3.2.6",
        "swagger-ui-dist": "5.35.0",
    }


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


async def test_graphiql_page_loads_only_the_gateways_own_assets(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get("/graphql?token=abc", headers=HTML)

    # then
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert assets_of(response.text) == [
        "/static/vendor/graphiql/graphiql.min.css",
        "/static/vendor/graphiql-plugin-explorer/style.css",
        "/static/ui/graphiql.css",
        "/static/vendor/react/react.production.min.js",
        "/static/vendor/react-dom/react-dom.production.min.js",
        "/static/vendor/graphiql/graphiql.min.js",
        "/static/vendor/graphiql-plugin-explorer/index.umd.js",
        "/static/ui/graphiql.js",
    ]
    assert "abc" not in response.text
    assert re.findall(r"<script(?![^>]*\bsrc=)", response.text) == []  # nothing inline
    assert "<style" not in response.text


async def test_docs_page_is_swagger_ui_for_openapi_json(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get("/docs")
    script = await client.get("/static/ui/docs.js")

    # then
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert assets_of(response.text) == [
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/ui/docs.js",
    ]
    assert script.status_code == 200
    assert 'url: "/openapi.json"' in script.text
    assert "validatorUrl: null" in script.text


async def test_every_vendored_file_is_served_as_recorded(client: httpx.AsyncClient) -> None:
    # when
    served = {path: await client.get(f"/static/vendor/{path}") for path in vendored()}

    # then
    assert {path: r.status_code for path, r in served.items()} == dict.fromkeys(vendored(), 200)
    assert {path: hashlib.sha256(r.content).hexdigest() for path, r in served.items()} == vendored()
    script = served["graphiql/graphiql.min.js"]
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"


async def test_graphiql_off_turns_off_both_uis_and_their_assets(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given
    app = create_app(Settings(data_dir=tmp_path, graphiql=False), engine=db, run_migrations=False)

    # when
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            answers = [
                (await c.get("/graphql", headers=HTML)).status_code,
                (await c.get("/docs")).status_code,
                (await c.get("/static/ui/graphiql.js")).status_code,
            ]

    # then
    assert answers == [404, 404, 404]


async def test_access_log_redacts_the_token_in_graphiqls_link(
    client: httpx.AsyncClient, caplog: Any
) -> None:
    # given: the line uvicorn writes for GET /graphql?token=…
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    args = ("127.0.0.1:5000", "GET", "/graphql?token=eyJ.abc.def&x=1", "1.1", 200)

    # when
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', *args)

    # then
    assert caplog.messages == ['127.0.0.1:5000 - "GET /graphql?token=[redacted]&x=1 HTTP/1.1" 200']
