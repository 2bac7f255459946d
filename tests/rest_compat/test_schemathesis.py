"""Schemathesis over ``/openapi.json``: generated requests to every operation, as an admin
of a Growth organisation, answer no 5xx, only what the document says they answer, and
nothing of another organisation's (its ids, names, titles, emails: tests/walk/dataset.py).

Schemathesis' pytest plugin runs cases through its own (synchronous) transports, which
would call the app outside this test's event loop and its database engine. Its Python
API is used instead: its strategy generates the cases, the in-process ``client`` sends
them, and ``case.validate_response`` applies its checks. Derandomized with a fixed number
of examples, so every run sends the same requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rest_compat.openapi import document
from tests.factories import one_transaction
from tests.knowledge.dataset import build_acme
from tests.walk.dataset import Tenant, tenant

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_dict(document())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


@pytest.fixture
@one_transaction
async def admin(factory: Any) -> dict[str, str]:
    """An admin of a Growth organisation with knowledge data and a deployment."""
    acme = await build_acme(factory)
    component = await factory.component(acme.org, "billing")
    prod = await factory.environment(acme.org, "prod")
    await factory.deployment(component, prod, "FAILED", started_hours_ago=9, duration_hours=1)
    await factory.deployment(component, prod, "SUCCEEDED", started_hours_ago=5, duration_hours=1)
    return factory.headers(acme.users["alice"])


@pytest.fixture
async def other(factory: Any) -> Tenant:
    """Another Growth organisation with a little of everything, none of which any answer
    to Acme's admin may hold."""
    return await tenant(factory, "zother")


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    # The organisation and client are shared by the examples on purpose: each example
    # asserts only on its own answer.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("label", sorted(OPERATIONS))
async def test_generated_requests_answer_as_documented(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    other: Tenant,
    data: st.DataObject,
    label: str,
) -> None:
    case = data.draw(OPERATIONS[label].as_strategy(), label="case")
    sent = case.as_transport_kwargs(base_url=str(client.base_url), headers=admin)
    headers = dict(sent.get("headers") or {})
    if sent.get("cookies"):
        # Generated for the cookie security scheme; sent as the header (httpx deprecates
        # per-request cookies). The bearer token is what authenticates.
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sent["cookies"].items())
    response = await client.request(
        sent["method"],
        sent["url"],
        params=sent.get("params"),
        headers=headers,
        json=sent["json"] if "json" in sent else None,
        content=sent.get("data"),
    )
    case.validate_response(response, checks=CHECKS)
    assert sorted(secret for secret in other.secrets if secret in response.text) == []
