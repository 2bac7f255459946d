"""A refused REST parameter: the message and details come from the row's model."""

from __future__ import annotations

import pytest

DORA = "/api/v1/analytics/dora"
EXPORT = "/api/v1/analytics/export"


@pytest.mark.parametrize(
    ("url", "message", "argument"),
    [
        (f"{DORA}?days=1.0", "days must be an integer from 1 to 3650", "days"),
        (f"{DORA}?days=3651", "days must be an integer from 1 to 3650", "days"),
        (f"{DORA}?componentId=nope", "componentId must be a UUID", "componentId"),
        (EXPORT, "report is required: must be one of catalog, dora, usage", "report"),
        (f"{EXPORT}?report=pdf", "report must be one of catalog, dora, usage", "report"),
    ],
)
async def test_refused_parameter_names_itself(client, factory, url, message, argument):
    user = await factory.user(await factory.org())
    response = await client.get(url, headers=factory.headers(user))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "VALIDATION_ERROR", "message": message, "details": {"argument": argument}}
    }


async def test_malformed_path_id_is_404_after_authentication(client, factory):
    url = "/api/v1/analytics/bus-factor/person/not-a-uuid"
    assert (await client.get(url)).status_code == 401
    admin = await factory.user(await factory.org(), role="admin")
    response = await client.get(url, headers=factory.headers(admin))
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "user not found"}}
